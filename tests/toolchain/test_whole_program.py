"""build_program(whole_program=True): the sources compiled as one translation unit (how the
sessions program is built) behave as the per-file build, inline across files, are stamped
apart from it and are byte-identical wherever the checkout is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sessions_tools.sbf import BuildResult, CompileError, build_program
from sessions_tools.sbf.build import stamp_path

from .support import C_DIR, ProgramRunner


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "multi"
    shutil.copytree(C_DIR / "multi", root)
    return root


def _build(project: Path, out: Path, *, whole: bool) -> BuildResult:
    return build_program(project / "src", [project / "include"], out, whole_program=whole)


def _fingerprint(out: Path) -> str:
    return str(json.loads(stamp_path(out).read_text())["fingerprint"])


def test_whole_program_behaves_as_the_per_file_build(
    project: Path, tmp_path: Path, runner: ProgramRunner
) -> None:
    per_file = _build(project, tmp_path / "per-file.so", whole=False)
    whole = _build(project, tmp_path / "whole.so", whole=True)
    runs = [runner.invoke(runner.load(r.path.read_bytes()), b"\x07") for r in (per_file, whole)]
    assert all(run.ok for run in runs), runs
    assert runs[0].return_data == runs[1].return_data == (21).to_bytes(8, "little")
    # __FILE__ reads as in the per-file build, relative to the sources' root
    assert all("Program log: src/main.c" in run.logs for run in runs), runs
    assert whole.syscalls == per_file.syscalls
    # util.c's multi_scale is inlined into main.c's entrypoint: no call, fewer CU
    assert whole.sha256 != per_file.sha256
    assert runs[1].compute_units < runs[0].compute_units, runs


def test_the_mode_is_part_of_the_fingerprint(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    per_file = _build(project, out, whole=False)
    first = _fingerprint(out)
    switched = _build(project, out, whole=True)
    assert switched.rebuilt
    assert _fingerprint(out) != first
    assert not _build(project, out, whole=True).rebuilt
    assert _build(project, out, whole=False).sha256 == per_file.sha256


def test_whole_program_bytes_do_not_depend_on_the_checkout(tmp_path: Path) -> None:
    """The unit is written in a temporary directory; the build still maps the sources' root
    to '.', so no path of this machine reaches the program."""
    first = tmp_path / "a" / "multi"
    second = tmp_path / "deeper" / "path" / "b" / "multi"
    shutil.copytree(C_DIR / "multi", first)
    shutil.copytree(C_DIR / "multi", second)
    one = _build(first, tmp_path / "one.so", whole=True)
    two = _build(second, tmp_path / "two.so", whole=True)
    assert one.sha256 == two.sha256
    assert str(tmp_path).encode() not in one.path.read_bytes()


def test_file_static_names_must_be_distinct(project: Path, tmp_path: Path) -> None:
    """One translation unit has one file scope: two files' statics of the same name build
    per file but are a compile error as a whole program, never a silent merge."""
    for name in ("a", "b"):
        (project / "src" / f"{name}.c").write_text(
            '#include "multi.h"\n'
            "static u64 twice(u64 x) { return 2 * x; }\n"
            f"u64 {name}_twice(u64 x) {{ return twice(x); }}\n"
        )
    _build(project, tmp_path / "per-file.so", whole=False)
    with pytest.raises(CompileError) as raised:
        _build(project, tmp_path / "whole.so", whole=True)
    assert "redefinition" in raised.value.stderr
    assert not (tmp_path / "whole.so").exists()
