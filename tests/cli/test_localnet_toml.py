"""The repository's localnet.toml: it parses, builds the program, and serves sessions over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.keypair import Keypair

from sessions_client.client import SessionsClient
from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.types import SessionConfig, SessionParams, SessionStatus
from sessions_tools.localnet.command import resolve_config
from sessions_tools.localnet.server import start_in_thread

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.localnet


async def test_repository_localnet_toml_serves_the_sessions_program() -> None:
    config = resolve_config(ROOT / "localnet.toml")
    assert [p.program_id for p in config.programs] == [PROGRAM_ID]
    with start_in_thread(config, port=0) as net:
        async with SessionsClient(net.url) as client:
            owner = Keypair()
            await client.airdrop(owner.pubkey(), 2_000_000_000)
            params = SessionParams(SessionConfig(600, int(Permission.EXECUTE), 0))
            created = await client.create_session(owner, None, params)
            assert created.session is not None
            session = await client.get_session(created.session)
            assert session.status is SessionStatus.CREATED
            start = config.clock.unix_timestamp
            assert start is not None
            assert start <= session.created_at < start + 60, "the toml clock drives the chain"
            preloaded = config.accounts[0]
            assert await client.get_balance(preloaded.address) == preloaded.lamports
