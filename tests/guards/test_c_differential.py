"""Differential fuzzing of program/src/guard.c against simulator/guard_eval.py.

The same random guards (valid programs, their mutations, raw bytes) and random execution
contexts go through three evaluators: guard.c built for the host (ctypes), guard.c built
for SBF inside a probe program run in LiteSVM (the build the program ships: unaligned word
loads, the bit stack), and the simulator's independent Python reading of the bytes. Every
function of guard.h must agree on every case, guard_execute (execute's one pass after its
CPIs: malformed, then the caller not admitted, then false, and the rate window's seconds)
included; the contexts carry the stored rate window at the RATE_LIMIT's boundaries.

``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) sets the native budget; the SVM probe runs
a fifth of it (each case is a transaction).
"""

from __future__ import annotations

import operator
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_client.errors import ErrorCode
from sessions_client.guard_codec import encode
from sessions_client.guard_nodes import Arg, RateLimit
from sessions_client.guard_schema import GuardCmp
from sessions_client.guards import decode_guard, signer_is_owner
from simulator import guard_eval as sim
from simulator.guard_eval import GuardContext

from .strategies import contexts_for, guard_cases, keys, stored_guards
from .support import (
    MODE_ADMITS,
    MODE_EVALUATE,
    MODE_EXECUTE,
    MODE_HAS_SIGNER_LEAF,
    MODE_RATE_WINDOW,
    MODE_VALIDATE,
    NativeGuard,
    Probe,
    code_of,
    padded,
)

pytestmark = pytest.mark.differential

