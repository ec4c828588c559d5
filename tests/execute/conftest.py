"""Fixtures for execute tests: the program in a fresh SVM, and an active funded session."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessions_tools.paths import project_paths
from sessions_tools.program_build import ensure_program
from sessions_tools.sbf import build_program
from sessions_tools.svm import SessionsSVM

from .support import ExecHarness

DAPP_DIR = Path(__file__).resolve().parents[1] / "program" / "dapp"


@pytest.fixture(scope="session")
def program_so() -> bytes:
    return ensure_program()


@pytest.fixture
def x(program_so: bytes) -> ExecHarness:
    return ExecHarness(SessionsSVM(program_so))


@pytest.fixture(scope="session")
def dapp_so(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The program tests' forwarding dapp (tests/program/dapp), built with the toolchain."""
    out = tmp_path_factory.mktemp("dapp") / "dapp.so"
    return build_program(DAPP_DIR, [project_paths().program_include], out).path.read_bytes()
