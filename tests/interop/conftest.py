"""Guards for the anchorpy interop tests (they run in .venv-anchorpy, not the main env).

In the main environment (anchorpy not installed, no interop variables set)
this directory is not collected: tests/test_anchorpy_interop.py runs it in
its own environment. There, the tests cannot be skipped: a missing variable
or file is a usage error (pytest exits 4), and any skip is turned into a
failure, so a broken setup can never pass as "nothing to check".
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Generator
from pathlib import Path

import pytest

#: Variable -> what it must name.
REQUIRED = {
    "SESSIONS_INTEROP_FIXTURES": "the directory holding fixtures.json (made by the main env)",
    "SESSIONS_INTEROP_PROGRAM": "the sessions program .so",
    "SESSIONS_INTEROP_IDL": "idl/sessions.json",
}

#: Variable -> the server it must point at.
REQUIRED_URLS = {
    "SESSIONS_INTEROP_RPC_URL": "the HTTP URL of a sessions localnet the main env runs",
}

_HAS_ANCHORPY = importlib.util.find_spec("anchorpy") is not None
_ANY_SET = any(name in os.environ for name in (*REQUIRED, *REQUIRED_URLS))

if not _HAS_ANCHORPY and not _ANY_SET:
    # The main environment collecting tests/: nothing here can run in it.
    collect_ignore_glob = ["*"]


def pytest_configure(config: pytest.Config) -> None:
    if not _HAS_ANCHORPY and not _ANY_SET:
        return
    problems = []
    if not _HAS_ANCHORPY:
        problems.append("anchorpy is not importable: run these in .venv-anchorpy")
    if importlib.util.find_spec("sessions_client") is not None:
        problems.append(
            "sessions_client is importable here: these tests must only use anchorpy's view"
        )
    for name, what in REQUIRED.items():
        value = os.environ.get(name)
        if not value:
            problems.append(f"{name} is not set ({what})")
        elif not Path(value).exists():
            problems.append(f"{name}={value} does not exist ({what})")
    for name, what in REQUIRED_URLS.items():
        if not os.environ.get(name):
            problems.append(f"{name} is not set ({what})")
    if problems:
        raise pytest.UsageError("anchorpy interop tests cannot run:\n  " + "\n  ".join(problems))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"interop tests must not skip: {report.longrepr}"
