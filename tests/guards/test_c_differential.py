"""Differential fuzzing of program/src/guard.c against simulator/guard_eval.py.

The same random guards (valid programs, their mutations, raw bytes) and random execution
contexts go through three evaluators: guard.c built for the host (ctypes), guard.c built
for SBF inside a probe program run in LiteSVM (the build the program ships: unaligned word
loads, the bit stack), and the simulator's independent Python reading of the bytes. All
four functions of guard.h must agree on every case.

``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) sets the native budget; the SVM probe runs
a fifth of it (each case is a transaction).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from solders.pubkey import Pubkey

from sessions_client.errors import ErrorCode
from simulator import guard_eval as sim
from simulator.guard_eval import GuardContext

from .strategies import contexts, keys, stored_guards
from .support import (
    MODE_ADMITS,
    MODE_EVALUATE,
    MODE_RATE_WINDOW,
    MODE_VALIDATE,
    NativeGuard,
    Probe,
    build_probe,
    code_of,
)

pytestmark = pytest.mark.differential

EXAMPLES = int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500"))
NATIVE = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
IN_SVM = settings(
    max_examples=max(20, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> NativeGuard:
    return NativeGuard(tmp_path_factory.mktemp("native-guard"))


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Probe:
    return Probe(build_probe(tmp_path_factory.mktemp("guard-probe")))


def _length(length: int) -> int:
    """Stored lengths are u16; the probe carries exactly that."""
    return length & 0xFFFF


@NATIVE
@given(stored=stored_guards(), ctx=contexts)
def test_native_evaluation_matches_simulator(
    native: NativeGuard, stored: tuple[bytes, int], ctx: GuardContext
) -> None:
    code, length = stored
    assert native.evaluate(code, length, ctx) == code_of(sim.evaluate(code, length, ctx))


@NATIVE
@given(stored=stored_guards(), caller=keys, owner=keys)
def test_native_validation_admission_window_match_simulator(
    native: NativeGuard, stored: tuple[bytes, int], caller: Pubkey, owner: Pubkey
) -> None:
    code, length = stored
    assert native.validate(code, length) == code_of(sim.validate(code, length))
    assert native.admits(code, length, caller, owner) == sim.admits(code, length, caller, owner)
    assert native.rate_window_seconds(code, length) == sim.rate_window_seconds(code, length)


@IN_SVM
@given(stored=stored_guards(), ctx=contexts)
def test_sbf_build_matches_simulator(
    probe: Probe, stored: tuple[bytes, int], ctx: GuardContext
) -> None:
    code, length = stored[0], _length(stored[1])
    expected_eval = code_of(sim.evaluate(code, length, ctx))
    assert probe.run(MODE_EVALUATE, code, length, ctx).result == expected_eval
    assert probe.run(MODE_VALIDATE, code, length, ctx).result == code_of(sim.validate(code, length))
    admitted = sim.admits(code, length, ctx.caller, ctx.owner)
    assert probe.run(MODE_ADMITS, code, length, ctx).result == int(admitted)
    window = sim.rate_window_seconds(code, length)
    assert probe.run(MODE_RATE_WINDOW, code, length, ctx).result == window


def test_fuzzer_reaches_every_outcome(native: NativeGuard) -> None:
    """The strategies are not degenerate: over a fixed sample, guards hold, are rejected and
    are malformed, each many times (a fuzzer that only ever rejects tests one path)."""
    seen: Counter[int] = Counter()

    def record(case: tuple[tuple[bytes, int], GuardContext]) -> bool:
        (code, length), ctx = case
        seen[native.evaluate(code, length, ctx)] += 1
        return False

    with pytest.raises(NoSuchExample):
        find(
            st.tuples(stored_guards(), contexts),
            record,
            settings=settings(max_examples=400, database=None, derandomize=True),
        )
    outcomes = {0, int(ErrorCode.GUARD_REJECTED), int(ErrorCode.GUARD_MALFORMED)}
    assert set(seen) == outcomes
    assert min(seen.values()) >= 40, seen
