"""explain_guard_rejection: the context the client builds from the session it read, the inner
instructions and the cluster time, and what it marks unknown (no network: pure)."""

from __future__ import annotations

from dataclasses import replace

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from sessions_client.guards import (
    Truth,
    account_is,
    calls_per,
    compile_guard,
    lamports_at_most,
    not_after,
    program_is,
    usage_at_most,
)
from sessions_client.refusals import ClusterTime, explain_guard_rejection, window_count_after
from sessions_client.types import Guard, Session, UsageStats
from sessions_tools.bench.cache_bench import sample_session

OWNER, PROGRAM, OTHER = (Pubkey.from_bytes(bytes([n]) * 32) for n in range(1, 4))
AT = ClusterTime(1_000, "a test clock")
NO_TIME = ClusterTime(None, "unknown: a test endpoint without block times")


def _session(guard: Guard, *, start: int = 0, count: int = 0, usage: int = 0) -> Session:
    stats = UsageStats(rate_window_start=start, rate_window_count=count)
    return replace(sample_session(OWNER, 7), guard=guard, usage=stats, usage_count=usage)


def _ix(program: Pubkey, *accounts: Pubkey) -> Instruction:
    return Instruction(program, b"", [AccountMeta(k, False, False) for k in accounts])


def test_the_window_restarts_or_counts_as_the_program_does() -> None:
    session = _session(Guard(), start=990, count=4)
    assert window_count_after(session, 60, 1_000) == 5  # same window
    assert window_count_after(session, 10, 1_000) == 1  # ran out: restarts at now
    assert window_count_after(session, 60, 980) == 1  # now before the start: restarts
    assert window_count_after(session, 60, None) is None  # depends on an unknown time
    assert window_count_after(session, 0, None) == 4  # no rate limit: left as stored
    assert window_count_after(_session(Guard(), start=0, count=0), 60, 5) == 1


def test_names_the_rate_limit_with_the_session_counters() -> None:
    session = _session(compile_guard(calls_per(60, 3)), start=990, count=3)
    error = explain_guard_rejection(session, OWNER, [_ix(PROGRAM)], AT, ("log",))
    assert error.explanation is not None
    assert error.explanation.reasons == ("calls_per(60, 3): this would be call 4 in the window",)
    assert error.instruction_index == 0
    assert error.logs == ("log",)
    assert "now: a test clock" in error.explanation.notes
    assert str(error).startswith("GuardRejected: inner instruction 0: guard is false: calls_per")


def test_picks_the_inner_instruction_the_guard_refuses() -> None:
    session = _session(compile_guard(program_is(PROGRAM) & usage_at_most(5)), usage=2)
    error = explain_guard_rejection(session, OWNER, [_ix(PROGRAM), _ix(OTHER)], AT)
    assert error.instruction_index == 1
    assert error.explanation is not None
    assert error.explanation.reasons == (f'program_is("{PROGRAM}"): the program is "{OTHER}"',)


def test_a_known_refusal_is_preferred_to_an_unknown_spend() -> None:
    guard = compile_guard(lamports_at_most(10) & account_is(0, PROGRAM))
    error = explain_guard_rejection(
        _session(guard), OWNER, [_ix(PROGRAM, PROGRAM), _ix(PROGRAM, OTHER)], AT
    )
    assert error.instruction_index == 1
    assert error.explanation is not None
    assert error.explanation.truth is Truth.FALSE
    alone = explain_guard_rejection(
        _session(compile_guard(lamports_at_most(10))), OWNER, [_ix(PROGRAM)], AT
    )
    assert alone.explanation is not None
    assert alone.explanation.truth is Truth.UNKNOWN
    assert alone.explanation.reasons == (
        "lamports_at_most(10): the signer's lamport outflow (measured on-chain) is not known "
        "(unknown)",
    )


def test_an_unknown_time_is_said_not_guessed() -> None:
    session = _session(compile_guard(not_after(5) & calls_per(60, 3)), start=990, count=1)
    error = explain_guard_rejection(session, OWNER, [_ix(PROGRAM)], NO_TIME)
    assert error.explanation is not None
    assert error.explanation.truth is Truth.UNKNOWN
    assert len(error.explanation.reasons) == 2
    assert "now: unknown: a test endpoint without block times" in error.explanation.notes


def test_an_undecodable_guard_has_no_explanation() -> None:
    broken = Guard(1, bytes([0xFF]) + bytes(253))
    error = explain_guard_rejection(_session(broken), OWNER, [_ix(PROGRAM)], AT)
    assert error.explanation is None
    assert str(error) == "GuardRejected: the stored guard could not be explained"
