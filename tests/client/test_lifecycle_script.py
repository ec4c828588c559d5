"""scripts/lifecycle_over_http.py runs green, on its own localnet and against a given URL."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lifecycle_over_http.py"
STEPS = ("create", "activate", "pause", "resume", "close", "request", "approve")

pytestmark = pytest.mark.localnet


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lifecycle_over_http", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(output: str) -> None:
    for step in STEPS:
        assert f"  {step} " in output, step
    for event in ("SessionCreated", "SessionActivated", "SessionPaused", "SessionResumed"):
        assert event in output
    assert output.count("SessionClosed(") == 2
    assert "SessionRequested(" in output
    assert "done:" in output


def test_script_starts_its_own_localnet() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "localnet started at http://127.0.0.1:" in run.stdout
    _check(run.stdout)


def test_script_against_a_running_endpoint(
    localnet: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load().main(["--url", localnet]) == 0
    output = capsys.readouterr().out
    assert f"RPC {localnet}" in output
    _check(output)
