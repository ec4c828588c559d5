"""execute's quotas, rate window and usage charge, as pure functions over the record's
groups, check for check as program/src/execute.c and admission.c compute them.

The model's ``execute`` (:mod:`simulator.ix_execute`) calls these with the record's
:class:`~simulator.record.UsageFields` and stores what :func:`record_usage` returns; nothing
here keeps state. Quotas are lifetime totals: zero means none allowed, the limit itself is
allowed, one more is refused, and no sum overflows a u64 (each comparison is written as the
C writes it). :class:`ExecutionRequest`, :func:`check_lease_quotas`, :func:`charge_leases` and
:func:`release` are the client-side isolation manager's accounting of the quotas execute does
not charge (borrowed accounts, children); the execution gate is :func:`check_execution_gate`,
which execute's model and the client-side gate both call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import ResourceQuotas, SessionStatus, UsageStats
from simulator.guard_eval import window_count, window_restarts
from simulator.record import UsageFields, new_usage

_ZERO_KEY: Final = Pubkey.default()
_EXECUTE: Final = int(Permission.EXECUTE)


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """What a client-side execution under a session holds besides what execute charges: its
    target program, the accounts it borrows and the child sessions it starts. Executions,
    compute units and lamports are execute's (:mod:`simulator.ix_execute`, on the record)."""

    program: Pubkey
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


def check_lease_quotas(
    quotas: ResourceQuotas, usage: UsageFields, request: ExecutionRequest
) -> ErrorCode | None:
    """QuotaExceeded if the request would pass max_borrowed_accounts or max_children (the
    quotas execute does not charge; zero allows none)."""
    s = usage.stats
    if (
        s.borrowed_count + request.borrowed_accounts > quotas.max_borrowed_accounts
        or s.children_count + request.children > quotas.max_children
    ):
        return ErrorCode.QUOTA_EXCEEDED
    return None


def charge_leases(usage: UsageFields, request: ExecutionRequest) -> UsageFields:
    """The usage after the request's borrows and children (checked first)."""
    s = usage.stats
    return new_usage(
        usage.usage_count,
        replace(
            s,
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


# -- execute (program/src/execute.c, admission.c) ------------------------------------------------


def check_execution_quota(quotas: ResourceQuotas, usage: UsageFields) -> ErrorCode | None:
    """``check_execution_quota``: usage_count + 1 <= max_executions (usage_count >= max fails)."""
    if usage.usage_count >= quotas.max_executions:
        return ErrorCode.QUOTA_EXCEEDED
    return None


def _within(used: int, more: int, limit: int) -> ErrorCode | None:
    """used + more <= limit, compared as the C compares it (no u64 overflow)."""
    if more > limit or used > limit - more:
        return ErrorCode.QUOTA_EXCEEDED
    return None


def check_compute_quota(
    quotas: ResourceQuotas, usage: UsageFields, charge: int
) -> ErrorCode | None:
    """``check_compute_quota``: compute_units_used + charge <= max_compute_units."""
    return _within(usage.stats.compute_units_used, charge, quotas.max_compute_units)


def check_lamport_quota(
    quotas: ResourceQuotas, usage: UsageFields, spent_now: int
) -> ErrorCode | None:
    """``check_lamport_quota``: lamports_spent + this execute's gross outflow <= max_lamports."""
    return _within(usage.stats.lamports_spent, spent_now, quotas.max_lamports)


def next_window(stats: UsageStats, seconds: int, now: int) -> tuple[int, int]:
    """``next_window``: (start, count) of the rate window after this execution. Without a
    RATE_LIMIT (``seconds`` 0) the stored window stays; else a window that restarts
    (:func:`~simulator.guard_eval.window_restarts`) starts at ``now``, and the count is
    :func:`~simulator.guard_eval.window_count`'s."""
    start, count = stats.rate_window_start, stats.rate_window_count
    if seconds == 0:
        return start, count
    count = window_count(start, count, now, seconds)
    return (now if window_restarts(start, now, seconds) else start), count


def record_usage(
    usage: UsageFields, now: int, charge: int, lamports_out: int, window: tuple[int, int]
) -> UsageFields:
    """``record_usage``: one more execution, its compute charge and lamport outflow, the
    last use and the rate window (checked first by the quota functions above)."""
    s = usage.stats
    return new_usage(
        usage.usage_count + 1,
        UsageStats(
            s.compute_units_used + charge,
            s.lamports_spent + lamports_out,
            now,
            window[0],
            window[1],
            s.borrowed_count,
            s.children_count,
        ),
    )
