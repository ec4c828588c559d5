"""``sessions bench``: every performance figure the project claims, measured now.

Each section is measured by the module that owns it; this module only runs
them and assembles one JSON object. Targets are reported next to the figures
(``targets`` / ``meets_targets``) rather than asserted in timed tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sessions_tools.bench.cu_bench import (
    CU_TARGETS,
    GUARD_PER_PREDICATE_TARGET,
    measure_instruction_cu,
)

Section = Callable[[], dict[str, Any]]


def _cu() -> dict[str, Any]:
    from sessions_tools.bench.guard_bench import measure_guard_validation_cu
    from sessions_tools.bench.guard_eval_bench import measure_guard_evaluation_cu

    guards = measure_guard_validation_cu() | measure_guard_evaluation_cu()
    return dict(measure_instruction_cu()) | guards


def _cu_portable() -> dict[str, Any]:
    """The same steps on the portable build (per-sysvar syscalls instead of sol_get_sysvar)."""
    from sessions_tools.program_build import BuildVariant, ensure_program

    return dict(measure_instruction_cu(ensure_program(BuildVariant.PORTABLE)))


def _sim() -> dict[str, Any]:
    from sessions_tools.bench.simulator_bench import measure_simulator

    return dict(measure_simulator(20_000))


def _decode() -> dict[str, Any]:
    from sessions_tools.bench.decode_bench import measure_decode

    return dict(measure_decode(5_000))


def _cache() -> dict[str, Any]:
    from sessions_tools.bench.cache_bench import measure_cache_hit_us

    return {"hit_us": measure_cache_hit_us(200_000)}


def _localnet() -> dict[str, Any]:
    from sessions_tools.bench.localnet_bench import measure_tx_throughput

    return dict(measure_tx_throughput(200))


SECTIONS: dict[str, Section] = {
    "cu": _cu,
    "cu_portable": _cu_portable,
    "sim": _sim,
    "decode": _decode,
    "cache": _cache,
    "localnet": _localnet,
}


def check_targets(report: dict[str, Any]) -> dict[str, bool]:
    """Which of the issues' targets the measured figures meet."""
    met: dict[str, bool] = {}
    cu = report.get("cu", {})
    for name, limit in CU_TARGETS.items():
        if name in cu:
            met[f"cu.{name}<={limit}"] = cu[name] <= limit
    per_predicate = cu.get("execute_guard_per_predicate")
    if per_predicate:
        # met only when every kind (and each further allowlist entry) is within it
        limit = GUARD_PER_PREDICATE_TARGET
        met[f"cu.execute_guard_per_predicate<={limit}"] = all(
            figure <= limit for figure in per_predicate.values()
        )
    if "sim" in report:
        met["sim.ops_per_s>=100000"] = report["sim"]["ops_per_s"] >= 100_000
        met["sim.ratio>=100"] = report["sim"]["ratio"] >= 100
    if "decode" in report:
        met["decode.ratio>=10"] = report["decode"]["ratio"] >= 10
    if "cache" in report:
        met["cache.hit_us<=2"] = report["cache"]["hit_us"] <= 2
    return met


def run_benchmarks(only: list[str] | None = None) -> dict[str, Any]:
    """Run the named sections (all by default) and return the report."""
    names = only or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown bench section(s): {', '.join(unknown)}; have {list(SECTIONS)}")
    report: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name in names:
        start = time.perf_counter()
        report[name] = SECTIONS[name]()
        seconds[name] = round(time.perf_counter() - start, 2)
    report["meets_targets"] = check_targets(report)
    report["bench_seconds"] = seconds
    return report
