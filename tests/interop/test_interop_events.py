"""anchorpy's EventParser reads the events in real program logs (fixtures from the main env)."""

from __future__ import annotations

from typing import Any

import interop_support as s
import pytest

STEPS = s.fixture_steps()


def test_fixtures_cover_every_event() -> None:
    names = {n for st in STEPS for n in st["expect_events"]}
    assert names == {e.name for e in s.idl().events or []}


@pytest.mark.parametrize("step", STEPS, ids=[st["name"] for st in STEPS])
def test_events_match_ours_and_the_scenario(step: dict[str, Any]) -> None:
    events = s.parse_events(step["logs"])
    assert [e.name for e in events] == step["expect_events"]
    assert [{"name": e.name, "data": s.plain(e.data)} for e in events] == step["events"]


@pytest.mark.parametrize("step", STEPS, ids=[st["name"] for st in STEPS])
def test_event_payloads_reencode_exactly(step: dict[str, Any]) -> None:
    """Each payload is the discriminator plus exactly the IDL's layout of its fields."""
    events = s.parse_events(step["logs"])
    payloads = s.data_payloads(step["logs"])
    assert len(payloads) == len(events)
    coder = s.program().coder.events
    for event, payload in zip(events, payloads, strict=True):
        assert coder.discriminators[payload[:8]] == event.name
        assert s.reencode_event(event) == payload[8:], event.name


@pytest.mark.parametrize("step", STEPS, ids=[st["name"] for st in STEPS])
def test_event_fields_match_the_scenario(step: dict[str, Any]) -> None:
    actors = s.fixtures()["actors"]
    for event in s.parse_events(step["logs"]):
        data = event.data
        assert str(data.session) == step["session"]
        assert str(data.owner) == actors["owner"]
        if event.name in ("SessionCreated", "SessionRequested"):
            assert str(data.creator) in actors.values()
        if event.name == "SessionActivated":
            assert data.activated_at == step["time"]
        if event.name == "SessionPaused":
            assert data.paused_at == step["time"]
        if event.name == "SessionResumed":
            assert data.resumed_at == step["time"]
        if event.name == "SessionExpired":
            assert data.expired_at == step["time"]
            assert data.expires_at <= step["time"]
        if event.name == "SessionClosed":
            assert data.closed_at == step["time"]
            assert data.lamports_returned > 0
            reason = {
                "a_close": "Closed",
                "b_close_by_creator": "Expired",  # closing an expired session
                "c_auto_expire": "Expired",
                "d_timeout": "TimedOut",
            }[step["name"]]
            assert s.variant_name(data.reason) == reason


def test_expired_event_carries_the_previous_status() -> None:
    steps = {st["name"]: st for st in STEPS}
    previous = {
        name: s.variant_name(s.parse_events(steps[name]["logs"])[0].data.previous_status)
        for name in ("b_expire", "c_auto_expire", "d_timeout")
    }
    assert previous == {"b_expire": "Created", "c_auto_expire": "Created", "d_timeout": "Requested"}


def test_failed_transaction_logs_have_no_events_and_name_the_idl_error() -> None:
    failed = next(st for st in STEPS if not st["ok"])
    assert s.parse_events(failed["logs"]) == []
    code = failed["error_code"]
    name = s.idl_error_by_code()[code]
    assert name == failed["expect_error"]
    msg = next(e.msg for e in s.idl().errors or [] if e.code == code)
    assert s.anchor_errors_in_logs(failed["logs"]) == [(name, code, msg)]
