"""Rewrite the account-list comment above each handler definition in ``program/src/*.c``.

A handler's accounts are documented where the handler is written, not only on its
prototype in the generated dispatch header: directly above every
``u64 process_<name>(const Context *ctx) {`` this writes a marked block::

    /* ACCOUNTS of activate_session (generated from the spec by `sessions codegen`; do not edit):
     *   [0] owner: signer. ...
     *   [1] session: writable. ...
     */

from the instruction's :class:`~sessions_client.instructions.InstructionSpec` (index,
name, signer/writable/address/PDA flags, docs). The rest of the file is the engineer's:
only the block is replaced (or inserted), so a handwritten comment above it stays. Every
handler found in any source file is matched to the spec by name, so a new handler file
needs nothing but its definitions. ``sessions codegen --check`` reports a missing or
stale block, a ``process_`` function the spec does not name, and a spec instruction
whose handler is defined nowhere (or twice).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sessions_client.instructions import INSTRUCTIONS, InstructionSpec
from sessions_tools.codegen.c_dispatch import account_flags, handler_name

SOURCE_DIR: Final = "program/src"
#: Columns a block line may use (the program's C is formatted to 100).
WIDTH: Final = 100
_MARK: Final = "(generated from the spec by `sessions codegen`; do not edit)"
#: A handler definition, with the generated block right above it when there is one.
_DEFINITION: Final = re.compile(
    r"^(?P<block>/\* ACCOUNTS of \w+ \(generated[^\n]*\n(?: \*(?!/)[^\n]*\n)* \*/\n)?"
    r"(?P<head>u64 (?P<name>process_\w+)\(const Context \*ctx\) \{)",
    re.MULTILINE,
)


class HandlerDocsError(ValueError):
    """The handlers in the sources and the spec's instructions do not match one to one."""


@dataclass(frozen=True, slots=True)
class HandlerSources:
    """Every source file with its handler blocks regenerated, and what does not match."""

    texts: Mapping[str, str]
    problems: tuple[str, ...]


def render_block(ix: InstructionSpec) -> str:
    """The comment block for ``ix``'s handler (ends with a newline)."""
    lines = [f"/* ACCOUNTS of {ix.name} {_MARK}:"]
    for index, account in enumerate(ix.accounts):
        text = f"[{index}] {account.name}: {account_flags(account)}."
        if account.docs:
            text = f"{text} {account.docs}"
        if "*/" in text:
            raise HandlerDocsError(f"{ix.name}.{account.name}: docs may not contain '*/'")
        lines.extend(
            textwrap.wrap(text, WIDTH, initial_indent=" *   ", subsequent_indent=" *       ")
        )
    lines.append(" */")
    return "\n".join(lines) + "\n"


def rewrite(text: str, specs: Mapping[str, InstructionSpec]) -> tuple[str, list[str]]:
    """``text`` with the block above each known handler regenerated; the handlers it defines."""
    found: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        found.append(name)
        spec = specs.get(name)
        if spec is None:  # not ours to document: reported by the caller
            return match.group(0)
        return render_block(spec) + match.group("head")

    return _DEFINITION.sub(replace, text), found


def handler_sources(
    root: Path, instructions: Iterable[InstructionSpec] = INSTRUCTIONS
) -> HandlerSources:
    """The regenerated text of every ``program/src/*.c`` under ``root``."""
    specs = {handler_name(ix): ix for ix in instructions}
    texts: dict[str, str] = {}
    defined: dict[str, list[str]] = {}
    for path in sorted((root / SOURCE_DIR).glob("*.c")):
        rel = path.relative_to(root).as_posix()
        texts[rel], names = rewrite(path.read_text(), specs)
        for name in names:
            defined.setdefault(name, []).append(rel)
    problems = [
        f"{', '.join(files)}: {name} is not the handler of any instruction in the spec"
        for name, files in defined.items()
        if name not in specs
    ]
    for name in specs:
        files = defined.get(name, [])
        if not files:
            problems.append(f"{SOURCE_DIR}: no definition of u64 {name}(const Context *ctx)")
        elif len(files) > 1:
            problems.append(f"{', '.join(files)}: {name} is defined more than once")
    return HandlerSources(texts, tuple(problems))
