"""The execute bench's CPI base is measured (sessions_tools/bench/cpi_base.py), so it follows
the runtime's charge: with the invoke cost changed, the calibration moves by exactly that
change, and the build without the invoke does the rest of the work but makes no CPI."""

from __future__ import annotations

from solders.compute_budget import ComputeBudget
from solders.litesvm import LiteSVM

from sessions_tools.bench.cpi_base import calibrate
from sessions_tools.svm import SessionsSVM


def _budget(invoke_units: int) -> ComputeBudget:
    budget = ComputeBudget(True)
    budget.invoke_units = invoke_units
    return budget


def test_the_cpi_base_follows_the_runtimes_invoke_cost() -> None:
    default = ComputeBudget(True).invoke_units
    measured = {}
    for invoke_units in (default, default + 1_000):
        svm = LiteSVM().with_compute_budget(_budget(invoke_units))
        measured[invoke_units] = calibrate(SessionsSVM(deployed_in=svm))
    low, high = measured[default], measured[default + 1_000]
    assert high.cpi_base - low.cpi_base == 1_000
    # the base is the invoke cost and the call's translation (a few CU), nothing of the callee
    assert default <= low.cpi_base < default + 20, low
    # the invoke cost is no part of the caller's own work or of the callee's
    assert high.forwarder_without_invoke == low.forwarder_without_invoke
    assert high.callee == low.callee


def test_the_build_without_invoke_does_the_rest_of_the_work() -> None:
    """It parses its three accounts and builds the infos, metas, data and seeds the invoke
    would read (measured: 129 CU). Without forwarder.c's compiler barrier the compiler drops
    that work (measured: 47 CU), and the CPI base would absorb it."""
    calibration = calibrate(SessionsSVM())
    assert calibration.forwarder_without_invoke > 100, calibration
