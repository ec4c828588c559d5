"""build_program: deterministic output, content-stamped staleness, atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from sessions_tools.sbf import (
    DEFAULT_OPTIONS,
    BuildResult,
    CompileError,
    CompilerOptions,
    WritableSectionError,
    build_program,
    compile_c,
    link,
)
from sessions_tools.sbf.build import stamp_path

from .support import C_DIR, FUNCTION_SECTIONS, ProgramRunner


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the multi-file fixture, free to edit."""
    root = tmp_path / "multi"
    shutil.copytree(C_DIR / "multi", root)
    return root


def _build(
    project: Path, out: Path, *, force: bool = False, options: CompilerOptions = DEFAULT_OPTIONS
) -> BuildResult:
    return build_program(project / "src", [project / "include"], out, force=force, options=options)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def test_build_writes_program_and_stamp(
    project: Path, tmp_path: Path, runner: ProgramRunner
) -> None:
    out = tmp_path / "out" / "multi.so"
    result = _build(project, out)
    data = out.read_bytes()
    assert result.rebuilt
    assert result.path == out
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert set(result.syscalls) == {"sol_log_", "sol_set_return_data"}
    stamp = json.loads(stamp_path(out).read_text())
    assert stamp["sha256"] == result.sha256
    assert len(stamp["fingerprint"]) == 64
    assert not list(project.rglob("*.o")), "objects must be built outside the source tree"
    assert {p.name for p in out.parent.iterdir()} == {"multi.so", "multi.so.stamp"}

    program = runner.load(data)
    run = runner.invoke(program, b"\x07")
    assert run.ok, run
    assert int.from_bytes(run.return_data, "little") == 21
    # __FILE__ is prefix-mapped: no absolute checkout path ends up in the program
    assert "Program log: src/main.c" in run.logs, "\n".join(run.logs)
    assert str(tmp_path).encode() not in data


def test_same_sources_anywhere_give_identical_bytes(tmp_path: Path) -> None:
    first = tmp_path / "a" / "multi"
    second = tmp_path / "deeper" / "path" / "b" / "multi"
    shutil.copytree(C_DIR / "multi", first)
    shutil.copytree(C_DIR / "multi", second)
    one = _build(first, tmp_path / "one.so")
    two = _build(second, tmp_path / "two.so")
    again = _build(first, tmp_path / "one.so", force=True)
    assert one.sha256 == two.sha256 == again.sha256
    assert (tmp_path / "one.so").read_bytes() == (tmp_path / "two.so").read_bytes()


def test_objects_and_links_are_deterministic(tmp_path: Path) -> None:
    source = C_DIR / "callx.c"
    first = compile_c(source, tmp_path / "1.o", include_dirs=[C_DIR])
    second = compile_c(source, tmp_path / "sub" / "2.o", include_dirs=[C_DIR])
    assert first == second
    assert link([first]).so == link([tmp_path / "sub" / "2.o"]).so


def test_unchanged_build_is_skipped(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    first = _build(project, out)
    before = _mtime(out)
    second = _build(project, out)
    assert not second.rebuilt
    assert (second.sha256, second.size, second.syscalls) == (
        first.sha256,
        first.size,
        first.syscalls,
    )
    assert _mtime(out) == before


def test_header_edit_triggers_rebuild(project: Path, tmp_path: Path, runner: ProgramRunner) -> None:
    out = tmp_path / "multi.so"
    first = _build(project, out)
    header = project / "include" / "multi.h"
    header.write_text(header.read_text().replace("MULTI_SCALE 3", "MULTI_SCALE 4"))
    second = _build(project, out)
    assert second.rebuilt
    assert second.sha256 != first.sha256
    assert runner.returns_u64(runner.load(out.read_bytes()), b"\x05") == 20


def test_touch_without_content_change_does_not_rebuild(project: Path, tmp_path: Path) -> None:
    """Staleness is content-based: a fresh checkout or a touched file costs nothing."""
    out = tmp_path / "multi.so"
    _build(project, out)
    header = project / "include" / "multi.h"
    os.utime(header, ns=(_mtime(header) + 10**9, _mtime(header) + 10**9))
    assert not _build(project, out).rebuilt


def test_new_header_triggers_rebuild(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    _build(project, out)
    (project / "include" / "extra.h").write_text("#pragma once\n")
    assert _build(project, out).rebuilt


def test_flag_change_triggers_rebuild(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    _build(project, out)
    assert _build(project, out, options=FUNCTION_SECTIONS).rebuilt
    assert not _build(project, out, options=FUNCTION_SECTIONS).rebuilt


def test_damaged_output_is_rebuilt(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    first = _build(project, out)
    out.write_bytes(b"garbage")
    second = _build(project, out)
    assert second.rebuilt
    assert second.sha256 == first.sha256
    out.unlink()
    assert _build(project, out).rebuilt


def test_force_rebuilds(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    _build(project, out)
    assert _build(project, out, force=True).rebuilt


def test_failed_build_keeps_previous_output(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "multi.so"
    _build(project, out)
    good, stamp = out.read_bytes(), stamp_path(out).read_text()
    (project / "src" / "util.c").write_text("this is not C\n")
    with pytest.raises(CompileError) as raised:
        _build(project, out)
    assert raised.value.source == project.resolve() / "src" / "util.c"
    assert "error" in raised.value.stderr
    assert out.read_bytes() == good
    assert stamp_path(out).read_text() == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".multi.so.")]


def test_link_errors_name_the_source_file(project: Path, tmp_path: Path) -> None:
    (project / "src" / "state.c").write_text("unsigned long counter;\n")
    with pytest.raises(WritableSectionError) as raised:
        _build(project, tmp_path / "multi.so")
    assert raised.value.file == "state.c"
    assert raised.value.symbol == "counter"
    assert not (tmp_path / "multi.so").exists()


def test_no_sources_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with pytest.raises(CompileError, match=r"no \.c files"):
        build_program(tmp_path / "src", [], tmp_path / "x.so")
