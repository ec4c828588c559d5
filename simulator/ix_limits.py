"""validate_session and update_guard / update_permissions / update_quotas, check for check
in the order of validate.c, admission.c and update.c.

The owner changes anything while the session is Paused (validated like creation); otherwise
only narrowing, by the owner or any key the guard admits: permissions a subset, every quota
<=, the guard AND(old, new) with no signer leaf in the new part and the rate window kept.
validate_session's answer (SessionValidity, return data) is :func:`validity`; the handler
itself returns no events, like the program.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.codec import layout_of
from sessions_client.constants import GUARD_CAPACITY, Permission
from sessions_client.errors import ErrorCode
from sessions_client.guard_schema import GuardOp
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.types import Guard, ResourceQuotas, SessionStatus, SessionValidity, UsageStats
from simulator import guard_eval
from simulator.checks import (
    load_session,
    load_session_readonly,
    permissions_valid,
    quotas_valid,
    stored_status_valid,
)
from simulator.emit import (
    session_guard_updated,
    session_permissions_updated,
    session_quotas_updated,
)
from simulator.env import Env
from simulator.execute_policy import check_execution_gate, check_execution_quota
from simulator.handler import HandlerResult, Handlers
from simulator.record import SessionRecord, UsageFields, to_session, with_limits

_COMPOSE: Final = int(Permission.COMPOSE)
_QUOTAS: Final = layout_of(ResourceQuotas)
_PERMISSIONS_AT: Final = INSTRUCTIONS_BY_NAME["update_permissions"].arg_offsets()["permissions"]
_QUOTAS_AT: Final = INSTRUCTIONS_BY_NAME["update_quotas"].arg_offsets()["quotas"]
_GUARD_AT: Final = INSTRUCTIONS_BY_NAME["update_guard"].arg_offsets()
_GUARD_LEN_AT: Final = _GUARD_AT["guard.len"]
_GUARD_CODE_AT: Final = _GUARD_AT["guard.code"]


def _guard_of(record: SessionRecord) -> Guard:
    return record.guard.guard


def check_admitted(record: SessionRecord, caller: Pubkey) -> ErrorCode | None:
    """``check_admitted`` (validate_session's admission): the stored length in range, the
    guard well formed (one ``guard_inspect`` pass), then it admits the caller."""
    guard, owner = _guard_of(record), record.origin.owner
    refused = check_unguarded_caller(record, caller)
    if refused is not None or guard.len == 0:
        return refused
    facts = guard_eval.inspect(guard.code, guard.len, caller, owner)
    if facts.malformed:
        return ErrorCode.GUARD_MALFORMED
    return None if facts.admitted else ErrorCode.CALLER_NOT_ADMITTED


def check_unguarded_caller(record: SessionRecord, caller: Pubkey) -> ErrorCode | None:
    """``check_unguarded_caller``: execute's admission before its CPIs: the stored length in
    range, and without a guard the caller is the owner (a guard admits in its one pass after
    the CPIs, :func:`simulator.guard_eval.execute`)."""
    guard = _guard_of(record)
    if guard.len > GUARD_CAPACITY:
        return ErrorCode.GUARD_MALFORMED
    if guard.len == 0 and caller != record.origin.owner:
        return ErrorCode.CALLER_NOT_ADMITTED
    return None


def quotas_of(record: SessionRecord) -> ResourceQuotas:
    return to_session(record).quotas if record.guard.quotas is None else record.guard.quotas


def check_executable(record: SessionRecord, now: int, instruction_count: int) -> ErrorCode | None:
    """``check_executable``: the execution gate (Active, not expired, EXECUTE), then COMPOSE
    for several inner instructions."""
    permissions = record.guard.effective_permissions
    refused = check_execution_gate(record.status, permissions, record.expires_at, now)
    if refused is None and instruction_count > 1 and not permissions & _COMPOSE:
        return ErrorCode.PERMISSION_DENIED
    return refused


_VALIDATE: Final = INSTRUCTIONS_BY_NAME["validate_session"]
_VALIDATE_SESSION: Final = _VALIDATE.account_index("session")
_VALIDATE_AUTHORITY: Final = _VALIDATE.account_index("authority")


def validate_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_validate_session``: read-only; the errors execute would give, else success
    (the answer: :func:`validity`)."""
    address, authority = keys[_VALIDATE_SESSION], keys[_VALIDATE_AUTHORITY]
    record = load_session_readonly(env.ledger, env.program_id, address)
    if isinstance(record, ErrorCode):
        return record
    if authority not in signers:
        return ErrorCode.MISSING_SIGNER
    now = env.clock.now()
    # execute's order: the no-guard owner rule and the execution quota before its CPIs, a
    # guard's admission in its pass after them
    refused = (
        check_executable(record, now, 1)
        or check_unguarded_caller(record, authority)
        or check_execution_quota(quotas_of(record), record.usage)
        or check_admitted(record, authority)
    )
    return () if refused is None else refused


def validity(record: SessionRecord, now: int) -> SessionValidity:
    """The SessionValidity validate_session returns for ``record`` at ``now``."""
    o = record.origin
    return SessionValidity(
        o.session_id, record.expires_at - now, record.guard.effective_permissions
    )


_Loaded = tuple[SessionRecord, int, bool]
_UPDATES: Final = tuple(
    INSTRUCTIONS_BY_NAME[name] for name in ("update_guard", "update_permissions", "update_quotas")
)
#: update.c's load_update reads the three updates' accounts at one place each
_UPDATE_AUTHORITY, _UPDATE_SESSION = (
    _UPDATES[0].account_index(n) for n in ("authority", "session")
)
assert all(
    (spec.account_index("authority"), spec.account_index("session"))
    == (_UPDATE_AUTHORITY, _UPDATE_SESSION)
    for spec in _UPDATES
), "the updates list their accounts alike"


def _load_update(
    env: Env, keys: Sequence[Pubkey], signers: Collection[Pubkey], writable: Collection[Pubkey]
) -> _Loaded | ErrorCode:
    """``load_update``: (record, now, the owner may set anything) or why not."""
    authority, address = keys[_UPDATE_AUTHORITY], keys[_UPDATE_SESSION]
    record = load_session(env.ledger, env.program_id, address, writable)
    if isinstance(record, ErrorCode):
        return record
    if authority not in signers:
        return ErrorCode.MISSING_SIGNER
    now = env.clock.now()
    status = record.status
    if not stored_status_valid(status):
        return ErrorCode.INVALID_STORED_STATE
    is_owner = authority == record.origin.owner
    if not is_owner:
        refused = check_admitted(record, authority)
        if refused is not None:
            return refused
    return record, now, is_owner and status is SessionStatus.PAUSED


def update_permissions(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_update_permissions``: effective_permissions set (owner, Paused) or narrowed."""
    loaded = _load_update(env, keys, signers, writable)
    if isinstance(loaded, ErrorCode):
        return loaded
    record, now, may_set = loaded
    new = int.from_bytes(data[_PERMISSIONS_AT : _PERMISSIONS_AT + 4], "little")
    current = record.guard.effective_permissions
    if not permissions_valid(new):
        return ErrorCode.INVALID_CONFIGURATION
    if not may_set and new & ~current:
        return ErrorCode.NOT_NARROWING
    guard = record.guard._replace(effective_permissions=new)
    env.ledger.put_session(keys[_UPDATE_SESSION], with_limits(record, guard, record.usage, now))
    owner = record.origin.owner
    return (
        session_permissions_updated(
            keys[_UPDATE_SESSION],
            owner,
            keys[_UPDATE_AUTHORITY],
            now,
            current,
            new,
            int(not may_set),
        ),
    )


def _within(new: ResourceQuotas, current: ResourceQuotas) -> bool:
    return (
        new.max_executions <= current.max_executions
        and new.max_compute_units <= current.max_compute_units
        and new.max_lamports <= current.max_lamports
        and new.max_borrowed_accounts <= current.max_borrowed_accounts
        and new.max_children <= current.max_children
    )


def update_quotas(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_update_quotas``: the quotas set (owner, Paused) or each lowered."""
    loaded = _load_update(env, keys, signers, writable)
    if isinstance(loaded, ErrorCode):
        return loaded
    record, now, may_set = loaded
    new: ResourceQuotas = _QUOTAS.decode(data, _QUOTAS_AT)
    if not quotas_valid(new.max_borrowed_accounts, new.reserved):
        return ErrorCode.INVALID_CONFIGURATION
    if not may_set and not _within(new, quotas_of(record)):
        return ErrorCode.NOT_NARROWING
    guard = record.guard._replace(quotas=new)
    env.ledger.put_session(keys[_UPDATE_SESSION], with_limits(record, guard, record.usage, now))
    owner = record.origin.owner
    return (
        session_quotas_updated(
            keys[_UPDATE_SESSION], owner, keys[_UPDATE_AUTHORITY], new, now, int(not may_set)
        ),
    )


def _reset_window(usage: UsageFields) -> UsageFields:
    """A replaced guard starts a fresh rate window (update.c)."""
    stats: UsageStats = usage.stats
    return usage._replace(stats=replace(stats, rate_window_start=0, rate_window_count=0))


def _narrowed(old: Guard, code: bytes, length: int) -> Guard | ErrorCode:
    """AND(old, new) as update.c's narrow_guard builds and validates it."""
    if old.len > GUARD_CAPACITY:
        return ErrorCode.GUARD_MALFORMED
    if guard_eval.has_signer_leaf(code, length):
        return ErrorCode.NOT_NARROWING
    combined = length if old.len == 0 else old.len + length + 1
    if combined > GUARD_CAPACITY:
        return ErrorCode.INVALID_CONFIGURATION
    body = old.code[: old.len] + code[:length] + (bytes([GuardOp.AND]) if old.len else b"")
    buf = body.ljust(GUARD_CAPACITY, b"\0")
    if guard_eval.validate(buf, combined) is not None:
        return ErrorCode.INVALID_CONFIGURATION
    return Guard(combined, buf)


def update_guard(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_update_guard``: the guard replaced (owner, Paused) or narrowed to AND."""
    loaded = _load_update(env, keys, signers, writable)
    if isinstance(loaded, ErrorCode):
        return loaded
    record, now, may_set = loaded
    length = int.from_bytes(data[_GUARD_LEN_AT : _GUARD_LEN_AT + 2], "little")
    code = bytes(data[_GUARD_CODE_AT : _GUARD_CODE_AT + GUARD_CAPACITY])
    if length > GUARD_CAPACITY or guard_eval.validate(code, length) is not None:
        return ErrorCode.INVALID_CONFIGURATION
    old = _guard_of(record)
    usage = record.usage
    if may_set:
        new = Guard(length, code)
        usage = _reset_window(usage)
    else:
        narrowed = _narrowed(old, code, length)
        if isinstance(narrowed, ErrorCode):
            return narrowed
        new = narrowed
        if guard_eval.rate_window_seconds(old.code, old.len) == 0:
            usage = _reset_window(usage)  # a rate limit that is new starts a new window
    guard = record.guard._replace(guard=new)
    env.ledger.put_session(keys[_UPDATE_SESSION], with_limits(record, guard, usage, now))
    owner = record.origin.owner
    return (
        session_guard_updated(
            keys[_UPDATE_SESSION], owner, keys[_UPDATE_AUTHORITY], now, new.len, int(not may_set)
        ),
    )


HANDLERS: Handlers = {
    "validate_session": validate_session,
    "update_guard": update_guard,
    "update_permissions": update_permissions,
    "update_quotas": update_quotas,
}
