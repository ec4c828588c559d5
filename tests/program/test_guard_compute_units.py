"""Guard CU, measured in the SVM through create_session (the bench's own measurement):
validating one more predicate of any kind costs at most 40 CU, and a guardless creation
stays within its budget."""

from __future__ import annotations

from sessions_tools.bench.guard_bench import PREDICATES, measure_guard_validation_cu

PER_PREDICATE_BUDGET = 40


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
