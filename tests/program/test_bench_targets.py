"""The bench's target check (``meets_targets``) on given figures: the per-predicate guard target
holds only when every figure of ``execute_guard_per_predicate`` is within it."""

from __future__ import annotations

from typing import Any

from sessions_tools.bench.cu_bench import GUARD_PER_PREDICATE_TARGET
from sessions_tools.bench.run import check_targets

KEY = f"cu.execute_guard_per_predicate<={GUARD_PER_PREDICATE_TARGET}"


def _report(per_kind: dict[str, int]) -> dict[str, Any]:
    return {"cu": {"execute_guard_per_predicate": per_kind}}


def test_met_when_every_kind_is_at_most_the_target() -> None:
    at_limit = {"signer_is": 23, "program_is": GUARD_PER_PREDICATE_TARGET, "each further id": 6}
    assert check_targets(_report(at_limit))[KEY] is True


def test_one_kind_over_the_target_fails_it() -> None:
    over = {"signer_is": 23, "calls_per": GUARD_PER_PREDICATE_TARGET + 1}
    assert check_targets(_report(over))[KEY] is False


def test_absent_without_the_guard_figures() -> None:
    assert KEY not in check_targets({"cu": {"execute_overhead": 600}})
    assert check_targets({"cu": {"execute_overhead": 600}})["cu.execute_overhead<=600"] is True
