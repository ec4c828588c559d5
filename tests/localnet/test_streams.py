"""logsSubscribe and programSubscribe, behind addEventListener and onProgramAccountChange.

Notifications are read back through solana-py's websocket client, which
parses them into solders' typed ``LogsNotification``/``ProgramNotification``:
a shape the clients do not expect fails to parse here.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import MemcmpOpts, TxOpts
from solana.rpc.websocket_api import SolanaWsClient
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilter, RpcTransactionLogsFilterMentions
from solders.rpc.responses import LogsNotification, ProgramNotification
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from websockets.asyncio.client import ClientConnection, connect

from sessions_client import PROGRAM_ID, ErrorCode, SessionsClient, parse_events
from sessions_client import instructions as ix
from sessions_client.accounts import decode_session
from sessions_client.client import OWNER_OFFSET
from sessions_tools.localnet import RunningLocalnet
from sessions_tools.localnet.streams import BASE58_TOO_LARGE
from sessions_tools.testing.helpers import make_session_params

from .conftest import PAYER
from .test_pubsub import SOL, transfer_tx

pytestmark = pytest.mark.localnet
SYSTEM_PROGRAM = "11111111111111111111111111111111"


async def recv_all(ws: SolanaWsClient, wait: float = 0.5) -> list[object]:
    """Every message that arrives before ``wait`` seconds of silence."""
    received: list[object] = []
    while True:
        try:
            received.append(await asyncio.wait_for(ws.recv(), wait))
        except TimeoutError:
            return received


async def test_logs_all_and_mentions(toml_net: RunningLocalnet, client: AsyncClient) -> None:
    recipient, bystander = Keypair().pubkey(), Keypair().pubkey()
    tx = transfer_tx(recipient, SOL, (await client.get_latest_blockhash()).value.blockhash)
    async with (
        SolanaWsClient(toml_net.ws_url) as everything,
        SolanaWsClient(toml_net.ws_url) as mentioned,
        SolanaWsClient(toml_net.ws_url) as unrelated,
    ):
        await everything.logs_subscribe(
            filter_=RpcTransactionLogsFilter.All, commitment="confirmed"
        )
        await mentioned.logs_subscribe(filter_=RpcTransactionLogsFilterMentions(recipient))
        await unrelated.logs_subscribe(filter_=RpcTransactionLogsFilterMentions(bystander))
        slot = (await client.get_slot()).value
        await client.send_transaction(tx, TxOpts(skip_confirmation=True))
        seen = {
            name: await recv_all(ws)
            for name, ws in (("all", everything), ("mentions", mentioned), ("unrelated", unrelated))
        }
    assert seen["unrelated"] == []
    for name in ("all", "mentions"):
        [notification] = seen[name]
        assert isinstance(notification, LogsNotification), notification
        assert notification.result.context.slot == slot
        value = notification.result.value
        assert value.signature == tx.signatures[0]
        assert value.err is None
        assert value.logs == [
            f"Program {SYSTEM_PROGRAM} invoke [1]",
            f"Program {SYSTEM_PROGRAM} success",
        ]


async def test_failed_transaction_logs_carry_the_error(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    poor = Keypair()
    await client.request_airdrop(poor.pubkey(), SOL)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    overdraft = VersionedTransaction(
        MessageV0.try_compile(
            poor.pubkey(),
            [
                transfer(
                    TransferParams(
                        from_pubkey=poor.pubkey(), to_pubkey=PAYER.pubkey(), lamports=2 * SOL
                    )
                )
            ],
            [],
            blockhash,
        ),
        [poor],
    )
    async with connect(toml_net.ws_url) as ws:
        subscribe = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "logsSubscribe",
            "params": [{"mentions": [str(poor.pubkey())]}, {"commitment": "processed"}],
        }
        await ws.send(json.dumps(subscribe))
        subscription = json.loads(await ws.recv())["result"]
        await client.send_transaction(overdraft, TxOpts(skip_preflight=True))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert frame["method"] == "logsNotification"
    assert frame["params"]["subscription"] == subscription
    result = frame["params"]["result"]
    assert set(result["context"]) == {"slot", "apiVersion"}
    assert result["value"]["signature"] == str(overdraft.signatures[0])
    assert result["value"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert f"Program {SYSTEM_PROGRAM} failed: custom program error: 0x1" in result["value"]["logs"]


async def test_logs_subscribe_refuses_bad_filters(toml_net: RunningLocalnet) -> None:
    key = str(Keypair().pubkey())
    cases = [
        ["everything"],
        [{"mentions": [key, key]}],
        [{"mentions": []}],
        [{"mentions": ["not-a-key"]}],
        [{"accounts": [key]}],
        [],
        ["all", {"commitment": "soon"}],
    ]
    async with connect(toml_net.ws_url) as ws:
        for index, params in enumerate(cases):
            request = {"jsonrpc": "2.0", "id": index, "method": "logsSubscribe", "params": params}
            await ws.send(json.dumps(request))
            answer = json.loads(await ws.recv())
            assert answer["error"]["code"] == -32602, (params, answer)
        gone = {"jsonrpc": "2.0", "id": 99, "method": "logsUnsubscribe", "params": [424242]}
        await ws.send(json.dumps(gone))
        assert "no such subscription" in json.loads(await ws.recv())["error"]["message"]


async def test_logs_unsubscribe_stops_the_stream(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    async with SolanaWsClient(toml_net.ws_url) as ws:
        subscription = await ws.logs_subscribe()
        await ws.unsubscribe(subscription)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        await client.send_transaction(transfer_tx(Keypair().pubkey(), SOL, blockhash))
        assert await recv_all(ws, 0.3) == []


async def recv_frames(ws: ClientConnection, wait: float = 0.5) -> list[dict[str, Any]]:
    """Every raw JSON frame that arrives before ``wait`` seconds of silence."""
    frames: list[dict[str, Any]] = []
    while True:
        try:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), wait)))
        except TimeoutError:
            return frames


@pytest.fixture
async def sessions(localnet: str) -> AsyncIterator[SessionsClient]:
    async with SessionsClient(localnet) as client:
        yield client


async def test_program_subscribe_filters_and_encodings(
    localnet_server: RunningLocalnet, sessions: SessionsClient
) -> None:
    owner, stranger = Keypair(), Keypair()
    await sessions.airdrop(owner.pubkey(), 2 * SOL)
    owner_filter = MemcmpOpts(offset=OWNER_OFFSET, bytes=str(owner.pubkey()))
    stranger_filter = MemcmpOpts(offset=OWNER_OFFSET, bytes=str(stranger.pubkey()))
    async with (
        SolanaWsClient(localnet_server.ws_url) as mine,
        SolanaWsClient(localnet_server.ws_url) as theirs,
        connect(localnet_server.ws_url) as default_encoding,
    ):
        await mine.program_subscribe(
            program_id=PROGRAM_ID, encoding="base64", filters=[owner_filter]
        )
        await theirs.program_subscribe(
            program_id=PROGRAM_ID, encoding="base64", filters=[stranger_filter]
        )
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "programSubscribe",
            "params": [str(PROGRAM_ID)],
        }
        await default_encoding.send(json.dumps(request))
        await default_encoding.recv()  # the subscription id
        created = await sessions.create_session(owner, None, make_session_params())
        await sessions.activate_session(owner, created.session)
        got_mine = await recv_all(mine)
        got_theirs = await recv_all(theirs)
        got_default = await recv_frames(default_encoding)
    assert got_theirs == []
    assert len(got_mine) == 2  # created, then activated
    statuses = []
    for notification in got_mine:
        assert isinstance(notification, ProgramNotification), notification
        keyed = notification.result.value
        assert keyed.pubkey == created.session
        assert keyed.account.owner == PROGRAM_ID
        statuses.append(decode_session(bytes(keyed.account.data)).status.name)
    assert statuses == ["CREATED", "ACTIVE"]
    # binary (bare base58) by default, as on a validator; 1,288 bytes are too many for base58
    assert [frame["method"] for frame in got_default] == ["programNotification"] * 2
    for frame in got_default:
        assert frame["params"]["result"]["value"]["account"]["data"] == BASE58_TOO_LARGE


async def test_program_subscribe_data_slice_and_closed_accounts(
    localnet_server: RunningLocalnet, sessions: SessionsClient
) -> None:
    owner = Keypair()
    await sessions.airdrop(owner.pubkey(), 2 * SOL)
    async with connect(localnet_server.ws_url) as ws:
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "programSubscribe",
            "params": [
                str(PROGRAM_ID),
                {"encoding": "base64", "dataSlice": {"offset": OWNER_OFFSET, "length": 32}},
            ],
        }
        await ws.send(json.dumps(request))
        json.loads(await ws.recv())
        created = await sessions.create_session(owner, None, make_session_params())
        await sessions.close_session(owner, created.session)
        frames = await recv_frames(ws)
    # the close leaves the account with the system program: only the creation is notified
    [frame] = frames
    account = frame["params"]["result"]["value"]["account"]
    assert frame["params"]["result"]["value"]["pubkey"] == str(created.session)
    assert base64.b64decode(account["data"][0]) == bytes(owner.pubkey())
    assert account["space"] > 32


async def test_program_subscribe_refuses_bad_config(toml_net: RunningLocalnet) -> None:
    cases = [
        [],
        ["nope"],
        [str(Pubkey.default()), {"encoding": "hex"}],
        [str(Pubkey.default()), {"filters": [{"dataSize": "x"}]}],
        [
            str(Pubkey.default()),
            {"encoding": "jsonParsed", "dataSlice": {"offset": 0, "length": 1}},
        ],
    ]
    async with connect(toml_net.ws_url) as ws:
        for index, params in enumerate(cases):
            request = {
                "jsonrpc": "2.0",
                "id": index,
                "method": "programSubscribe",
                "params": params,
            }
            await ws.send(json.dumps(request))
            answer = json.loads(await ws.recv())
            assert answer["error"]["code"] == -32602, (params, answer)


async def test_program_errors_and_events_reach_the_logs_stream(
    localnet_server: RunningLocalnet, sessions: SessionsClient
) -> None:
    owner = Keypair()
    await sessions.airdrop(owner.pubkey(), 2 * SOL)
    created = await sessions.create_session(owner, None, make_session_params())
    async with (
        AsyncClient(localnet_server.url) as client,
        SolanaWsClient(localnet_server.ws_url) as ws,
    ):
        await ws.logs_subscribe(filter_=RpcTransactionLogsFilterMentions(PROGRAM_ID))
        activate = ix.activate_session(owner.pubkey(), created.session)
        for _ in range(2):  # the second activation fails: InvalidStatusTransition
            blockhash = (await client.get_latest_blockhash()).value.blockhash
            message = MessageV0.try_compile(owner.pubkey(), [activate], [], blockhash)
            tx = VersionedTransaction(message, [owner])
            await client.send_transaction(tx, TxOpts(skip_preflight=True))
        first, second = await recv_all(ws)
    assert isinstance(first, LogsNotification)
    assert isinstance(second, LogsNotification)
    assert first.result.value.err is None
    assert [type(event).__name__ for event in parse_events(first.result.value.logs)] == [
        "SessionActivated"
    ]
    assert second.result.value.err is not None
    code = ErrorCode.INVALID_STATUS_TRANSITION
    assert f"Program log: {code.log_line}" in second.result.value.logs
    assert parse_events(second.result.value.logs) == []
