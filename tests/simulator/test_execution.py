"""validate_session_for_execution: Active, then expiry, then EXECUTE; the program's codes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import Parties

from sessions_client.accounts import encode_session
from sessions_client.errors import ErrorCode
from sessions_client.types import SessionStatus
from simulator.execution import ExecutionGrant, validate_session_for_execution
from simulator.factory import SessionFactory
from simulator.state import SessionState
from simulator.templates import Overrides


@pytest.fixture
def active(factory: SessionFactory, parties: Parties) -> SessionState:
    state = factory.confirm(factory.create(parties.owner, overrides=Overrides(max_duration=100)))
    return factory.confirm(factory.activate(state.address))


def test_an_active_session_may_execute(active: SessionState, factory: SessionFactory) -> None:
    now = factory.program.clock.now()
    grant = validate_session_for_execution(active, now + 40)
    assert grant == ExecutionGrant(active.session_id, active.permissions, 60)
    raw = factory.program.account_data(active.address)
    assert validate_session_for_execution(raw, now + 40) == grant
    assert validate_session_for_execution(active.account, now + 40) == grant


def test_expiry_is_inclusive(active: SessionState) -> None:
    last = validate_session_for_execution(active, active.expires_at - 1)
    assert isinstance(last, ExecutionGrant)
    assert last.remaining == 1
    assert validate_session_for_execution(active, active.expires_at) is ErrorCode.SESSION_EXPIRED


@pytest.mark.parametrize(
    "status",
    [s for s in SessionStatus if s is not SessionStatus.ACTIVE],
    ids=lambda s: s.name,
)
def test_only_active_sessions(active: SessionState, status: SessionStatus) -> None:
    other = replace(active.account, status=status)
    assert validate_session_for_execution(other, active.created_at) is ErrorCode.SESSION_NOT_ACTIVE


def test_the_order_status_expiry_permission(active: SessionState) -> None:
    """The program's order (execute and validate_session: check_executable)."""
    late = active.expires_at + 5
    no_execute = replace(active.account, effective_permissions=0)
    assert validate_session_for_execution(no_execute, late) is ErrorCode.SESSION_EXPIRED
    assert (
        validate_session_for_execution(no_execute, active.created_at) is ErrorCode.PERMISSION_DENIED
    )
    paused = replace(no_execute, status=SessionStatus.PAUSED)
    assert validate_session_for_execution(paused, late) is ErrorCode.SESSION_NOT_ACTIVE
    assert validate_session_for_execution(active, late) is ErrorCode.SESSION_EXPIRED


def test_effective_permissions_decide(active: SessionState) -> None:
    narrowed = replace(active.account, effective_permissions=0b100)
    refused = validate_session_for_execution(narrowed, active.created_at)
    assert refused is ErrorCode.PERMISSION_DENIED


def test_loading_refuses_what_the_program_refuses(active: SessionState) -> None:
    good = encode_session(active.account)
    now = active.created_at
    assert validate_session_for_execution(None, now) is ErrorCode.SESSION_NOT_FOUND
    assert validate_session_for_execution(b"", now) is ErrorCode.SESSION_NOT_FOUND
    assert validate_session_for_execution(good[:-1], now) is ErrorCode.INVALID_ACCOUNT_SIZE
    wrong_disc = bytes(8) + good[8:]
    assert validate_session_for_execution(wrong_disc, now) is ErrorCode.INVALID_DISCRIMINATOR
    wrong_version = good[:8] + b"\x02" + good[9:]
    assert validate_session_for_execution(wrong_version, now) is ErrorCode.UNSUPPORTED_VERSION
    status_at = 10  # discriminator, version, bump
    bad_status = good[:status_at] + b"\xff" + good[status_at + 1 :]
    assert validate_session_for_execution(bad_status, now) is ErrorCode.INVALID_STORED_STATE


def test_a_closed_state_is_not_found(active: SessionState, factory: SessionFactory) -> None:
    closed = factory.confirm(factory.close(active.address))
    assert validate_session_for_execution(closed, active.created_at) is (
        ErrorCode.SESSION_NOT_FOUND
    )
