"""Eval integration: may this session execute now?

:func:`validate_session_for_execution` is the gate an evaluator calls before running
anything under a session. It loads the state (from a SessionState, a Session value or raw
account data), then checks, in the program's order (execute's and validate_session's
``check_executable``), that the session is Active, that it has not expired, and that it
holds the EXECUTE permission; it returns the session id, its
permissions and the seconds left, or the error code the program uses for that failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions_client.accounts import decode_session_layout, session_header_fault
from sessions_client.errors import ErrorCode
from sessions_client.exceptions import DecodeError
from sessions_client.types import Session
from simulator.checks import HEADER_ERRORS
from simulator.execute_policy import check_execution_gate
from simulator.state import SessionState


@dataclass(frozen=True, slots=True)
class ExecutionGrant:
    """The session may execute: which one, with which permissions, for how long."""

    session_id: int
    permissions: int
    remaining: int


#: What the gate reads a session from: a factory state, a Session value, raw account data.
ExecutionSource = SessionState | Session | bytes | bytearray | memoryview | None


def load_session_state(source: ExecutionSource) -> Session | ErrorCode:
    """The Session a source holds, or the program's error for an account it would refuse.

    None or empty data is a missing account; raw data goes through the program's header
    checks (size, discriminator, version) and must hold a valid status byte.
    """
    if source is None:
        return ErrorCode.SESSION_NOT_FOUND
    if isinstance(source, SessionState):
        return source.account if source.on_chain else ErrorCode.SESSION_NOT_FOUND
    if isinstance(source, Session):
        return source
    data = bytes(source)
    if not data:
        return ErrorCode.SESSION_NOT_FOUND
    fault = session_header_fault(data)
    if fault is not None:
        return HEADER_ERRORS[fault]
    try:
        return decode_session_layout(data)
    except DecodeError:
        return ErrorCode.INVALID_STORED_STATE


def validate_session_for_execution(source: ExecutionSource, now: int) -> ExecutionGrant | ErrorCode:
    """Active, then not expired (``now >= expires_at`` is expired), then EXECUTE."""
    session = load_session_state(source)
    if isinstance(session, ErrorCode):
        return session
    refused = check_execution_gate(
        session.status, session.effective_permissions, session.expires_at, now
    )
    if refused is not None:
        return refused
    return ExecutionGrant(
        session.session_id, session.effective_permissions, session.expires_at - now
    )
