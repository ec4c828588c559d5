"""The simulator stands alone: no SVM, no copies of the mirror's schema."""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import simulator
from sessions_client import errors, events, types

MODULES = sorted(m.name for m in pkgutil.iter_modules(simulator.__path__))


def test_no_module_loads_the_svm() -> None:
    """Importing every module loads neither the SVM harness nor the program build.

    (``solders`` itself loads its LiteSVM extension with any submodule, so the check is on
    our own imports: the harness, and any import of litesvm in the simulator's source.)
    """
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('simulator.' + name)\n"
        "loaded = {'sessions_tools.svm', 'sessions_tools.program_build'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    for path in Path(simulator.__file__).parent.glob("*.py"):
        imports = [
            line.strip()
            for line in path.read_text().splitlines()
            if line.strip().startswith(("import ", "from "))
        ]
        assert not [line for line in imports if "litesvm" in line], path
        assert not [line for line in imports if "sessions_tools" in line], path


def test_no_copies_of_the_mirrors_schema() -> None:
    mirrored = {
        name
        for module in (types, events, errors)
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and obj.__module__ == module.__name__
    }
    for name in MODULES:
        module = importlib.import_module(f"simulator.{name}")
        own = {
            cls_name
            for cls_name, obj in vars(module).items()
            if inspect.isclass(obj) and obj.__module__ == module.__name__
        }
        assert not own & mirrored, (name, own & mirrored)
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                assert not issubclass(obj, enum.IntEnum), obj


def test_the_public_api() -> None:
    for name in simulator.__all__:
        assert getattr(simulator, name) is not None
