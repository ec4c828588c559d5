"""execute's figures in ``sessions bench --json`` (``cu``), measured by the bench's own code
in the SVM: every figure the issue asks for is there, they are consistent with one another,
and the issue's targets hold: execute's own overhead (total less the CPI base and the
callee's own CU) within 600 CU, a guarded SOL transfer (three predicates and a spend limit,
logging off) within 2,500 CU end to end.
"""

from __future__ import annotations

import pytest

from sessions_tools.bench.cu_bench import CU_TARGETS
from sessions_tools.bench.execute_bench import measure_execute_cu

FIGURES = (
    "execute_cpi_base",
    "execute_sol_transfer",
    "execute_overhead",
    "execute_overhead_first",
    "execute_token_transfer",
    "execute_token_transfer_overhead",
    "execute_guarded_sol_transfer",
    "execute_guarded_token_transfer",
    "validate_session",
    "update_quotas",
    "update_permissions",
    "update_guard",
)


@pytest.fixture(scope="module")
def cu(program_so: bytes) -> dict[str, int]:
    return measure_execute_cu(program_so)


def test_every_figure_is_measured(cu: dict[str, int]) -> None:
    assert set(FIGURES) <= set(cu)
    assert all(cu[name] > 0 for name in FIGURES), cu


def test_the_figures_agree(cu: dict[str, int]) -> None:
    """The overhead is the total less the CPI base and a callee that costs something; the
    first execute (which proves the signer PDA) costs more than later ones; a guard costs
    something on top of the unguarded execute of the same transfer."""
    callee = cu["execute_sol_transfer"] - cu["execute_cpi_base"] - cu["execute_overhead"]
    assert 0 < callee < cu["execute_cpi_base"]
    assert cu["execute_overhead_first"] > cu["execute_overhead"]
    assert cu["execute_guarded_sol_transfer"] > cu["execute_sol_transfer"]
    assert cu["execute_guarded_token_transfer"] > cu["execute_token_transfer"]


@pytest.mark.parametrize(
    ("figure", "issue_target"),
    [("execute_overhead", 600), ("execute_guarded_sol_transfer", 2_500)],
)
def test_execute_meets_its_targets(cu: dict[str, int], figure: str, issue_target: int) -> None:
    assert CU_TARGETS[figure] == issue_target  # the bench checks the issue's figure
    assert cu[figure] <= issue_target, cu
