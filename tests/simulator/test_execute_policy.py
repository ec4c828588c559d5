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
from sessions_client.types import ResourceQuotas, SessionStatus
from simulator import execute_policy as policy
from simulator.record import NO_USAGE

QUOTA_FIELDS = {f for f in ResourceQuotas.__dataclass_fields__ if f.startswith("max_")}
PROGRAM = Pubkey(bytes([3]) * 32)


def test_the_gate_checks_active_then_expiry_then_execute() -> None:
    """The program's order (check_executable in admission.c)."""
    gate = policy.check_execution_gate
    assert gate(SessionStatus.PAUSED, 0, 0, 10) is ErrorCode.SESSION_NOT_ACTIVE
    assert gate(SessionStatus.ACTIVE, 0, 0, 10) is ErrorCode.SESSION_EXPIRED
    assert gate(SessionStatus.ACTIVE, 0, 11, 10) is ErrorCode.PERMISSION_DENIED
    assert gate(SessionStatus.ACTIVE, 1, 10, 10) is ErrorCode.SESSION_EXPIRED
    assert gate(SessionStatus.ACTIVE, 1, 11, 10) is None


def test_quotas_fail_closed_and_charge_adds_up() -> None:
    request = policy.ExecutionRequest(PROGRAM, compute_units=5, lamports=7)
    assert policy.check_quotas(ResourceQuotas(), NO_USAGE, request) is ErrorCode.QUOTA_EXCEEDED
    roomy = ResourceQuotas(max_executions=1, max_compute_units=5, max_lamports=7)
    assert policy.check_quotas(roomy, NO_USAGE, request) is None
    used = policy.charge(NO_USAGE, request, now=99)
    assert (used.usage_count, used.stats.compute_units_used, used.stats.last_used_at) == (1, 5, 99)
    assert policy.check_quotas(roomy, used, request) is ErrorCode.QUOTA_EXCEEDED
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
