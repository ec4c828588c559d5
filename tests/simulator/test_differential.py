"""Differential tests: the simulator and the program in the SVM must agree after every step.

The Hypothesis state machine is :class:`differential_machine.DifferentialMachine`.
``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) and ``SESSIONS_DIFFERENTIAL_STEPS``
(default 40) raise the budget for long runs, e.g. ``SESSIONS_DIFFERENTIAL_EXAMPLES=5000``.
"""

from __future__ import annotations

import os

import pytest
from differential_machine import DifferentialMachine
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

pytestmark = pytest.mark.differential

EXAMPLES = int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500"))
STEPS = int(os.environ.get("SESSIONS_DIFFERENTIAL_STEPS", "40"))

#: Hypothesis keeps every explored choice sequence of a run in memory; long runs are split
#: into independent runs of at most this many examples.
CHUNK = 100


@pytest.mark.parametrize("run", range(max(1, -(-EXAMPLES // CHUNK))))
def test_simulator_matches_program(run: int) -> None:
    """The state machine above, ``EXAMPLES`` random runs in all (``CHUNK`` per pytest case)."""
    examples = min(CHUNK, EXAMPLES - run * CHUNK) if EXAMPLES > CHUNK else EXAMPLES
    run_state_machine_as_test(
        DifferentialMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
