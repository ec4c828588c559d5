"""Compiling C to BPF relocatable objects with the clang that ships in ``ziglang``.

``ziglang`` is an ordinary PyPI dependency that bundles clang/LLVM with the
BPF backend, so the product needs no platform-tools download.  The flags are
chosen for SBPF v0:

* ``-mcpu=v2``: v3 emits JMP32, which v0 does not have (the linker refuses it
  anyway, but failing at compile-time flags is cheaper).
* ``-mllvm -bpf-stack-size=4096``: the SBF frame is 4 KiB; LLVM's default is 512.
* ``-fno-builtin -ffreestanding``: there is no libc; this also makes clang
  refuse (rather than emit calls to) memcpy/memset of variable length.
* no unwind tables: v0 would map ``.eh_frame`` as read-only data for nothing.
* ``-Werror``: warnings in on-chain code are bugs waiting to happen.
* ``-ffile-prefix-map``: ``__FILE__`` and the object's file symbol must not
  contain the checkout's absolute path, so builds are byte-identical anywhere.

Whether functions get their own sections is an option (see
:class:`CompilerOptions`): both forms link correctly; the default keeps one
``.text`` per file, so the compiler resolves calls within a file itself and the
linker only patches calls across files and syscalls.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .toolchain_errors import CompileError

TARGET_FLAGS: tuple[str, ...] = (
    "-target",
    "bpfel-freestanding",
    "-fno-builtin",
    "-ffreestanding",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
)
"""Flags every SBPF v0 compile needs regardless of options."""


@dataclass(frozen=True)
class CompilerOptions:
    """Tunable part of the compile command; part of the build fingerprint."""

    cpu: str = "v2"
    opt_level: str = "-O2"
    stack_size: int = 4096
    function_sections: bool = False
    extra_flags: tuple[str, ...] = field(default=())

    def flags(self) -> tuple[str, ...]:
        """Every compiler flag except include directories, paths and prefix maps."""
        flags = (
            *TARGET_FLAGS,
            f"-mcpu={self.cpu}",
            self.opt_level,
            "-mllvm",
            f"-bpf-stack-size={self.stack_size}",
        )
        if self.function_sections:
            flags = (*flags, "-ffunction-sections")
        return (*flags, *self.extra_flags)


DEFAULT_OPTIONS = CompilerOptions()


def compiler_command() -> tuple[str, ...]:
    """The C compiler: the ziglang clang of the running interpreter's environment."""
    return (sys.executable, "-m", "ziglang", "cc")


def compiler_version() -> str:
    """Version of the ``ziglang`` distribution providing the compiler."""
    try:
        return metadata.version("ziglang")
    except metadata.PackageNotFoundError as exc:
        raise CompileError("the ziglang package (the C compiler) is not installed") from exc


def _prefix_root(source: Path, include_dirs: Sequence[Path]) -> Path:
    """Deepest directory containing the source and every include dir, mapped to '.'."""
    paths = [str(source.parent), *(str(d) for d in include_dirs)]
    return Path(os.path.commonpath(paths))


def compile_command(
    source: Path,
    output: Path,
    *,
    include_dirs: Sequence[Path] = (),
    options: CompilerOptions = DEFAULT_OPTIONS,
) -> tuple[str, ...]:
    """The exact command :func:`compile_c` runs (absolute paths, for reproducibility)."""
    source = source.resolve()
    includes = [d.resolve() for d in include_dirs]
    root = _prefix_root(source, includes)
    return (
        *compiler_command(),
        *options.flags(),
        f"-ffile-prefix-map={root}=.",
        *(f"-I{d}" for d in includes),
        "-c",
        str(source),
        "-o",
        str(output.resolve()),
    )


def compile_c(
    source: Path,
    output: Path,
    *,
    include_dirs: Sequence[Path] = (),
    options: CompilerOptions = DEFAULT_OPTIONS,
) -> bytes:
    """Compile one C file to a BPF object at ``output`` and return the object's bytes.

    Raises CompileError with the compiler's diagnostics if compilation fails.
    """
    if not source.is_file():
        raise CompileError("no such C source file", source=source)
    command = compile_command(source, output, include_dirs=include_dirs, options=options)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CompileError(f"could not run the compiler: {exc}", source=source) from exc
    if completed.returncode != 0:
        raise CompileError(
            f"compiler exited with status {completed.returncode}",
            source=source,
            stderr=completed.stderr,
            command=command,
        )
    return output.read_bytes()
