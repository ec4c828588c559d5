"""Session fixtures for the toolchain tests.

Compiling is the slow part, so every C fixture is compiled at most once per
test session per set of compiler options; each test links its own program
from those cached objects.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("sessions_client") is None:  # not installed: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from .support import FixtureObjects, ProgramRunner


@pytest.fixture(scope="session")
def objects(tmp_path_factory: pytest.TempPathFactory) -> FixtureObjects:
    """Session-wide cache of compiled fixtures."""
    return FixtureObjects(tmp_path_factory.mktemp("sbf-objects"))


@pytest.fixture(scope="session")
def runner() -> ProgramRunner:
    """One SVM for the session: programs get unique ids, so tests do not interfere."""
    return ProgramRunner()
