"""The demo's execute steps: one allowed, one its guard refuses."""

from __future__ import annotations

from sessions_client.errors import ErrorCode
from sessions_client.events import SessionExecuted, SessionGuardUpdated
from sessions_tools.demo import run_demo_steps


def test_demo_executes_once_and_is_refused_once() -> None:
    steps = {s.title: s for s in run_demo_steps()}
    guard = steps["owner sets its guard: at most 0.01 SOL per execution"].outcome
    assert guard.ok
    assert isinstance(guard.events[0], SessionGuardUpdated)
    allowed = steps["the session pays 0.005 SOL (allowed)"].outcome
    assert allowed.ok
    (event,) = allowed.events
    assert isinstance(event, SessionExecuted)
    assert event.lamports_spent == 5_000_000
    refused = steps["the session tries to pay 0.02 SOL (its guard refuses)"].outcome
    assert not refused.ok
    assert refused.error == ErrorCode.GUARD_REJECTED
    assert steps["owner closes it; rent returns to the dapp"].outcome.ok
