"""The execute checks live once, as pure functions the future execute handler calls.

The client-side gate and isolation manager hold no permission or quota logic of their
own (they call :mod:`simulator.execute_policy`), and the policy keeps no state.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from solders.pubkey import Pubkey

from sessions_client.errors import ErrorCode
from sessions_client.types import ResourceQuotas, SessionStatus, UsageStats
from simulator import execute_policy as policy
from simulator.record import NO_USAGE

QUOTA_FIELDS = {f for f in ResourceQuotas.__dataclass_fields__ if f.startswith("max_")}
PROGRAM = Pubkey(bytes([3]) * 32)
U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1


def test_the_gate_checks_active_then_expiry_then_execute() -> None:
    """The program's order (check_executable in admission.c)."""
    gate = policy.check_execution_gate
    assert gate(SessionStatus.PAUSED, 0, 0, 10) is ErrorCode.SESSION_NOT_ACTIVE
    assert gate(SessionStatus.ACTIVE, 0, 0, 10) is ErrorCode.SESSION_EXPIRED
    assert gate(SessionStatus.ACTIVE, 0, 11, 10) is ErrorCode.PERMISSION_DENIED
    assert gate(SessionStatus.ACTIVE, 1, 10, 10) is ErrorCode.SESSION_EXPIRED
    assert gate(SessionStatus.ACTIVE, 1, 11, 10) is None


def test_execute_quotas_allow_the_limit_and_refuse_one_more() -> None:
    """execute.c's comparisons: the limit itself allowed, one more refused, zero allows none,
    and no sum overflows (u64 max in use)."""
    q = ResourceQuotas(max_executions=2, max_compute_units=500, max_lamports=7)
    assert policy.check_execution_quota(q, policy.new_usage(1, UsageStats())) is None
    assert (
        policy.check_execution_quota(q, policy.new_usage(2, UsageStats()))
        is ErrorCode.QUOTA_EXCEEDED
    )
    used = policy.new_usage(0, UsageStats(compute_units_used=300, lamports_spent=3))
    assert policy.check_compute_quota(q, used, 200) is None
    assert policy.check_compute_quota(q, used, 201) is ErrorCode.QUOTA_EXCEEDED
    assert policy.check_lamport_quota(q, used, 4) is None
    assert policy.check_lamport_quota(q, used, 5) is ErrorCode.QUOTA_EXCEEDED
    top = ResourceQuotas(max_compute_units=U64_MAX, max_lamports=U64_MAX)
    full = policy.new_usage(0, UsageStats(compute_units_used=U64_MAX, lamports_spent=U64_MAX))
    assert policy.check_compute_quota(top, full, 1) is ErrorCode.QUOTA_EXCEEDED
    assert policy.check_lamport_quota(top, full, 0) is None
    assert policy.check_execution_quota(ResourceQuotas(), NO_USAGE) is ErrorCode.QUOTA_EXCEEDED


def test_the_rate_window_and_the_charge() -> None:
    stats = UsageStats(rate_window_start=100, rate_window_count=3)
    assert policy.next_window(stats, 0, 500) == (100, 3)  # no RATE_LIMIT: kept
    assert policy.next_window(stats, 60, 159) == (100, 4)
    assert policy.next_window(stats, 60, 160) == (160, 1)  # ran out
    assert policy.next_window(UsageStats(), 60, 5) == (5, 1)  # never started
    assert policy.next_window(
        UsageStats(rate_window_start=9, rate_window_count=U32_MAX), 60, 9
    ) == (
        9,
        U32_MAX,
    )
    used = policy.record_usage(NO_USAGE, 42, 200_000, 7, (40, 2))
    assert used.usage_count == 1
    assert used.stats == UsageStats(200_000, 7, 42, 40, 2, 0, 0)


def test_the_lease_quotas_fail_closed() -> None:
    request = policy.ExecutionRequest(PROGRAM, borrowed_accounts=1, children=1)
    assert (
        policy.check_lease_quotas(ResourceQuotas(), NO_USAGE, request) is ErrorCode.QUOTA_EXCEEDED
    )
    roomy = ResourceQuotas(max_borrowed_accounts=1, max_children=1)
    assert policy.check_lease_quotas(roomy, NO_USAGE, request) is None
    used = policy.charge_leases(NO_USAGE, request)
    assert (used.stats.borrowed_count, used.stats.children_count, used.usage_count) == (1, 1, 0)
    assert policy.check_lease_quotas(roomy, used, request) is ErrorCode.QUOTA_EXCEEDED
    assert policy.check_target_program(Pubkey.default(), PROGRAM) is None
    assert policy.check_target_program(PROGRAM, Pubkey.default()) is ErrorCode.POLICY_VIOLATION


def test_the_client_side_modules_do_not_copy_the_checks() -> None:
    root = Path(policy.__file__).parent
    for name in ("isolation.py", "execution.py"):
        tree = ast.parse((root / name).read_text())
        attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not attrs & (QUOTA_FIELDS | {"EXECUTE"}), (name, attrs & QUOTA_FIELDS)


def test_the_policy_keeps_no_state() -> None:
    classes = [obj for obj in vars(policy).values() if inspect.isclass(obj)]
    own = [c for c in classes if c.__module__ == policy.__name__]
    assert own == [policy.ExecutionRequest]
    assert policy.ExecutionRequest.__dataclass_params__.frozen  # type: ignore[attr-defined]
