"""Building a program directory into an .so, skipping the work when nothing changed.

Tests, the CLI and the local validator all need the program binary; compiling
it on every call would cost seconds, and trusting file timestamps breaks on
fresh checkouts and CI caches.  So staleness is content-based: a sha256 over
every .c/.h file under the source and include directories, the compiler
flags, the ziglang version and the linker version, stored next to the output
as ``<out>.stamp``.  The output is rebuilt when that fingerprint changes or
when the .so on disk no longer has the hash the stamp recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from .compiler import DEFAULT_OPTIONS, CompilerOptions, compile_c, compiler_version
from .linker import LINKER_VERSION, link_named
from .toolchain_errors import CompileError

STAMP_FORMAT: Final = 1
_SOURCE_SUFFIXES: Final = (".c", ".h")


@dataclass(frozen=True)
class BuildResult:
    """Outcome of :func:`build_program`."""

    path: Path
    """The .so that was written or found up to date."""
    sha256: str
    """Hex sha256 of the .so bytes."""
    rebuilt: bool
    """False when the stamp showed the existing .so was already current."""
    size: int
    """Size of the .so in bytes."""
    syscalls: tuple[str, ...]
    """Syscalls the program imports."""


def stamp_path(out: Path) -> Path:
    """Where the build stamp for ``out`` lives."""
    return out.with_name(out.name + ".stamp")


def _tree_files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        (p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def fingerprint(
    sources_dir: Path,
    include_dirs: Sequence[Path],
    options: CompilerOptions,
    entry: str,
    *,
    whole_program: bool = False,
) -> str:
    """Hash of everything the output depends on (contents, not paths or mtimes)."""
    digest = hashlib.sha256()

    def feed(label: str, payload: bytes) -> None:
        digest.update(label.encode() + b"\0" + len(payload).to_bytes(8, "little") + payload)

    feed("format", str(STAMP_FORMAT).encode())
    feed("zig", compiler_version().encode())
    feed("linker", LINKER_VERSION.encode())
    feed("flags", "\0".join(options.flags()).encode())
    feed("entry", entry.encode())
    feed("whole program", b"1" if whole_program else b"0")
    roots = tuple(r.resolve() for r in (sources_dir, *include_dirs))
    # __FILE__ is relative to the roots' common directory, so their relative layout matters too.
    common = Path(os.path.commonpath([str(r) for r in roots]))
    feed("roots", "\0".join(r.relative_to(common).as_posix() for r in roots).encode())
    for position, root in enumerate(roots):
        for path in _tree_files(root, _SOURCE_SUFFIXES):
            feed(f"file {position} {path.relative_to(root).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def _read_stamp(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(stamp_path(out).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _up_to_date(out: Path, expected: str) -> BuildResult | None:
    stamp = _read_stamp(out)
    if stamp is None or stamp.get("fingerprint") != expected:
        return None
    try:
        so = out.read_bytes()
    except OSError:
        return None
    sha = hashlib.sha256(so).hexdigest()
    if sha != stamp.get("sha256"):
        return None  # the .so was replaced or damaged since it was built
    syscalls = tuple(str(name) for name in stamp.get("syscalls", ()))
    return BuildResult(path=out, sha256=sha, rebuilt=False, size=len(so), syscalls=syscalls)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _compile_all(
    sources: list[Path],
    sources_dir: Path,
    include_dirs: Sequence[Path],
    options: CompilerOptions,
    workdir: Path,
) -> list[tuple[str, bytes]]:
    """Compile in parallel; objects are named after their sources for the linker's messages."""
    outputs = [workdir / f"{position:04d}-{src.stem}.o" for position, src in enumerate(sources)]
    workers = max(1, min(len(sources), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [
            pool.submit(compile_c, src, obj, include_dirs=include_dirs, options=options)
            for src, obj in zip(sources, outputs, strict=True)
        ]
        # result() re-raises the first CompileError in source order.
        return [
            (src.relative_to(sources_dir).as_posix(), job.result())
            for src, job in zip(sources, jobs, strict=True)
        ]


def _whole_program_source(sources: list[Path], sources_dir: Path, workdir: Path) -> Path:
    """One translation unit that includes every source in order, so the compiler sees the
    whole program: it inlines across the files, which separate objects linked by our
    linker (no LTO) cannot. The sources' file-static names must then be distinct."""
    unit = workdir / "whole_program.c"
    lines = [f'#include "{src.relative_to(sources_dir).as_posix()}"' for src in sources]
    unit.write_text("\n".join(lines) + "\n")
    return unit


def _mapped_as_per_file(
    options: CompilerOptions, sources_dir: Path, include_dirs: Sequence[Path]
) -> CompilerOptions:
    """The whole-program unit lives in a temporary directory, so the compiler's own prefix
    map (the directory holding the unit and the include dirs) would be ``/`` and leave the
    checkout's path in ``__FILE__``. The sources' and include dirs' common directory is
    mapped to ``.`` as a per-file build maps it (the longer prefix wins), so the bytes are
    the same wherever the checkout is. Not part of the fingerprint: it holds a path."""
    root = os.path.commonpath([str(sources_dir), *(str(d) for d in include_dirs)])
    return replace(options, extra_flags=(*options.extra_flags, f"-ffile-prefix-map={root}=."))


def build_program(
    sources_dir: Path,
    include_dirs: Sequence[Path],
    out: Path,
    *,
    force: bool = False,
    options: CompilerOptions = DEFAULT_OPTIONS,
    entry: str = "entrypoint",
    whole_program: bool = False,
) -> BuildResult:
    """Compile every ``*.c`` under ``sources_dir`` (sorted), link, and write ``out`` atomically.

    With ``whole_program`` the sources are compiled as one translation unit (see
    :func:`_whole_program_source`) instead of one object each.
    Skips all work when ``out`` and its stamp are current, unless ``force``.
    Raises CompileError or a LinkError subclass; on failure ``out`` is untouched.
    """
    sources_dir = sources_dir.resolve()
    include_dirs = tuple(d.resolve() for d in include_dirs)
    sources = _tree_files(sources_dir, (".c",))
    if not sources:
        raise CompileError(f"no .c files under {sources_dir}")
    expected = fingerprint(sources_dir, include_dirs, options, entry, whole_program=whole_program)
    if not force:
        current = _up_to_date(out, expected)
        if current is not None:
            return current
    with tempfile.TemporaryDirectory(prefix="sbf-build-") as tmp:
        unit_options = options
        if whole_program:
            unit = _whole_program_source(sources, sources_dir, Path(tmp))
            units, unit_dir, unit_includes = [unit], Path(tmp), (sources_dir, *include_dirs)
            unit_options = _mapped_as_per_file(options, sources_dir, include_dirs)
        else:
            units, unit_dir, unit_includes = sources, sources_dir, include_dirs
        objects = _compile_all(units, unit_dir, unit_includes, unit_options, Path(tmp) / "objects")
        result = link_named(objects, entry)
    sha = hashlib.sha256(result.so).hexdigest()
    _write_atomically(out, result.so)
    stamp = {
        "format": STAMP_FORMAT,
        "fingerprint": expected,
        "sha256": sha,
        "size": len(result.so),
        "syscalls": list(result.syscalls),
        "zig": compiler_version(),
        "linker": LINKER_VERSION,
    }
    _write_atomically(stamp_path(out), (json.dumps(stamp, indent=2) + "\n").encode())
    return BuildResult(
        path=out, sha256=sha, rebuilt=True, size=len(result.so), syscalls=result.syscalls
    )
