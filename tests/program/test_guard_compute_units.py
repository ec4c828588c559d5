"""Guard CU, measured in the SVM (the bench's own measurements): through create_session,
validating one more predicate of any kind costs at most 40 CU and a guardless creation stays
within its budget; through execute, every kind is measured and allowlist entries cost at
most 40 CU each."""

from __future__ import annotations

from sessions_tools.bench.cu_bench import GUARD_PER_PREDICATE_TARGET
from sessions_tools.bench.guard_bench import PREDICATES, measure_guard_validation_cu
from sessions_tools.bench.guard_eval_bench import measure_guard_evaluation_cu

PER_PREDICATE_BUDGET = GUARD_PER_PREDICATE_TARGET


def test_guard_validation_cu_per_predicate() -> None:
    report = measure_guard_validation_cu()
    per_kind = report["guard_validate_per_predicate"]
    assert isinstance(per_kind, dict)
    assert set(PREDICATES) <= set(per_kind)
    measured = {kind: per_kind[kind] for kind in PREDICATES}
    over = {kind: cu for kind, cu in measured.items() if not 0 < cu <= PER_PREDICATE_BUDGET}
    assert over == {}
    assert per_kind["program_is, per extra id"] == 0  # validation never reads the ids
    assert report["create_session_no_guard"] <= 2800
    first = report["create_session_first_predicate"]
    assert isinstance(first, int)
    assert 0 < first <= 2 * PER_PREDICATE_BUDGET


def test_guard_evaluation_cu_through_execute() -> None:
    """Every kind is measured through a real execute (a holding predicate costs something);
    allowlists cost at most 40 CU per further entry."""
    per_kind = measure_guard_evaluation_cu()["execute_guard_per_predicate"]
    assert set(PREDICATES) <= set(per_kind)
    assert all(per_kind[kind] > 0 for kind in PREDICATES)
    assert 0 < per_kind["program_is, per further id"] <= PER_PREDICATE_BUDGET
    assert 0 < per_kind["discriminator_in, per further prefix"] <= PER_PREDICATE_BUDGET
