"""What ``execute`` will check, as pure functions over the session record's groups.

Today the client-side execution gate (:func:`~simulator.execution.validate_session_for_execution`)
and :class:`~simulator.isolation.SessionIsolationManager` call these with a session's fields
and the usage the manager keeps. The next issue moves the checks on-chain: its simulator
handler (``simulator/ix_execute.py``, mirroring ``process_execute``) calls these same
functions with the record's :class:`~simulator.record.UsageFields` and stores what
:func:`charge` returns through a record constructor, and the manager's own usage table goes.
Nothing here keeps state, so nothing has to be copied when that happens.

Order, as the program checks: the gate (Active, not expired, EXECUTE), the scope's target
program, then the quotas (zero means none allowed, never unlimited).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import ResourceQuotas, SessionStatus
from simulator.record import UsageFields, new_usage

_ZERO_KEY: Final = Pubkey.default()
_EXECUTE: Final = int(Permission.EXECUTE)


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """One execution under a session: its target program and what it consumes."""

    program: Pubkey
    compute_units: int = 0
    lamports: int = 0
    borrowed_accounts: int = 0
    children: int = 0


def check_execution_gate(
    status: SessionStatus, effective_permissions: int, expires_at: int, now: int
) -> ErrorCode | None:
    """Active, then not expired (``now >= expires_at`` is expired), then EXECUTE: the order of
    the program's ``check_executable`` (admission.c), which execute and validate_session run
    and the simulator's handlers call through this function."""
    if status is not SessionStatus.ACTIVE:
        return ErrorCode.SESSION_NOT_ACTIVE
    if now >= expires_at:
        return ErrorCode.SESSION_EXPIRED
    if not effective_permissions & _EXECUTE:
        return ErrorCode.PERMISSION_DENIED
    return None


def check_target_program(scope_program: Pubkey, program: Pubkey) -> ErrorCode | None:
    """The scope's program (the zero key means any) must be the execution's target."""
    if scope_program not in (_ZERO_KEY, program):
        return ErrorCode.POLICY_VIOLATION
    return None


def check_quotas(
    quotas: ResourceQuotas, usage: UsageFields, request: ExecutionRequest
) -> ErrorCode | None:
    """QuotaExceeded if this execution would pass any limit."""
    s = usage.stats
    if (
        usage.usage_count + 1 > quotas.max_executions
        or s.compute_units_used + request.compute_units > quotas.max_compute_units
        or s.lamports_spent + request.lamports > quotas.max_lamports
        or s.borrowed_count + request.borrowed_accounts > quotas.max_borrowed_accounts
        or s.children_count + request.children > quotas.max_children
    ):
        return ErrorCode.QUOTA_EXCEEDED
    return None


def charge(usage: UsageFields, request: ExecutionRequest, now: int) -> UsageFields:
    """The usage after this execution (checked first with :func:`check_quotas`)."""
    s = usage.stats
    return new_usage(
        usage.usage_count + 1,
        replace(
            s,
            compute_units_used=s.compute_units_used + request.compute_units,
            lamports_spent=s.lamports_spent + request.lamports,
            last_used_at=now,
            borrowed_count=s.borrowed_count + request.borrowed_accounts,
            children_count=s.children_count + request.children,
        ),
    )


def release(usage: UsageFields, borrowed_accounts: int, children: int) -> UsageFields:
    """Borrowed accounts returned, children retired (the other counters only grow)."""
    s = usage.stats
    return new_usage(
        usage.usage_count,
        replace(
            s,
            borrowed_count=max(0, s.borrowed_count - borrowed_accounts),
            children_count=max(0, s.children_count - children),
        ),
    )
