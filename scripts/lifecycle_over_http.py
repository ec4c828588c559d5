#!/usr/bin/env python3
"""Drive the whole session lifecycle over JSON-RPC with solana-py (through SessionsClient).

Starts a localnet (the embedded SVM served over Solana's JSON-RPC on
127.0.0.1) unless ``--url`` points at a running endpoint (``sessions
localnet``, ``solana-test-validator`` or devnet, where airdrops fund the
keypairs), then runs:

* create -> activate -> pause -> resume -> close, signed by the owner;
* request (by a dapp) -> approve (by the owner) -> close;

printing each step's events, compute units, fee and slot. Exits non-zero if
anything fails.

    python scripts/lifecycle_over_http.py [--url http://127.0.0.1:8899]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import enum
import sys
from collections.abc import Awaitable, Callable

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client.client import SessionsClient, TransactionResult
from sessions_client.constants import Permission
from sessions_client.events import Event
from sessions_client.types import SessionStatus
from sessions_tools.testing import make_session_params

FUNDING = 2_000_000_000


def describe(event: Event) -> str:
    """``Name(field=value, ...)`` with keys in base58 and enums by name."""
    parts = []
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        shown = value.name if isinstance(value, enum.Enum) else str(value)
        parts.append(f"{field.name}={shown}")
    return f"{type(event).__name__}({', '.join(parts)})"


class Lifecycle:
    def __init__(self, client: SessionsClient) -> None:
        self.client = client
        self.total_cu = 0

    async def step(
        self,
        name: str,
        action: Callable[[], Awaitable[TransactionResult]],
        expect: SessionStatus | None,
    ) -> TransactionResult:
        result = await action()
        units = result.compute_units or 0
        self.total_cu += units
        print(f"  {name:<9} {units:>5} CU  fee {result.fee}  slot {result.slot}")
        for event in result.events:
            print(f"            {describe(event)}")
        if result.session is not None and expect is not None:
            status = (await self.client.get_session(result.session)).status
            if status is not expect:
                raise RuntimeError(f"after {name}: status {status.name}, expected {expect.name}")
        return result

    async def owner_flow(self, owner: Keypair) -> None:
        client = self.client
        params = make_session_params(
            max_duration=3600, permissions=int(Permission.EXECUTE), metadata=b"lifecycle demo"
        )
        print("create -> activate -> pause -> resume -> close")
        created = await self.step(
            "create",
            lambda: client.create_session(owner, None, params),
            SessionStatus.CREATED,
        )
        address = created.session
        assert address is not None
        print(f"            session {address}")
        await self.step(
            "activate", lambda: client.activate_session(owner, address), SessionStatus.ACTIVE
        )
        await self.step("pause", lambda: client.pause_session(owner, address), SessionStatus.PAUSED)
        await self.step(
            "resume", lambda: client.resume_session(owner, address), SessionStatus.ACTIVE
        )
        await self.step("close", lambda: client.close_session(owner, address), None)
        if await client.get_sessions([address]) != [None]:
            raise RuntimeError("the closed session's account still exists")

    async def request_flow(self, dapp: Keypair, owner: Keypair) -> None:
        client = self.client
        print("request (dapp) -> approve (owner) -> close")
        requested = await self.step(
            "request",
            lambda: client.request_session(dapp, owner.pubkey(), None, make_session_params(), 600),
            SessionStatus.REQUESTED,
        )
        address = requested.session
        assert address is not None
        print(f"            session {address}")
        await self.step(
            "approve", lambda: client.approve_session(owner, address), SessionStatus.CREATED
        )
        await self.step("close", lambda: client.close_session(owner, address), None)


async def fund(client: SessionsClient, *keys: Pubkey) -> None:
    for key in keys:
        await client.airdrop(key, FUNDING)


async def run(url: str) -> int:
    async with SessionsClient(url, commitment="confirmed") as client:
        owner, dapp = Keypair(), Keypair()
        await fund(client, owner.pubkey(), dapp.pubkey())
        print(f"RPC {url}; owner {owner.pubkey()}, dapp {dapp.pubkey()}")
        lifecycle = Lifecycle(client)
        await lifecycle.owner_flow(owner)
        await lifecycle.request_flow(dapp, owner)
        print(f"done: {lifecycle.total_cu} CU in total")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running JSON-RPC endpoint (default: start a localnet)")
    args = parser.parse_args(argv)
    if args.url:
        return asyncio.run(run(args.url))
    from sessions_tools.localnet import start_in_thread
    from sessions_tools.testing.localnet_setup import sessions_localnet_config

    with start_in_thread(sessions_localnet_config(), port=0) as localnet:
        print(f"localnet started at {localnet.url}")
        return asyncio.run(run(localnet.url))


if __name__ == "__main__":
    sys.exit(main())
