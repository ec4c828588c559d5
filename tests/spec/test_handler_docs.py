"""Each handler's account list is written next to its definition (generated from the spec),
and ``sessions codegen --check`` fails when a block is missing, stale or has no handler."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sessions_tools.paths
from sessions_client.instructions import INSTRUCTIONS
from sessions_tools.cli import app
from sessions_tools.codegen.artifacts import GENERATORS, stale_artifacts, write_artifacts
from sessions_tools.codegen.c_dispatch import handler_name
from sessions_tools.codegen.c_handler_docs import HandlerDocsError, render_block, rewrite

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "program" / "src").glob("*.c"))
LIFECYCLE = "program/src/lifecycle.c"


def checkout(tmp_path: Path) -> Path:
    """A copy of what codegen reads and writes: the generated files and the C sources."""
    for rel in GENERATORS:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    shutil.copytree(REPO / "program" / "src", tmp_path / "program" / "src")
    assert stale_artifacts(tmp_path) == []
    return tmp_path


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_handler_definition_has_its_accounts_above_it() -> None:
    text = "\n".join(path.read_text() for path in SOURCES)
    for spec in INSTRUCTIONS:
        head = f"u64 {handler_name(spec)}(const Context *ctx) {{"
        assert text.count(head) == 1, head
        above = text[: text.index(head)]
        block = above[above.rindex("/* ACCOUNTS of ") :]
        assert block.startswith(f"/* ACCOUNTS of {spec.name} (generated from the spec")
        assert block == render_block(spec)
        for index, account in enumerate(spec.accounts):
            line = re.search(rf"^ \*   \[{index}\] {account.name}: ([^.]*)\.", block, re.M)
            assert line is not None, (spec.name, account.name)
            flags = line.group(1).split(", ")
            assert ("signer" in flags, "writable" in flags) == (account.signer, account.writable)


def test_a_stale_block_fails_the_check_and_codegen_rewrites_it(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    edit(root, LIFECYCLE, " *   [0] owner: signer.", " *   [0] owner: read-only.")
    assert stale_artifacts(root) == [LIFECYCLE]
    assert write_artifacts(root) == [root / LIFECYCLE]
    assert (root / LIFECYCLE).read_text() == (REPO / LIFECYCLE).read_text()
    assert write_artifacts(root) == []


def test_a_missing_block_is_stale_and_a_handwritten_comment_stays(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    expire = next(ix for ix in INSTRUCTIONS if ix.name == "expire_session")
    edit(root, LIFECYCLE, render_block(expire), "")
    assert stale_artifacts(root) == [LIFECYCLE]
    write_artifacts(root)
    text = (root / LIFECYCLE).read_text()
    assert text == (REPO / LIFECYCLE).read_text()
    handwritten = "/* Permissionless: once the deadline has passed"
    assert text.index(handwritten) < text.index(render_block(expire))


def test_handlers_and_spec_must_match_one_to_one(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    (root / "program" / "src" / "extra.c").write_text(
        '#include "program.h"\n\nu64 process_bogus(const Context *ctx) {\n    return 0;\n}\n'
    )
    edit(root, LIFECYCLE, "u64 process_pause_session(", "u64 process_pause_session_v0(")
    problems = stale_artifacts(root)
    assert "program/src/extra.c: process_bogus is not the handler of any instruction" in (
        " ".join(problems)
    )
    assert any("process_pause_session_v0 is not the handler" in p for p in problems)
    assert any(
        "no definition of u64 process_pause_session(const Context *ctx)" in p for p in problems
    )
    with pytest.raises(HandlerDocsError, match="process_bogus"):
        write_artifacts(root)


def test_a_handler_in_a_new_file_gets_its_block(tmp_path: Path) -> None:
    """Handlers are found by spec name in any source file (another engineer's execute.c)."""
    root = checkout(tmp_path)
    lifecycle = root / LIFECYCLE
    text = lifecycle.read_text()
    start = text.index("/* ACCOUNTS of pause_session")
    end = text.index("/* ACCOUNTS of resume_session")
    moved = text[text.index("u64 process_pause_session", start) : end]  # without its block
    lifecycle.write_text(text[:start] + text[end:])
    (root / "program" / "src" / "paused.c").write_text(f'#include "program.h"\n\n{moved}')
    assert stale_artifacts(root) == ["program/src/paused.c"]
    write_artifacts(root)
    pause = next(ix for ix in INSTRUCTIONS if ix.name == "pause_session")
    assert render_block(pause) in (root / "program" / "src" / "paused.c").read_text()
    assert stale_artifacts(root) == []


def test_rewriting_is_idempotent() -> None:
    specs = {handler_name(ix): ix for ix in INSTRUCTIONS}
    for path in SOURCES:
        once, _ = rewrite(path.read_text(), specs)
        assert rewrite(once, specs)[0] == once


def test_the_cli_check_exits_nonzero_on_a_stale_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = checkout(tmp_path)
    monkeypatch.setattr(sessions_tools.paths, "repo_root", lambda: root)
    assert CliRunner().invoke(app, ["codegen", "--check"]).exit_code == 0
    edit(root, LIFECYCLE, " *   [1] session: writable.", " *   [1] session: anything.")
    result = CliRunner().invoke(app, ["codegen", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert LIFECYCLE in result.output