EXAMPLES = int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500"))
NATIVE = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
#: The derandomized mutant run: three times the default budget (the mutant is one comparison
#: of one of seventeen leaf kinds; at the default budget the fuzzer meets it a few times on
#: average, and a fixed seed must not depend on luck).
SEEDED_BUDGET = 3 * 500
IN_SVM = settings(
    max_examples=max(20, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _length(length: int) -> int:
    """Stored lengths are u16; the probe carries exactly that."""
    return length & 0xFFFF


@NATIVE
@given(case=guard_cases())
def test_native_evaluation_matches_simulator(
    native: NativeGuard, case: tuple[bytes, int, GuardContext]
) -> None:
    code, length, ctx = case
    assert native.evaluate(code, length, ctx) == code_of(sim.evaluate(code, length, ctx))
    refused, seconds = sim.execute(code, length, ctx)
    assert native.execute(code, length, ctx) == (code_of(refused), seconds)


@NATIVE
@given(stored=stored_guards(), caller=keys, owner=keys)
def test_native_validation_admission_window_signers_match_simulator(
    native: NativeGuard, stored: tuple[bytes, int], caller: Pubkey, owner: Pubkey
) -> None:
    code, length = stored
    assert native.validate(code, length) == code_of(sim.validate(code, length))
    assert native.admits(code, length, caller, owner) == sim.admits(code, length, caller, owner)
    assert native.rate_window_seconds(code, length) == sim.rate_window_seconds(code, length)
    assert native.has_signer_leaf(code, length) == sim.has_signer_leaf(code, length)
    assert native.inspect(code, length, caller, owner) == sim.inspect(code, length, caller, owner)


@IN_SVM
@given(case=guard_cases())
def test_sbf_build_matches_simulator(probe: Probe, case: tuple[bytes, int, GuardContext]) -> None:
    code, length, ctx = case[0], _length(case[1]), case[2]
    expected_eval = code_of(sim.evaluate(code, length, ctx))
    assert probe.run(MODE_EVALUATE, code, length, ctx).result == expected_eval
    assert probe.run(MODE_VALIDATE, code, length, ctx).result == code_of(sim.validate(code, length))
    admitted = sim.admits(code, length, ctx.caller, ctx.owner)
    assert probe.run(MODE_ADMITS, code, length, ctx).result == int(admitted)
    window = sim.rate_window_seconds(code, length)
    assert probe.run(MODE_RATE_WINDOW, code, length, ctx).result == window
    signer_leaf = sim.has_signer_leaf(code, length)
    assert probe.run(MODE_HAS_SIGNER_LEAF, code, length, ctx).result == int(signer_leaf)
    refused, seconds = sim.execute(code, length, ctx)
    executed = probe.run(MODE_EXECUTE, code, length, ctx)
    assert (executed.result, executed.window_seconds) == (code_of(refused), seconds)


def _diverges(native: NativeGuard, case: tuple[bytes, int, GuardContext]) -> bool:
    code, length, ctx = case
    return native.evaluate(code, length, ctx) != code_of(sim.evaluate(code, length, ctx))


def test_a_seeded_divergence_is_caught(
    native: NativeGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mutant the fuzzer was first shown to catch: the simulator's ARG ``<=`` read as ``<``.

    Derandomized, the evaluation property finds it within three times the default budget and shrinks
    it to a single ``arg(.., "<=", v)`` whose read equals v (first seen as ``arg(0, 1, "<=",
    0)`` on data ``b"\\x00"``): guard.c says the guard holds, the mutant says GuardRejected."""
    monkeypatch.setitem(sim.COMPARE, GuardCmp.LE, operator.lt)
    failing: list[tuple[bytes, int, GuardContext]] = []

    @settings(
        max_examples=SEEDED_BUDGET,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=guard_cases())
    def the_evaluation_property(case: tuple[bytes, int, GuardContext]) -> None:
        if _diverges(native, case):
            failing.append(case)
            raise AssertionError("guard.c and the simulator disagree")

    with pytest.raises(AssertionError, match="disagree"):
        the_evaluation_property()
    code, length, ctx = failing[-1]  # Hypothesis replays the shrunk case last
    expr = decode_guard(code[:length])
    assert isinstance(expr, Arg)
    assert expr.cmp is GuardCmp.LE
    read = int.from_bytes(ctx.data[expr.offset : expr.offset + expr.width], "little")
    assert read == expr.value  # exactly the boundary the mutant gets wrong
    assert native.evaluate(code, length, ctx) == 0
    assert sim.evaluate(code, length, ctx) is ErrorCode.GUARD_REJECTED


def test_fuzzer_reaches_every_outcome(native: NativeGuard) -> None:
    """The strategy is not degenerate: in a derandomized run of the default budget, guards
    hold, are rejected and are malformed, each in at least a twentieth of the cases (a fuzzer
    that only ever rejects tests one path; malformed guards are about a ninth of the cases, so
    a tenth was a coin toss on the fixed seed); guard_execute also refuses callers it does not
    admit."""
    seen: Counter[int] = Counter()
    executed: Counter[int] = Counter()

    @settings(max_examples=EXAMPLES, database=None, derandomize=True, deadline=None)
    @given(case=guard_cases())
    def record(case: tuple[bytes, int, GuardContext]) -> None:
        code, length, ctx = case
        seen[native.evaluate(code, length, ctx)] += 1
        executed[native.execute(code, length, ctx)[0]] += 1

    record()
    outcomes = {0, int(ErrorCode.GUARD_REJECTED), int(ErrorCode.GUARD_MALFORMED)}
    assert set(seen) == outcomes
    assert min(seen.values()) >= sum(seen.values()) // 20, seen
    assert set(executed) == outcomes | {int(ErrorCode.CALLER_NOT_ADMITTED)}, executed


@st.composite
def _rate_cases(draw: st.DrawFn) -> tuple[bytes, int, GuardContext, RateLimit]:
    leaf = draw(st.builds(RateLimit, st.integers(1, 120), st.integers(0, 12)))
    expr = draw(st.sampled_from([leaf, leaf & signer_is_owner(), ~leaf]))
    code = encode(expr)
    return padded(code), len(code), draw(contexts_for(expr)), leaf


def test_rate_windows_meet_their_boundaries(native: NativeGuard) -> None:
    """RATE_LIMIT's own differential run (derandomized): the C and the simulator agree on
    guards around one rate limit, and the stored windows the strategy draws put the count
    after this execution one under n, at n and one over, in windows that continue and in
    windows that restart (the four ways: never started, clock behind, exactly and one past
    the window's end)."""
    offsets: Counter[int] = Counter()
    restarts: Counter[bool] = Counter()

    @settings(max_examples=200, database=None, derandomize=True, deadline=None)
    @given(case=_rate_cases())
    def record(case: tuple[bytes, int, GuardContext, RateLimit]) -> None:
        code, length, ctx, leaf = case
        assert native.evaluate(code, length, ctx) == code_of(sim.evaluate(code, length, ctx))
        refused, seconds = sim.execute(code, length, ctx)
        assert native.execute(code, length, ctx) == (code_of(refused), seconds)
        start, count = ctx.window_start, ctx.window_count
        restart = sim.window_restarts(start, ctx.now, leaf.seconds)
        restarts[restart] += 1
        if not restart:
            offsets[sim.window_count(start, count, ctx.now, leaf.seconds) - leaf.n] += 1

    record()
    assert {-1, 0, 1} <= set(offsets), offsets
    assert min(restarts[True], restarts[False]) >= 50, restarts
