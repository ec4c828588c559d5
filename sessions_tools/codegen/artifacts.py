"""The generated artifacts as a set: write them, or check the committed copies are current.

Two kinds: whole files (:data:`GENERATORS`), and the handler sources in
``program/src``, of which only the account block above each handler is generated
(:mod:`sessions_tools.codegen.c_handler_docs`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from sessions_tools.codegen.c_dispatch import DISPATCH_PATH, render_dispatch
from sessions_tools.codegen.c_events import EVENTS_HEADER_PATH, render_events_header
from sessions_tools.codegen.c_handler_docs import HandlerDocsError, handler_sources
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
    EVENTS_HEADER_PATH: render_events_header,
    EMIT_PATH: render_emit,
}


def _rendered(root: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Every generated text by relative path, and the handler/spec mismatches."""
    texts = {rel: render() for rel, render in GENERATORS.items()}
    handlers = handler_sources(root)
    texts.update(handlers.texts)
    return texts, handlers.problems


def write_artifacts(root: Path) -> list[Path]:
    """Regenerate every artifact under ``root``; returns the files whose text changed.

    Raises HandlerDocsError (before writing anything) when the handlers in
    ``program/src`` and the spec's instructions do not match one to one.
    """
    texts, problems = _rendered(root)
    if problems:
        raise HandlerDocsError("; ".join(problems))
    changed = []
    for rel, text in texts.items():
        path = root / rel
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


def stale_artifacts(root: Path) -> list[str]:
    """What is not current: relative paths whose committed text differs from a fresh
    generation (a missing or stale handler block included), then each handler/spec
    mismatch as a sentence."""
    texts, problems = _rendered(root)
    stale = [
        rel
        for rel, text in texts.items()
        if not (root / rel).exists() or (root / rel).read_text() != text
    ]
    return stale + list(problems)
