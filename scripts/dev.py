#!/usr/bin/env python3
"""One entry point for a fresh checkout: create the environment, then run something.

    python3 scripts/dev.py demo    # install, build the program, run the lifecycle demo
    python3 scripts/dev.py test    # install, then lint, type-check and run the whole suite
    python3 scripts/dev.py bench   # install, then `sessions bench --json`

Only the standard library is used here, because nothing else exists yet on a
fresh machine. The virtual environment is ``.venv`` in the checkout; it is
(re)installed whenever ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-pyproject.sha256"
PYTEST_NO_TESTS = 5


def run(*args: str | Path) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by any python3
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[tools,test]") != 0:
        sys.exit("installing the project failed")
    STAMP.write_text(wanted + "\n")


def test(extra: list[str]) -> int:
    steps: list[tuple[str | Path, ...]] = [
        (BIN / "sessions", "codegen", "--check"),
        (BIN / "ruff", "check", "."),
        (BIN / "mypy", "--strict"),
    ]
    for step in steps:
        code = run(*step)
        if code != 0:
            return code
    code = run(BIN / "python", "-m", "pytest", *extra)
    if code == PYTEST_NO_TESTS:
        print("pytest collected no tests: that is a failure here", file=sys.stderr)
        return 1
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "bench", "sessions"}:
        print(__doc__)
        return 2
    ensure_environment()
    command, extra = argv[0], argv[1:]
    if command == "demo":
        return run(BIN / "sessions", "demo", *extra)
    if command == "bench":
        return run(BIN / "sessions", "bench", "--json", *extra)
    if command == "sessions":
        return run(BIN / "sessions", *extra)
    return test(extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
