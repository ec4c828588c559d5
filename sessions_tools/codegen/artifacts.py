"""The generated artifacts as a set: write them, or check the committed copies are current."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from sessions_tools.codegen.c_dispatch import DISPATCH_PATH, render_dispatch
from sessions_tools.codegen.c_header import (
    ERROR_TABLE_PATH,
    HEADER_PATH,
    render_error_table,
    render_header,
)
from sessions_tools.codegen.idl import render_idl
from sessions_tools.codegen.py_events import EMIT_PATH, render_emit

IDL_PATH = "idl/sessions.json"

GENERATORS: Final[dict[str, Callable[[], str]]] = {
    IDL_PATH: render_idl,
    HEADER_PATH: render_header,
    ERROR_TABLE_PATH: render_error_table,
    DISPATCH_PATH: render_dispatch,
    EMIT_PATH: render_emit,
}


def write_artifacts(root: Path) -> list[Path]:
    """Regenerate every artifact under ``root``; returns the files whose text changed."""
    changed = []
    for rel, render in GENERATORS.items():
        path = root / rel
        text = render()
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


def stale_artifacts(root: Path) -> list[str]:
    """Relative paths of artifacts whose committed text differs from a fresh generation."""
    return [
        rel
        for rel, render in GENERATORS.items()
        if not (root / rel).exists() or (root / rel).read_text() != render()
    ]
