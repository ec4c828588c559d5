"""Run inside a fresh virtual environment that holds only the library's base dependencies.

Usage: python fresh_venv_lifecycle.py URL NONCE_ADDRESS NONCE_LAMPORTS

Checks the environment first (none of the tools' dependencies is installed;
sessions_client is the installed copy, not a checkout, and importing it loads no tool
package), that URL is the localnet the test started (it holds the
nonce account the test preloaded), then drives one session through create -> activate ->
pause -> resume -> close with SessionsClient, checking the status after every step.
Prints one line ``lifecycle ok: <statuses>``; any failure raises.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

#: The tools' third-party dependencies: none is installed here.
TOOL_DEPENDENCIES = ("starlette", "uvicorn", "ziglang", "elftools", "typer", "rich")
#: Packages ``import sessions_client`` must not load (websockets is installed, as solana's).
NOT_LOADED = {*TOOL_DEPENDENCIES, "websockets", "sessions_tools", "simulator"}


async def lifecycle(url: str, nonce: str, nonce_lamports: int) -> list[str]:
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    from sessions_client import (
        SessionConfig,
        SessionParams,
        SessionsClient,
        SessionStatus,
    )

    async with SessionsClient(url, commitment="confirmed") as client:
        if await client.get_balance(Pubkey.from_string(nonce)) != nonce_lamports:
            raise RuntimeError(f"{url} is not the localnet this test started")
        owner = Keypair()
        await client.airdrop(owner.pubkey(), 2_000_000_000)
        params = SessionParams(SessionConfig(max_duration=3600, permissions=1, settings=0))
        created = await client.create_session(owner, None, params)
        address = created.session
        assert address is not None
        seen = [(await client.get_session(address)).status]
        for step in (client.activate_session, client.pause_session, client.resume_session):
            await step(owner, address)
            seen.append((await client.get_session(address)).status)
        await client.close_session(owner, address)
        if await client.get_sessions([address]) != [None]:
            raise RuntimeError("the closed session's account still exists")
        expected = [
            SessionStatus.CREATED,
            SessionStatus.ACTIVE,
            SessionStatus.PAUSED,
            SessionStatus.ACTIVE,
        ]
        if seen != expected:
            raise RuntimeError(f"statuses {seen}, expected {expected}")
        return [s.name for s in seen] + ["CLOSED"]


def main() -> None:
    url, nonce, nonce_lamports = sys.argv[1], sys.argv[2], int(sys.argv[3])
    installed = [n for n in TOOL_DEPENDENCIES if importlib.util.find_spec(n) is not None]
    if installed:
        raise RuntimeError(f"tool packages installed in the fresh environment: {installed}")
    import sessions_client

    where = Path(sessions_client.__file__).resolve()
    if not where.is_relative_to(Path(sys.prefix).resolve()):
        raise RuntimeError(f"sessions_client imported from {where}, not the fresh environment")
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in NOT_LOADED)
    if loaded:
        raise RuntimeError(f"import sessions_client loaded {loaded}")
    print("lifecycle ok:", " -> ".join(asyncio.run(lifecycle(url, nonce, nonce_lamports))))


if __name__ == "__main__":
    main()
