"""C housekeeping: shared constants in one header, no call with more than five arguments,
each handler's accounts documented where it is declared (generated from the spec)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from sessions_client.instructions import INSTRUCTIONS

PROGRAM = Path(__file__).resolve().parents[2] / "program"
SOURCES = sorted((PROGRAM / "src").glob("*.c")) + sorted((PROGRAM / "include").glob("*.h"))
MAX_ARGS = 5
#: A function definition: its qualifiers and return type (an ``__attribute__((...))`` first
#: included), name, parameters, then ``{``.
DEFINITION = re.compile(
    r"^((?:__attribute__\(\(\w+\)\)\s+)?[A-Za-z_][\w \*]*?)\b(\w+)\(([^;{}()]*)\)\s*\{", re.M
)


def definitions() -> list[tuple[str, str, str, int]]:
    """(file, qualifiers, name, parameter count) of every function defined in the program."""
    found = []
    for path in SOURCES:
        for qualifiers, name, params in DEFINITION.findall(path.read_text()):
            if name in {"if", "for", "while", "switch"}:
                continue
            count = 0 if params.strip() in {"", "void"} else params.count(",") + 1
            found.append((path.name, qualifiers, name, count))
    return found


def test_helpers_with_more_than_five_arguments_are_always_inline() -> None:
    found = definitions()
    assert len(found) > 30  # the scan sees the program
    wide = [(f, q, n) for f, q, n, count in found if count > MAX_ARGS]
    assert wide  # init_session and invoke_system take more than five
    assert [(f, n) for f, q, n in wide if "SOL_ALWAYS_INLINE" not in q] == []


def test_no_constant_is_defined_in_two_files() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for path in SOURCES:
        for name in re.findall(r"^#define (\w+)", path.read_text(), re.M):
            where[name].add(path.name)
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_each_handler_is_declared_with_its_accounts() -> None:
    header = (PROGRAM / "include" / "sessions_dispatch.h").read_text()
    for spec in INSTRUCTIONS:
        block = header[: header.index(f"u64 process_{spec.name}(const Context *ctx);")]
        block = block[block.rindex("/*") :]
        for index, account in enumerate(spec.accounts):
            assert f"[{index}] IX_{spec.name.upper()}_ACC_{account.name.upper()}:" in block
