"""The differential test has teeth: a model with a seeded off-by-one must fail it.

The mutant pauses a session at ``now == expires_at`` (the program refuses: expired);
the state machine has to find that boundary on its own and report the divergence.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest
from differential_machine import DifferentialMachine
from differential_twin import DivergenceError
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from solders.pubkey import Pubkey

from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from simulator import program
from simulator.env import Env
from simulator.program import HandlerResult, InstructionHandler

pytestmark = pytest.mark.differential


def one_second_early(handler: InstructionHandler) -> InstructionHandler:
    """``handler`` run as if the clock were a second behind when it sits on the expiry."""

    def mutant(
        env: Env,
        keys: Sequence[Pubkey],
        data: bytes,
        signers: Collection[Pubkey],
        writable: Collection[Pubkey],
    ) -> HandlerResult:
        record = env.ledger.sessions.get(keys[1])
        now = env.clock.now()
        if record is None or now != record.expires_at:
            return handler(env, keys, data, signers, writable)
        env.clock.set(now - 1)
        try:
            return handler(env, keys, data, signers, writable)
        finally:
            env.clock.set(now)

    return mutant


def test_a_seeded_off_by_one_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    discriminator = INSTRUCTIONS_BY_NAME["pause_session"].discriminator
    handler, *shape = program._DISPATCH[discriminator]
    monkeypatch.setitem(program._DISPATCH, discriminator, (one_second_early(handler), *shape))
    with pytest.raises(DivergenceError, match="SESSION_EXPIRED"):
        run_state_machine_as_test(
            DifferentialMachine,
            settings=settings(
                max_examples=400,
                stateful_step_count=40,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )
