"""``sessions localnet`` as a user starts it: its own process, the repository's localnet.toml.

Tests that must talk to the real command (the TypeScript suite, ``sessions
watch``) start it here on a free port (``--port 0``) and read the URLs and the
node identity from the announcement the process itself prints; before a test
runs, ``getIdentity`` at that URL must answer the same fresh key, so a test can
only ever reach its own server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
ANNOUNCE: Final = re.compile(
    r"JSON-RPC on (http://\S+), PubSub on (ws://\S+), identity ([1-9A-HJ-NP-Za-km-z]{32,44})"
)
START_TIMEOUT: Final = 120.0
"""Generous: the first start may build the program."""


@dataclass(frozen=True)
class LocalnetProcess:
    """A running ``sessions localnet`` and the URLs it announced."""

    url: str
    ws_url: str
    identity: str
    process: subprocess.Popen[str]


def answered_identity(url: str) -> str:
    """What ``getIdentity`` at ``url`` answers (the node's identity key, base58)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getIdentity"}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    return str(answer["result"]["identity"])


def sessions_command() -> list[str]:
    """The ``sessions`` console script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("sessions")
    if not script.is_file():
        raise RuntimeError(f"{script} is missing: install the project (scripts/dev.py) first")
    return [str(script)]


@contextmanager
def sessions_localnet(config: Path = ROOT / "localnet.toml") -> Iterator[LocalnetProcess]:
    """Start ``sessions localnet --config CONFIG --port 0``; stop it on exit."""
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1"}  # one unwrapped announce line
    process = subprocess.Popen(
        [*sessions_command(), "localnet", "--config", str(config), "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    found: list[re.Match[str]] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            match = ANNOUNCE.search(line)
            if match and not found:
                found.append(match)
                ready.set()
        ready.set()  # EOF: the process ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.wait(0.1):
            if time.monotonic() > deadline:
                raise RuntimeError(f"sessions localnet did not announce itself:\n{''.join(seen)}")
        if not found:
            raise RuntimeError(f"sessions localnet exited early:\n{''.join(seen)}")
        url, ws_url, identity = found[0].groups()
        if answered_identity(url) != identity:
            raise RuntimeError(f"{url} is another server, not the sessions localnet started here")
        yield LocalnetProcess(url, ws_url, identity, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(5)
