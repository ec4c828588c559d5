"""No two public classes or modules share a name across the library, the tools and the
simulator: a name means one thing wherever a reader meets it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("sessions_client", "sessions_tools", "simulator")


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py"))


def _duplicates(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: places for name, places in found.items() if len(places) > 1}


def test_no_two_public_modules_share_a_name() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        name = path.parent.name if path.name == "__init__.py" else path.stem
        if not name.startswith("_"):
            found[name].append(str(path.relative_to(REPO)))
    assert _duplicates(found) == {}


def _type_names(tree: ast.Module) -> list[str]:
    """Public classes and CamelCase module-level type aliases (``Event = A | B``)."""
    names = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        names += [
            t.id
            for t in targets
            if isinstance(t, ast.Name) and t.id[:1].isupper() and not t.id.isupper()
        ]
    return [n for n in names if not n.startswith("_")]


def test_no_two_public_classes_or_type_aliases_share_a_name() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        for name in _type_names(ast.parse(path.read_text())):
            found[name].append(str(path.relative_to(REPO)))
    assert _duplicates(found) == {}


def test_the_scan_sees_the_packages() -> None:
    """The two checks above cannot pass by scanning nothing."""
    stems = {p.stem for p in _modules()}
    assert {"cache", "handler_registry", "chain", "solana_config"} <= stems
    events = ast.parse((REPO / "sessions_client" / "events.py").read_text())
    assert {"Event", "SessionCreated"} <= set(_type_names(events))
