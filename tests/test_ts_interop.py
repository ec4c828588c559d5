"""The TypeScript clients against ``sessions localnet``: runs the suite in tests/ts.

@solana/kit, @solana/web3.js, Anchor TS and a Codama-rendered Kit client
(versions pinned in tests/ts/package.json and package-lock.json) talk to a
``sessions localnet`` process started from the repository's localnet.toml.
node and npm are required: without them this test fails, it never skips.
``npm ci`` runs when node_modules is missing or older than the lockfile.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from typing import Final

import pytest
from localnet_process import ROOT, sessions_localnet

from sessions_tools.paths import project_paths

pytestmark = pytest.mark.localnet

SUITE: Final = ROOT / "tests" / "ts"
STAMP: Final = SUITE / "node_modules" / ".sessions-lock-sha256"
NODE_TEST_COUNTS: Final = re.compile(r"^# (pass|fail|cancelled|skipped|todo) (\d+)$", re.MULTILINE)


def require_tool(name: str) -> str:
    """The tool's path; its absence is a failure of this test, not a reason to skip."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not on PATH: the TypeScript interop suite needs Node.js >= 20.18 and npm"
        )
    return found


def lock_digest() -> str:
    return hashlib.sha256((SUITE / "package-lock.json").read_bytes()).hexdigest()


def ensure_node_modules(npm: str) -> None:
    """``npm ci`` unless node_modules was installed from this very lockfile."""
    if STAMP.is_file() and STAMP.read_text() == lock_digest():
        return
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=SUITE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    STAMP.write_text(lock_digest())


def node_test_counts(output: str) -> dict[str, int]:
    """The closing counts of node's test runner (tap reporter): ``# pass N`` and friends."""
    return {name: int(count) for name, count in NODE_TEST_COUNTS.findall(output)}


def test_node_test_counts_are_read_from_the_runner_summary() -> None:
    sample = "ok 1 - a\n# tests 3\n# pass 2\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0\n"
    assert node_test_counts(sample) == {
        "pass": 2,
        "fail": 1,
        "cancelled": 0,
        "skipped": 0,
        "todo": 0,
    }
    assert node_test_counts("no summary at all") == {}


def test_typescript_clients_against_sessions_localnet() -> None:
    node, npm = require_tool("node"), require_tool("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major, minor = (int(part) for part in version.stdout.strip().lstrip("v").split(".")[:2])
    assert (major, minor) >= (20, 18), f"Node.js {version.stdout.strip()} is too old (>= 20.18)"
    ensure_node_modules(npm)
    with sessions_localnet() as localnet:
        env = {
            **os.environ,
            "SESSIONS_RPC_URL": localnet.url,
            "SESSIONS_WS_URL": localnet.ws_url,
            "SESSIONS_IDL": str(project_paths().idl),
            "NO_COLOR": "1",
        }
        proc = subprocess.run(
            [npm, "test", "--silent"],
            cwd=SUITE,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    output = proc.stdout + proc.stderr
    counts = node_test_counts(proc.stdout)
    assert proc.returncode == 0, output[-6000:]
    assert counts.get("pass", 0) > 0, output[-6000:]
    assert counts.get("fail") == 0, output[-6000:]
    assert counts.get("skipped") == 0, output[-6000:]
    assert counts.get("todo") == 0, output[-6000:]
    assert counts.get("cancelled") == 0, output[-6000:]
    print(f"TypeScript suite: {counts['pass']} passed")
