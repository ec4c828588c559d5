"""The demo's execute steps: one allowed, one its guard refuses; closing empties the signer."""

from __future__ import annotations

from sessions_client.errors import ErrorCode
from sessions_client.events import SessionClosed, SessionExecuted, SessionGuardUpdated
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
    closing = steps["owner closes it; rent returns to the dapp, the signer's SOL to the owner"]
    assert closing.outcome.ok
    (closed,) = closing.outcome.events
    assert isinstance(closed, SessionClosed)
    # 0.05 SOL funded, 0.005 SOL paid: 0.045 SOL back to the owner, the signer emptied
    assert closed.swept_to_owner == 45_000_000
    assert closing.signer_lamports == 0
    assert steps["the session pays 0.005 SOL (allowed)"].signer_lamports == 45_000_000
