"""Session decoding speed: our compiled codec vs anchorpy3's construct-based account coder.

Both decode the same bytes, a real Active session account the program wrote
in :class:`~sessions_tools.svm.SessionsSVM`. Ours runs here; anchorpy's
runs in ``.venv-anchorpy`` (it cannot be installed next to solders 0.29) as a
small script that reads the bytes and the IDL path, times the same loop and
prints its rate as JSON. Each side takes the best of a few timed rounds after
a warm-up, so a scheduling hiccup does not decide the ratio.

``python -m sessions_tools.bench.decode_bench [N]`` prints the result.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Final

from sessions_client.accounts import decode_session
from sessions_client.types import SessionStatus
from sessions_tools.interop.anchorpy_env import run_in_anchorpy_env
from sessions_tools.interop.fixtures import sample_session_account
from sessions_tools.paths import project_paths

ROUNDS: Final = 3

#: Runs in the anchorpy environment: argv = [idl path, n, rounds], stdin = base64 account.
_ANCHORPY_TIMER: Final = r"""
import base64, json, sys, time
from anchorpy import Idl, Program, Provider, Wallet
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

idl_text = open(sys.argv[1]).read()
n, rounds = int(sys.argv[2]), int(sys.argv[3])
data = base64.b64decode(sys.stdin.read())
idl = Idl.from_json(idl_text)
address = Pubkey.from_string(json.loads(idl_text)["address"])
program = Program(idl, address, Provider(AsyncClient("http://127.0.0.1:1"), Wallet.dummy()))
decode = program.coder.accounts.decode
session = decode(data)
assert type(session.status).__name__ == "Active", session.status
for _ in range(max(1, n // 10)):
    decode(data)
best = float("inf")
for _ in range(rounds):
    start = time.perf_counter()
    for _ in range(n):
        decode(data)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"per_s": n / best, "status": type(session.status).__name__}))
"""


def _ours_per_s(data: bytes, n: int, rounds: int) -> float:
    if decode_session(data).status is not SessionStatus.ACTIVE:
        raise RuntimeError("sample account is not an Active session")
    for _ in range(max(1, n // 10)):
        decode_session(data)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            decode_session(data)
        best = min(best, time.perf_counter() - start)
    return n / best


def _anchorpy_per_s(data: bytes, n: int, rounds: int, idl: Path, root: Path | None) -> float:
    proc = run_in_anchorpy_env(
        ["-c", _ANCHORPY_TIMER, str(idl), str(n), str(rounds)],
        root=root,
        input_text=base64.b64encode(data).decode(),
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"anchorpy timing failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(result["per_s"])


def measure_decode(
    n: int = 2_000,
    *,
    rounds: int = ROUNDS,
    root: Path | None = None,
    program: bytes | None = None,
) -> dict[str, float]:
    """Decodes per second of the same Session account: ours, anchorpy's, and ours / anchorpy's."""
    if n < 1 or rounds < 1:
        raise ValueError("n and rounds must be positive")
    data = sample_session_account(program)
    ours = _ours_per_s(data, n, rounds)
    anchorpy = _anchorpy_per_s(data, n, rounds, project_paths().idl, root)
    return {"ours_per_s": ours, "anchorpy_per_s": anchorpy, "ratio": ours / anchorpy}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    result = measure_decode(int(args[0]) if args else 2_000)
    print(json.dumps({k: round(v, 1) for k, v in result.items()}))


if __name__ == "__main__":
    main()
