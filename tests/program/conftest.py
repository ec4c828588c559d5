"""Fixtures for the program tests: the built program, a fresh SVM per test, the CPI dapp."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sessions_tools.paths import project_paths
from sessions_tools.program_build import BuildVariant, ensure_program
from sessions_tools.sbf import build_program
from sessions_tools.svm import SessionsSVM

from .support import Harness

DAPP_DIR = Path(__file__).resolve().parent / "dapp"


@pytest.fixture(scope="session")
def program_so() -> bytes:
    """The sessions program, built once (content-stamped) for the whole run.

    ``SESSIONS_TEST_PROGRAM_SO=path/to.so`` runs the suite against another build instead
    (mutation testing: a deliberately broken program must make tests fail).
    """
    override = os.environ.get("SESSIONS_TEST_PROGRAM_SO")
    if override:
        return Path(override).read_bytes()
    return ensure_program()


@pytest.fixture(scope="session")
def portable_so() -> bytes:
    """The portable build (per-sysvar syscalls instead of sol_get_sysvar)."""
    return ensure_program(BuildVariant.PORTABLE)


@pytest.fixture
def sessions(program_so: bytes) -> SessionsSVM:
    """A fresh SVM per test (a few ms): no clock or account state leaks between tests."""
    return SessionsSVM(program_so)


@pytest.fixture
def h(sessions: SessionsSVM) -> Harness:
    return Harness(sessions)


@pytest.fixture(scope="session")
def dapp_so(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """tests/program/dapp/*.c built with the project's toolchain."""
    out = tmp_path_factory.mktemp("dapp") / "dapp.so"
    return build_program(DAPP_DIR, [project_paths().program_include], out).path.read_bytes()
