"""Build (or reuse) the sessions program's .so from ``program/``.

The demo, tests, benchmarks and localnet all call :func:`ensure_program`, so the
program is compiled when missing or stale (content-stamped) and never otherwise.

There are two builds of the same sources (:class:`BuildVariant`): the default
one reads sysvars with ``sol_get_sysvar`` (only the bytes it needs, the
cheapest), the portable one with the per-sysvar syscalls
(``sol_get_clock_sysvar``, ``sol_get_rent_sysvar``) for runtimes that do not
have ``sol_get_sysvar`` and refuse to deploy a program importing it. The
variant is a ``-D`` define, hence part of the compiler flags and of the build
stamp, and each variant has its own output file, so building one never makes
the other stale.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import replace
from pathlib import Path

from solders.keypair import Keypair

from sessions_client.constants import PROGRAM_KEYPAIR_SEED
from sessions_tools.paths import PROGRAM_SO_NAME, project_paths
from sessions_tools.sbf import DEFAULT_OPTIONS, BuildResult, CompilerOptions, build_program


class BuildVariant(enum.Enum):
    """Which syscalls the program reads sysvars with."""

    DEFAULT = "default"
    PORTABLE = "portable"

    @property
    def defines(self) -> tuple[str, ...]:
        """The ``-D`` flags selecting this variant in ``program/src/sysvars.c``."""
        return ("-DSESSIONS_PORTABLE_SYSVARS=1",) if self is BuildVariant.PORTABLE else ()

    @property
    def so_name(self) -> str:
        """The output file name under ``target/deploy``."""
        if self is BuildVariant.DEFAULT:
            return PROGRAM_SO_NAME
        stem = PROGRAM_SO_NAME.removesuffix(".so")
        return f"{stem}-{self.value}.so"

    def compiler_options(self, base: CompilerOptions = DEFAULT_OPTIONS) -> CompilerOptions:
        return replace(base, extra_flags=(*base.extra_flags, *self.defines))


def build_sessions_program(
    *, force: bool = False, out: Path | None = None, variant: BuildVariant = BuildVariant.DEFAULT
) -> BuildResult:
    """Compile and link ``program/src`` to the variant's .so (skipped when up to date)."""
    paths = project_paths()
    return build_program(
        paths.program_src,
        [paths.program_include],
        out or paths.target_dir / variant.so_name,
        force=force,
        options=variant.compiler_options(),
        # one translation unit: inlining across the concern files saves 30-55 CU per
        # instruction (measured: execute's overhead 706 -> 651, close 724 -> 693)
        whole_program=True,
    )


def ensure_program(variant: BuildVariant = BuildVariant.DEFAULT) -> bytes:
    """The current program bytes of ``variant``, building first if needed."""
    return build_sessions_program(variant=variant).path.read_bytes()


def program_keypair() -> Keypair:
    """The localnet program keypair (public seed: for local validators and tests only)."""
    return Keypair.from_seed(hashlib.sha256(PROGRAM_KEYPAIR_SEED).digest())
