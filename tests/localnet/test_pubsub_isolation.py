"""One websocket subscriber's failure stays that subscriber's (issue 11, item 1).

A base58 ``accountSubscribe`` on an account larger than base58 can carry
(128 bytes) used to raise inside the ledger's block listener: the sender got
-32602 for a transaction that had landed and later connections lost the
block's notifications.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from websockets.asyncio.client import ClientConnection, connect

from sessions_client.client import SessionsClient
from sessions_client.pda import find_session_address, session_id_with_bump
from sessions_client.types import SessionParams, SessionStatus
from sessions_tools.localnet import RunningLocalnet
from sessions_tools.localnet.chain import BlockEvent, Chain
from sessions_tools.localnet.pubsub import CLOSE_INTERNAL, PubSubHub

pytestmark = pytest.mark.localnet


async def _rpc(ws: ClientConnection, request_id: int, method: str, params: list[Any]) -> Any:
    request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    await ws.send(json.dumps(request))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def _drain(ws: ClientConnection, quiet: float = 0.3) -> list[dict[str, Any]]:
    """Every message that arrives until ``quiet`` seconds pass without one."""
    messages: list[dict[str, Any]] = []
    while True:
        try:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), quiet)))
        except TimeoutError:
            return messages


@pytest.fixture
async def owner(sessions_client: SessionsClient) -> Keypair:
    keypair = Keypair()
    await sessions_client.airdrop(keypair.pubkey(), 2_000_000_000)
    return keypair


async def test_base58_subscriber_on_a_growing_session_cannot_break_senders(
    localnet_server: RunningLocalnet,
    sessions_client: SessionsClient,
    owner: Keypair,
    mock_session_config: Any,
) -> None:
    session_id = session_id_with_bump(owner.pubkey())
    address, _ = find_session_address(owner.pubkey(), session_id)
    params: SessionParams = mock_session_config()
    async with (
        connect(localnet_server.ws_url) as attacker,
        connect(localnet_server.ws_url) as honest,
    ):
        # the address does not exist yet, so base58 is accepted here
        hostile = await _rpc(
            attacker, 1, "accountSubscribe", [str(address), {"encoding": "base58"}]
        )
        assert isinstance(hostile["result"], int)
        watched = await _rpc(honest, 1, "accountSubscribe", [str(address), {"encoding": "base64"}])
        slots = await _rpc(honest, 2, "slotSubscribe", [])

        created = await sessions_client.create_session(owner, session_id, params)
        assert created.session == address
        activated = await sessions_client.activate_session(owner, address)
        assert activated.slot > created.slot

        assert (await sessions_client.get_session(address)).status is SessionStatus.ACTIVE
        honest_messages = await _drain(honest)
        attacker_messages = await _drain(attacker)

    account_notes = [
        m["params"]["result"]["value"]
        for m in honest_messages
        if m.get("method") == "accountNotification"
        and m["params"]["subscription"] == watched["result"]
    ]
    assert len(account_notes) == 2  # create and activate, none lost
    assert all(note["data"][1] == "base64" and note["space"] == 1288 for note in account_notes)
    slot_notes = [
        m for m in honest_messages if m.get("params", {}).get("subscription") == slots["result"]
    ]
    assert len(slot_notes) >= 2
    # the hostile subscription ends with one error naming it; nothing else arrives for it
    [ended] = attacker_messages
    assert ended["error"]["code"] == -32602
    assert ended["error"]["data"] == {"subscription": hostile["result"]}
    assert "(base 58) data should be less than 128 bytes" in ended["error"]["message"]


async def test_base58_subscribe_to_a_large_account_is_refused_at_once(
    localnet_server: RunningLocalnet,
    sessions_client: SessionsClient,
    owner: Keypair,
    mock_session_config: Any,
) -> None:
    created = await sessions_client.create_session(owner, None, mock_session_config())
    assert created.session is not None
    async with connect(localnet_server.ws_url) as ws:
        for encoding in ("base58", "binary"):
            config = {"encoding": encoding}
            answer = await _rpc(ws, 1, "accountSubscribe", [str(created.session), config])
            assert answer["error"]["code"] == -32602
            assert "128 bytes" in answer["error"]["message"]
        small = await _rpc(ws, 2, "accountSubscribe", [str(owner.pubkey()), {"encoding": "base58"}])
        assert isinstance(small["result"], int)


async def test_a_failing_listener_is_isolated_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    ledger = Chain()
    seen: list[BlockEvent] = []

    def broken(event: BlockEvent) -> None:
        raise RuntimeError("listener bug")

    ledger.add_listener(broken)
    ledger.add_listener(seen.append)
    result = await ledger.airdrop(Pubkey.new_unique(), 1_000_000)
    assert result.record is not None
    assert result.record.execution.err is None
    assert [event.record for event in seen] == [result.record]
    assert "listener bug" in caplog.text


async def test_a_connection_whose_notification_fails_is_closed_alone(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Chain()
    hub = PubSubHub(ledger)
    slot_subscribe = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "slotSubscribe"})
    with hub.connect() as broken, hub.connect() as healthy:
        for connection in (broken, healthy):
            await connection.handle_text(slot_subscribe)
            assert "result" in connection.queue.get_nowait()

        def fail(event: BlockEvent) -> None:
            raise RuntimeError("notification bug")

        monkeypatch.setattr(broken, "on_block", fail)
        for _ in range(2):
            result = await ledger.airdrop(Pubkey.new_unique(), 1_000_000)
            assert result.record is not None
    assert broken.close_reason == CLOSE_INTERNAL
    assert broken.queue.empty()
    assert [healthy.queue.get_nowait()["method"] for _ in range(2)] == ["slotNotification"] * 2
    logged = [r for r in caplog.records if "websocket notification failed" in r.getMessage()]
    assert len(logged) == 1  # dropped from the hub after the first failure
