"""approve, activate, pause, resume, expire and close, check for check in the order of
lifecycle.c: each handler validates every account and the state before it writes."""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import Setting
from sessions_client.errors import ErrorCode
from sessions_client.events import (
    Event,
    SessionActivated,
    SessionClosed,
    SessionCreated,
    SessionExpired,
    SessionPaused,
    SessionResumed,
)
from sessions_client.types import CloseReason, SessionStatus
from simulator.checks import load_session, require_rent_receiver, stored_status_valid
from simulator.clock import I64_MAX
from simulator.env import Env
from simulator.invocation import Invocation
from simulator.outcome import RuntimeFailure
from simulator.record import SessionRecord

_REQUESTED: Final = SessionStatus.REQUESTED
_CREATED: Final = SessionStatus.CREATED
_ACTIVE: Final = SessionStatus.ACTIVE
_PAUSED: Final = SessionStatus.PAUSED
_EXPIRED: Final = SessionStatus.EXPIRED
_AUTO_EXPIRE: Final = int(Setting.AUTO_EXPIRE)

Result = ErrorCode | RuntimeFailure | None


def _load_for_owner(env: Env, inv: Invocation) -> SessionRecord | ErrorCode:
    """``load_for_owner``: load the session, then the owner must sign and be its owner."""
    record = load_session(env.ledger, env.program_id, inv.keys[1], inv.writable)
    if isinstance(record, ErrorCode):
        return record
    owner = inv.keys[0]
    if owner not in inv.signers:
        return ErrorCode.MISSING_SIGNER
    if owner != record.origin.owner:
        return ErrorCode.UNAUTHORIZED
    return record


def approve_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    record = _load_for_owner(env, inv)
    if isinstance(record, ErrorCode):
        return record
    now = env.clock.now()
    if record.status is not _REQUESTED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    o = record.origin
    if now >= o.request_deadline:
        return ErrorCode.REQUEST_TIMED_OUT
    if now > I64_MAX - o.max_duration:
        return ErrorCode.ARITHMETIC_OVERFLOW
    expires_at = now + o.max_duration
    env.ledger.put_session(
        o.address,
        SessionRecord(o, _CREATED, now, record.activated_at, expires_at, record.lamports),
    )
    events.append(
        SessionCreated(
            o.address,
            o.owner,
            o.creator,
            o.session_id,
            o.permissions,
            o.settings,
            o.created_at,
            expires_at,
        )
    )
    return None


def activate_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    record = _load_for_owner(env, inv)
    if isinstance(record, ErrorCode):
        return record
    now = env.clock.now()
    if record.status is not _CREATED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    if now >= record.expires_at:
        return ErrorCode.SESSION_EXPIRED
    o = record.origin
    env.ledger.put_session(
        o.address, SessionRecord(o, _ACTIVE, now, now, record.expires_at, record.lamports)
    )
    events.append(SessionActivated(o.address, o.owner, now, record.expires_at))
    return None


def pause_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    record = _load_for_owner(env, inv)
    if isinstance(record, ErrorCode):
        return record
    now = env.clock.now()
    if record.status is not _ACTIVE:
        return ErrorCode.SESSION_NOT_ACTIVE
    if now >= record.expires_at:
        return ErrorCode.SESSION_EXPIRED
    o = record.origin
    env.ledger.put_session(
        o.address,
        SessionRecord(o, _PAUSED, now, record.activated_at, record.expires_at, record.lamports),
    )
    events.append(SessionPaused(o.address, o.owner, now))
    return None


def resume_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    record = _load_for_owner(env, inv)
    if isinstance(record, ErrorCode):
        return record
    now = env.clock.now()
    if record.status is not _PAUSED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    if now >= record.expires_at:
        return ErrorCode.SESSION_EXPIRED
    o = record.origin
    env.ledger.put_session(
        o.address,
        SessionRecord(o, _ACTIVE, now, record.activated_at, record.expires_at, record.lamports),
    )
    events.append(SessionResumed(o.address, o.owner, now))
    return None


def _close(
    env: Env, record: SessionRecord, receiver: Pubkey, now: int, reason: CloseReason
) -> SessionClosed:
    """``close_with_event`` + ``close_account``: all lamports to the receiver, account gone."""
    o = record.origin
    ledger = env.ledger
    ledger.remove_session(o.address)
    ledger.set_lamports(receiver, ledger.balance(receiver) + record.lamports)
    return SessionClosed(o.address, o.owner, receiver, record.lamports, now, reason)


def expire_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    record = load_session(env.ledger, env.program_id, inv.keys[0], inv.writable)
    if isinstance(record, ErrorCode):
        return record
    receiver = inv.keys[1]
    err = require_rent_receiver(receiver, record, inv.writable)
    if err is not None:
        return err
    now = env.clock.now()
    status = record.status
    if not stored_status_valid(status):
        return ErrorCode.INVALID_STORED_STATE
    if status is _EXPIRED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    o = record.origin
    if status is _REQUESTED:
        if now < o.request_deadline:
            return ErrorCode.SESSION_NOT_EXPIRED
        events.append(SessionExpired(o.address, o.owner, o.request_deadline, now, status))
        events.append(_close(env, record, receiver, now, CloseReason.TIMED_OUT))
        return None
    if now < record.expires_at:
        return ErrorCode.SESSION_NOT_EXPIRED
    events.append(SessionExpired(o.address, o.owner, record.expires_at, now, status))
    if o.settings & _AUTO_EXPIRE:
        events.append(_close(env, record, receiver, now, CloseReason.EXPIRED))
    else:
        env.ledger.put_session(
            o.address,
            SessionRecord(
                o, _EXPIRED, now, record.activated_at, record.expires_at, record.lamports
            ),
        )
    return None


def close_session(env: Env, inv: Invocation, events: list[Event]) -> Result:
    authority, receiver = inv.keys[0], inv.keys[2]
    record = load_session(env.ledger, env.program_id, inv.keys[1], inv.writable)
    if isinstance(record, ErrorCode):
        return record
    err = require_rent_receiver(receiver, record, inv.writable)
    if err is not None:
        return err
    if authority not in inv.signers:
        return ErrorCode.MISSING_SIGNER
    status = record.status
    if not stored_status_valid(status):
        return ErrorCode.INVALID_STORED_STATE
    o = record.origin
    by_owner = authority == o.owner
    by_creator = authority == o.creator and (status is _REQUESTED or status is _EXPIRED)
    if not by_owner and not by_creator:
        return ErrorCode.UNAUTHORIZED
    now = env.clock.now()
    if status is _REQUESTED:
        reason = CloseReason.TIMED_OUT if now >= o.request_deadline else CloseReason.CANCELLED
    elif status is _EXPIRED or now >= record.expires_at:
        reason = CloseReason.EXPIRED
    else:
        reason = CloseReason.CLOSED
    events.append(_close(env, record, receiver, now, reason))
    return None
