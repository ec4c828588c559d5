"""approve, activate, pause, resume, expire and close, check for check in the order of
lifecycle.c: each handler validates every account and the state before it writes, and
returns the events it emitted or the error the program returns.

The four owner-signed handlers open with the program's ``load_for_owner`` (load the
session, the owner signs, the owner is the session's), written out in each: it is the
hot path of the simulator and a shared call would cost a fifth of an instruction. Close
and expire write out ``load_session``'s success the same way (a dict lookup and a
writable test); every refusal is still ``load_session``'s own answer (``_load_error``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import MAX_SESSION_DURATION, Setting
from sessions_client.errors import ErrorCode
from sessions_client.events import Event, SessionClosed
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.types import CloseReason, SessionStatus
from simulator.checks import (
    clock_account_fault,
    load_session,
    require_rent_receiver,
    stored_status_valid,
)
from simulator.clock import I64_MAX
from simulator.emit import (
    session_activated,
    session_closed,
    session_created,
    session_expired,
    session_paused,
    session_resumed,
)
from simulator.env import Env
from simulator.handler import Handlers
from simulator.record import SessionRecord, with_lifecycle
from simulator.sweep import load_sweep, sweep_accounts_at, sweep_signer

_REQUESTED: Final = SessionStatus.REQUESTED
_CREATED: Final = SessionStatus.CREATED
_ACTIVE: Final = SessionStatus.ACTIVE
_PAUSED: Final = SessionStatus.PAUSED
_EXPIRED: Final = SessionStatus.EXPIRED
_AUTO_EXPIRE: Final = int(Setting.AUTO_EXPIRE)
# the close reasons, read once (an Enum member read from its class costs a lookup)
_TIMED_OUT: Final = CloseReason.TIMED_OUT
_CANCELLED: Final = CloseReason.CANCELLED
_EXPIRED_REASON: Final = CloseReason.EXPIRED
_CLOSED: Final = CloseReason.CLOSED

#: The events of a successful instruction, or why it failed.
Result = tuple[Event, ...] | ErrorCode
#: The signature of every handler here (``InstructionHandler`` without runtime faults).
LifecycleHandler = Callable[
    [Env, Sequence[Pubkey], bytes, Collection[Pubkey], Collection[Pubkey]], Result
]


def _load_error(env: Env, address: Pubkey, writable: Collection[Pubkey]) -> ErrorCode:
    """Why ``load_session`` refuses ``address`` (called only when it does)."""
    refused = load_session(env.ledger, env.program_id, address, writable)
    assert isinstance(refused, ErrorCode)
    return refused


def approve_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> Result:
    """``process_approve_session``: Requested -> Created; the lifetime starts at approval."""
    address, owner = keys[1], keys[0]
    record = env.ledger.sessions.get(address)
    if record is None or address not in writable:
        return _load_error(env, address, writable)
    if owner not in signers:
        return ErrorCode.MISSING_SIGNER
    o = record.origin
    if owner != o.owner:
        return ErrorCode.UNAUTHORIZED
    now = env.clock.now()
    if record.status is not _REQUESTED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    if now >= o.request_deadline:
        return ErrorCode.REQUEST_TIMED_OUT
    if not 1 <= o.max_duration <= MAX_SESSION_DURATION:
        return ErrorCode.INVALID_STORED_STATE
    if now > I64_MAX - o.max_duration:
        return ErrorCode.ARITHMETIC_OVERFLOW
    expires_at = now + o.max_duration
    env.ledger.put_session(
        address, with_lifecycle(record, _CREATED, now, record.activated_at, expires_at)
    )
    return (
        session_created(
            address,
            o.owner,
            o.creator,
            o.session_id,
            o.permissions,
            o.settings,
            o.created_at,
            expires_at,
        ),
    )


def activate_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> Result:
    """``process_activate_session``: Created -> Active, unless expired."""
    address, owner = keys[1], keys[0]
    record = env.ledger.sessions.get(address)
    if record is None or address not in writable:
        return _load_error(env, address, writable)
    if owner not in signers:
        return ErrorCode.MISSING_SIGNER
    if owner != record.origin.owner:
        return ErrorCode.UNAUTHORIZED
    now = env.clock.now()
    if record.status is not _CREATED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    expires_at = record.expires_at
    if now >= expires_at:
        return ErrorCode.SESSION_EXPIRED
    env.ledger.put_session(address, with_lifecycle(record, _ACTIVE, now, now, expires_at))
    return (session_activated(address, owner, now, expires_at),)


def _pause_or_resume(
    from_status: SessionStatus,
    to_status: SessionStatus,
    wrong_status: ErrorCode,
    event: Callable[[Pubkey, Pubkey, int], Event],
    mirrors: str,
) -> LifecycleHandler:
    """Build the pause or resume handler: the same checks, differing only in the statuses,
    the wrong-status error and the event. A closure rather than a shared helper call, so
    the hot path gains no extra call."""

    def handler(
        env: Env,
        keys: Sequence[Pubkey],
        data: bytes,
        signers: Collection[Pubkey],
        writable: Collection[Pubkey],
    ) -> Result:
        address, owner = keys[1], keys[0]
        record = env.ledger.sessions.get(address)
        if record is None or address not in writable:
            return _load_error(env, address, writable)
        if owner not in signers:
            return ErrorCode.MISSING_SIGNER
        if owner != record.origin.owner:
            return ErrorCode.UNAUTHORIZED
        now = env.clock.now()
        if record.status is not from_status:
            return wrong_status
        expires_at = record.expires_at
        if now >= expires_at:
            return ErrorCode.SESSION_EXPIRED
        env.ledger.put_session(
            address, with_lifecycle(record, to_status, now, record.activated_at, expires_at)
        )
        return (event(address, owner, now),)

    handler.__doc__ = f"``{mirrors}``: {from_status.name} -> {to_status.name}, unless expired."
    return handler


#: Active -> Paused, unless expired.
pause_session: Final = _pause_or_resume(
    _ACTIVE, _PAUSED, ErrorCode.SESSION_NOT_ACTIVE, session_paused, "process_pause_session"
)
#: Paused -> Active, unless expired.
resume_session: Final = _pause_or_resume(
    _PAUSED,
    _ACTIVE,
    ErrorCode.INVALID_STATUS_TRANSITION,
    session_resumed,
    "process_resume_session",
)


_EXPIRE_SWEEP_AT: Final = sweep_accounts_at("expire_session")
_CLOSE_SWEEP_AT: Final = sweep_accounts_at("close_session")
_EXPIRE: Final = INSTRUCTIONS_BY_NAME["expire_session"]
_EXPIRE_SESSION, _EXPIRE_CREATOR, _EXPIRE_CLOCK = (
    _EXPIRE.account_index(name) for name in ("session", "creator", "clock")
)
_CLOSE: Final = INSTRUCTIONS_BY_NAME["close_session"]
_CLOSE_AUTHORITY, _CLOSE_SESSION, _CLOSE_CREATOR, _CLOSE_CLOCK = (
    _CLOSE.account_index(name) for name in ("authority", "session", "creator", "clock")
)


def _close(
    env: Env, record: SessionRecord, receiver: Pubkey, swept: int, *, now: int, reason: CloseReason
) -> SessionClosed:
    """``close_with_event`` + ``close_account`` after the sweep: all lamports to the
    receiver, account gone. A sweep re-reads the record: it credited the session's own
    account when the session is its own owner."""
    o = record.origin
    ledger = env.ledger
    if swept:
        record = ledger.sessions[o.address]
    ledger.remove_session(o.address)
    ledger.set_lamports(receiver, ledger.balance(receiver) + record.lamports)
    return session_closed(o.address, o.owner, receiver, record.lamports, swept, now, reason)


def expire_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> Result:
    """``process_expire_session``: permissionless; a timed-out request closes; an expired
    session becomes Expired, or closes with AUTO_EXPIRE. Closing sweeps the signer's SOL
    to the owner; a plain expiry sweeps nothing, but its accounts are checked all the same."""
    address, receiver = keys[_EXPIRE_SESSION], keys[_EXPIRE_CREATOR]
    record = env.ledger.sessions.get(address)  # load_session's success, written out
    if record is None or address not in writable:
        return _load_error(env, address, writable)
    err = require_rent_receiver(receiver, record, writable) or clock_account_fault(
        keys[_EXPIRE_CLOCK]
    )
    if err is not None:
        return err
    now = env.clock.now()
    o = record.origin
    status, expires_at = record.status, record.expires_at
    if not stored_status_valid(status):
        return ErrorCode.INVALID_STORED_STATE
    if status is _EXPIRED:
        return ErrorCode.INVALID_STATUS_TRANSITION
    timed_out = status is _REQUESTED
    deadline = o.request_deadline if timed_out else expires_at
    if now < deadline:
        return ErrorCode.SESSION_NOT_EXPIRED
    sweep = load_sweep(env, record, keys, data, writable, at=_EXPIRE_SWEEP_AT)
    if isinstance(sweep, ErrorCode):
        return sweep
    if not timed_out and not o.settings & _AUTO_EXPIRE:
        env.ledger.put_session(
            o.address, with_lifecycle(record, _EXPIRED, now, record.activated_at, expires_at)
        )
        return (session_expired(o.address, o.owner, deadline, now, status),)
    swept = sweep_signer(env, record, sweep, receiver)
    if isinstance(swept, ErrorCode):
        return swept
    expired = session_expired(o.address, o.owner, deadline, now, status)
    reason = _TIMED_OUT if timed_out else _EXPIRED_REASON
    return (expired, _close(env, record, receiver, swept, now=now, reason=reason))


def close_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> Result:
    """``process_close_session``: the owner closes any session; the creator a Requested or
    Expired one. The signer's SOL goes to the owner, the rent to the creator."""
    authority, address = keys[_CLOSE_AUTHORITY], keys[_CLOSE_SESSION]
    receiver = keys[_CLOSE_CREATOR]
    record = env.ledger.sessions.get(address)  # load_session's success, written out
    if record is None or address not in writable:
        return _load_error(env, address, writable)
    err = require_rent_receiver(receiver, record, writable)
    if err is not None:
        return err
    if authority not in signers:
        return ErrorCode.MISSING_SIGNER
    o = record.origin
    status, expires_at = record.status, record.expires_at
    if not stored_status_valid(status):
        return ErrorCode.INVALID_STORED_STATE
    if authority != o.owner and not (
        (status is _REQUESTED or status is _EXPIRED) and authority == o.creator
    ):
        return ErrorCode.UNAUTHORIZED  # neither the owner nor a creator who may
    sweep = load_sweep(env, record, keys, data, writable, at=_CLOSE_SWEEP_AT)
    if isinstance(sweep, ErrorCode):
        return sweep
    fault = clock_account_fault(keys[_CLOSE_CLOCK])
    if fault is not None:
        return fault
    now = env.clock.now()
    if status is _REQUESTED:
        reason = _TIMED_OUT if now >= o.request_deadline else _CANCELLED
    elif status is _EXPIRED or now >= expires_at:
        reason = _EXPIRED_REASON
    else:
        reason = _CLOSED
    swept = sweep_signer(env, record, sweep, receiver)
    if isinstance(swept, ErrorCode):
        return swept
    return (_close(env, record, receiver, swept, now=now, reason=reason),)


#: This module's instructions, by spec name.
HANDLERS: Final[Handlers] = {
    "approve_session": approve_session,
    "activate_session": activate_session,
    "pause_session": pause_session,
    "resume_session": resume_session,
    "expire_session": expire_session,
    "close_session": close_session,
}
