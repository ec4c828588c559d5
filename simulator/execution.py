"""Eval integration: may this session execute now?

:func:`validate_session_for_execution` is the gate an evaluator calls before running
anything under a session. It loads the state (from a SessionState, a Session value or raw
account data), then checks, in this order, that the session is Active, that it holds the
EXECUTE permission, and that it has not expired; it returns the session id, its
permissions and the seconds left, or the error code the program uses for that failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sessions_client.accounts import (
    SESSION_ACCOUNT_SIZE,
    SESSION_DISCRIMINATOR,
    decode_session_layout,
)
from sessions_client.constants import SESSION_VERSION, Permission
from sessions_client.errors import ErrorCode
from sessions_client.exceptions import DecodeError
from sessions_client.types import Session, SessionStatus
from simulator.state import SessionState

_EXECUTE: Final = int(Permission.EXECUTE)
_VERSION_OFFSET: Final = 8


@dataclass(frozen=True, slots=True)
class ExecutionGrant:
    """The session may execute: which one, with which permissions, for how long."""

    session_id: int
    permissions: int
    remaining: int


SessionSource = SessionState | Session | bytes | bytearray | memoryview | None


def load_session_state(source: SessionSource) -> Session | ErrorCode:
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
    if len(data) != SESSION_ACCOUNT_SIZE:
        return ErrorCode.INVALID_ACCOUNT_SIZE
    if data[:8] != SESSION_DISCRIMINATOR:
        return ErrorCode.INVALID_DISCRIMINATOR
    if data[_VERSION_OFFSET] != SESSION_VERSION:
        return ErrorCode.UNSUPPORTED_VERSION
    try:
        return decode_session_layout(data)
    except DecodeError:
        return ErrorCode.INVALID_STORED_STATE


def validate_session_for_execution(source: SessionSource, now: int) -> ExecutionGrant | ErrorCode:
    """Active, then EXECUTE permission, then not expired (``now >= expires_at`` is expired)."""
    session = load_session_state(source)
    if isinstance(session, ErrorCode):
        return session
    if session.status is not SessionStatus.ACTIVE:
        return ErrorCode.SESSION_NOT_ACTIVE
    if not session.effective_permissions & _EXECUTE:
        return ErrorCode.PERMISSION_DENIED
    if now >= session.expires_at:
        return ErrorCode.SESSION_EXPIRED
    return ExecutionGrant(
        session.session_id, session.effective_permissions, session.expires_at - now
    )
