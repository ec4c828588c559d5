"""The library imports no tool: a test fails if it does.

(a) After ``import sessions_client`` (and every one of its modules) in a fresh
interpreter, none of the tools' packages is loaded: starlette, uvicorn, websockets,
ziglang, elftools (pyelftools), typer, rich, sessions_tools, simulator.
(b) ``solders.litesvm`` cannot be checked that way: ``solders/__init__.py`` itself imports
it whenever it is installed, so any ``import solders...`` loads it (solders' doing, not
ours). Instead no module of sessions_client may import solders.litesvm, sessions_tools or
simulator anywhere in its source (checked on the syntax tree, including imports inside
functions and under TYPE_CHECKING).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import sessions_client

ROOT = Path(sessions_client.__file__).parent
FORBIDDEN_LOADED = (
    "starlette",
    "uvicorn",
    "websockets",
    "ziglang",
    "elftools",
    "typer",
    "rich",
    "sessions_tools",
    "simulator",
)
FORBIDDEN_IMPORTS = ("solders.litesvm", "sessions_tools", "simulator")
MODULES = sorted(f"sessions_client.{m.name}" for m in pkgutil.iter_modules([str(ROOT)]))


def test_importing_the_library_loads_no_tool() -> None:
    code = (
        "import importlib, json, sys\n"
        "import sessions_client\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(run.stdout))
    assert "sessions_client" in loaded
    assert "solders" in loaded
    assert loaded.isdisjoint(FORBIDDEN_LOADED), loaded & set(FORBIDDEN_LOADED)


def _imported_names(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IMPORTS)


def test_no_library_module_imports_a_tool() -> None:
    sources = sorted(ROOT.rglob("*.py"))
    assert len(sources) >= len(MODULES)
    found = {
        str(path.relative_to(ROOT)): bad
        for path in sources
        if (bad := [n for n in _imported_names(ast.parse(path.read_text())) if _forbidden(n)])
    }
    assert found == {}


def test_the_static_check_sees_forbidden_imports() -> None:
    """The check above can fail: each spelling of a forbidden import is caught."""
    for source in (
        "from solders import litesvm",
        "import solders.litesvm",
        "from solders.litesvm import LiteSVM",
        "def f():\n    from sessions_tools.svm import SessionsSVM",
        "if TYPE_CHECKING:\n    import simulator",
    ):
        assert any(_forbidden(n) for n in _imported_names(ast.parse(source))), source
    assert not any(_forbidden(n) for n in _imported_names(ast.parse("import simulatorx")))
