"""Build (or reuse) the sessions program's .so from ``program/``.

The demo, tests, benchmarks and localnet all call :func:`ensure_program`, so the
program is compiled when missing or stale (content-stamped) and never otherwise.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from solders.keypair import Keypair

from sessions_client.constants import PROGRAM_KEYPAIR_SEED
from sessions_tools.paths import project_paths
from sessions_tools.sbf import BuildResult, build_program


def build_sessions_program(*, force: bool = False, out: Path | None = None) -> BuildResult:
    """Compile and link ``program/src`` to the .so (skipped when up to date)."""
    paths = project_paths()
    return build_program(
        paths.program_src,
        [paths.program_include],
        out or paths.program_so,
        force=force,
    )


def ensure_program() -> bytes:
    """The current program bytes, building first if needed."""
    return build_sessions_program().path.read_bytes()


def program_keypair() -> Keypair:
    """The localnet program keypair (public seed: for local validators and tests only)."""
    return Keypair.from_seed(hashlib.sha256(PROGRAM_KEYPAIR_SEED).digest())
