"""The library stands alone: a fresh virtual environment with only its base dependencies
imports ``sessions_client`` and drives a session through its lifecycle against a running
``sessions localnet``.

The environment is created here each run (``python -m venv``, no pip of its own: the
suite's pip installs into it with ``--python``); its base dependencies are installed at
the versions this suite runs with (within the declared ranges, so pip's cache serves
them), the project itself with ``--no-deps``. The localnet is the ``sessions localnet``
command of this environment, on a free port, with a preloaded nonce account the script
must find, so it talks to the process started here.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from solders.keypair import Keypair

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("fresh_venv_lifecycle.py")
ANNOUNCE = re.compile(r"JSON-RPC on (http://127\.0\.0\.1:\d+)")
START_TIMEOUT = 60.0

pytestmark = pytest.mark.localnet


def base_dependencies() -> list[str]:
    """The project's base dependencies, pinned to the versions installed here."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0] for spec in declared]
    assert names == ["solders", "solana", "cachetools"], names
    return [f"{name}=={importlib.metadata.version(name)}" for name in names]


def quiet(*command: str) -> None:
    """Run ``command``; its output only matters when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def own_localnet(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """``sessions localnet`` on a free port, with a nonce account only it holds."""
    nonce = str(Keypair().pubkey())
    lamports = 1_000_000_000 + secrets.randbelow(10**9)
    config = tmp_path / "localnet.toml"
    config.write_text(
        '[server]\nhost = "127.0.0.1"\n\n'
        '[[programs]]\nname = "sessions"\n'
        'program_id = "DGGjrmCF2r1SLvSiFZ8PcMruj5XtrHz9HPPMwgJ5aipd"\nbuild = "sessions"\n\n'
        f'[[accounts]]\naddress = "{nonce}"\nlamports = {lamports}\n'
    )
    command = [str(Path(sys.executable).with_name("sessions")), "localnet"]
    process = subprocess.Popen(
        [*command, "--config", str(config), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        seen = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = ANNOUNCE.search(line)
            if found:
                yield found.group(1), nonce, lamports
                break
        else:
            pytest.fail(f"sessions localnet did not announce its port: {''.join(seen)}")
        if not seen or not ANNOUNCE.search(seen[-1]):
            pytest.fail(f"sessions localnet exited: {''.join(seen)}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_fresh_environment_runs_a_lifecycle(
    tmp_path: Path, own_localnet: tuple[str, str, int]
) -> None:
    url, nonce, lamports = own_localnet
    venv = tmp_path / "venv"
    quiet(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet")
    quiet(*pip, *base_dependencies())
    quiet(*pip, "--no-deps", str(REPO))
    run = subprocess.run(
        [str(python), str(SCRIPT), url, nonce, str(lamports)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the checkout: the installed copy must be the one imported
        env={k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        "lifecycle ok: CREATED -> ACTIVE -> PAUSED -> ACTIVE -> CLOSED"
    ), run.stdout
