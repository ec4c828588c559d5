"""Websocket PubSub through solana-py's client: signatures, slots, accounts, errors."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlparse

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import TxOpts
from solana.rpc.websocket_api import SolanaWsClient
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.responses import (
    AccountNotification,
    SignatureNotification,
    SlotNotification,
)
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from websockets.asyncio.client import connect

from sessions_tools.localnet import RunningLocalnet

from .conftest import PAYER

pytestmark = pytest.mark.localnet

SOL = 1_000_000_000


def transfer_tx(recipient: Pubkey, lamports: int, blockhash: Hash) -> VersionedTransaction:
    instruction = transfer(
        TransferParams(from_pubkey=PAYER.pubkey(), to_pubkey=recipient, lamports=lamports)
    )
    message = MessageV0.try_compile(PAYER.pubkey(), [instruction], [], blockhash)
    return VersionedTransaction(message, [PAYER])


def test_websocket_is_on_the_next_port(toml_net: RunningLocalnet) -> None:
    http, ws = urlparse(toml_net.url), urlparse(toml_net.ws_url)
    assert ws.scheme == "ws"
    assert ws.port == http.port + 1  # type: ignore[operator]


async def test_signature_slot_and_account_notifications(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    recipient = Keypair().pubkey()
    tx = transfer_tx(recipient, SOL, (await client.get_latest_blockhash()).value.blockhash)
    async with SolanaWsClient(toml_net.ws_url) as ws:
        await ws.signature_subscribe(signature=tx.signatures[0])
        await ws.slot_subscribe()
        await ws.account_subscribe(pubkey=recipient, encoding="base64")
        slot_before = (await client.get_slot()).value
        await client.send_transaction(tx, TxOpts(skip_confirmation=True))
        received = [await asyncio.wait_for(ws.recv(), 5) for _ in range(3)]
    by_kind = {type(message): message for message in received}
    signature = by_kind[SignatureNotification]
    assert isinstance(signature, SignatureNotification)
    assert signature.result.value.err is None
    assert signature.result.context.slot == slot_before
    slot = by_kind[SlotNotification]
    assert isinstance(slot, SlotNotification)
    assert slot.result.slot == slot_before + 1
    assert slot.result.parent == slot_before
    account = by_kind[AccountNotification]
    assert isinstance(account, AccountNotification)
    assert account.result.value.lamports == SOL


async def test_landed_signature_is_notified_at_once(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    tx = transfer_tx(Keypair().pubkey(), SOL, (await client.get_latest_blockhash()).value.blockhash)
    await client.send_transaction(tx)
    async with SolanaWsClient(toml_net.ws_url) as ws:
        await ws.signature_subscribe(signature=tx.signatures[0])
        notification = await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(notification, SignatureNotification)
    assert notification.result.value.err is None


async def test_unsubscribe_stops_notifications(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    async with SolanaWsClient(toml_net.ws_url) as ws:
        subscription = await ws.slot_subscribe()
        await ws.unsubscribe(subscription)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        await client.send_transaction(transfer_tx(Keypair().pubkey(), SOL, blockhash))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)


async def test_raw_errors_and_connection_survives(toml_net: RunningLocalnet) -> None:
    async with connect(toml_net.ws_url) as ws:
        await ws.send("{nope")
        assert json.loads(await ws.recv())["error"]["code"] == -32700
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "blockSubscribe"}))
        assert json.loads(await ws.recv())["error"]["code"] == -32601
        bad = {"jsonrpc": "2.0", "id": 2, "method": "signatureSubscribe", "params": ["xyz"]}
        await ws.send(json.dumps(bad))
        answer = json.loads(await ws.recv())
        assert answer["error"]["code"] == -32602
        assert "is not a valid signature" in answer["error"]["message"]
        gone = {"jsonrpc": "2.0", "id": 3, "method": "slotUnsubscribe", "params": [999999]}
        await ws.send(json.dumps(gone))
        assert "no such subscription" in json.loads(await ws.recv())["error"]["message"]
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "slotSubscribe"}))
        assert isinstance(json.loads(await ws.recv())["result"], int)


async def test_hostile_frames_get_errors_and_the_connection_survives(
    toml_net: RunningLocalnet,
) -> None:
    async with connect(toml_net.ws_url) as ws:
        await ws.send("[" * 100_000)
        deep = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert deep["error"]["code"] == -32700
        assert "nested too deeply" in deep["error"]["message"]
        for raw_id in ("1e400", "1.5", "-1", "NaN"):
            await ws.send(f'{{"jsonrpc":"2.0","id":{raw_id},"method":"slotSubscribe"}}')
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert answer["id"] is None
            assert answer["error"]["code"] in (-32600, -32700)
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "slotSubscribe"}))
        assert isinstance(json.loads(await asyncio.wait_for(ws.recv(), 5))["result"], int)
