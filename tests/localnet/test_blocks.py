"""getBlock, getBlocks, getBlocksWithLimit and getSupply, consistent with the other reads."""

from __future__ import annotations

from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_tools.localnet import RunningLocalnet

from .test_accounts import rpc
from .test_pubsub import SOL, transfer_tx

pytestmark = pytest.mark.localnet
V0 = {"maxSupportedTransactionVersion": 0}


def result(net: RunningLocalnet, method: str, params: list[Any]) -> Any:
    answer = rpc(net.url, method, params)
    assert "error" not in answer, answer
    return answer["result"]


def error(net: RunningLocalnet, method: str, params: list[Any]) -> dict[str, Any]:
    answer = rpc(net.url, method, params)
    assert "error" in answer, answer
    found: dict[str, Any] = answer["error"]
    return found


def airdrop(net: RunningLocalnet) -> str:
    signature: str = result(net, "requestAirdrop", [str(Keypair().pubkey()), SOL])
    return signature


def test_each_transaction_is_a_block_linked_to_its_parent(fresh_localnet: RunningLocalnet) -> None:
    net = fresh_localnet
    signatures = [airdrop(net) for _ in range(3)]
    slots = [result(net, "getTransaction", [sig, V0])["slot"] for sig in signatures]
    head = result(net, "getSlot", [])
    assert slots == sorted(slots)
    assert head == slots[-1] + 1
    assert result(net, "getBlocks", [0]) == slots
    assert result(net, "getBlocks", [slots[1], slots[2]]) == slots[1:]
    assert result(net, "getBlocks", [slots[0], {"commitment": "confirmed"}]) == slots
    assert result(net, "getBlocksWithLimit", [0, 2]) == slots[:2]
    assert result(net, "getBlocksWithLimit", [slots[2] + 1, 5]) == []
    blocks = [result(net, "getBlock", [slot, {"encoding": "json", **V0}]) for slot in slots]
    for index, (block, signature, slot) in enumerate(zip(blocks, signatures, slots, strict=True)):
        [entry] = block["transactions"]
        assert entry["transaction"]["signatures"] == [signature]
        assert entry["meta"]["err"] is None
        assert block["blockTime"] == result(net, "getBlockTime", [slot])
        assert block["rewards"] == []
        if index:
            assert block["parentSlot"] == slots[index - 1]
            assert block["previousBlockhash"] == blocks[index - 1]["blockhash"]
            assert block["blockHeight"] == blocks[index - 1]["blockHeight"] + 1
    # the newest block's hash is the one handed out for the next transaction
    latest = result(net, "getLatestBlockhash", [])["value"]
    assert latest["blockhash"] == blocks[-1]["blockhash"]
    assert result(net, "getBlockHeight", []) == blocks[-1]["blockHeight"] + 1


def test_block_details_encodings_and_versions(fresh_localnet: RunningLocalnet) -> None:
    net = fresh_localnet
    signature = airdrop(net)  # airdrops are v0 transactions, as the faucet compiles them
    slot = result(net, "getTransaction", [signature, {"maxSupportedTransactionVersion": 0}])["slot"]
    refused = error(net, "getBlock", [slot])
    assert refused["code"] == -32015
    v0 = {"maxSupportedTransactionVersion": 0}
    signatures = result(net, "getBlock", [slot, {**v0, "transactionDetails": "signatures"}])
    assert signatures["signatures"] == [signature]
    assert "transactions" not in signatures
    none = result(net, "getBlock", [slot, {"transactionDetails": "none", "rewards": False}])
    assert set(none) == {"blockHeight", "blockTime", "blockhash", "parentSlot", "previousBlockhash"}
    accounts = result(net, "getBlock", [slot, {**v0, "transactionDetails": "accounts"}])
    [entry] = accounts["transactions"]
    assert entry["version"] == 0
    assert [key["signer"] for key in entry["transaction"]["accountKeys"]] == [True, False, False]
    assert "logMessages" not in entry["meta"]
    parsed = result(net, "getBlock", [slot, {**v0, "encoding": "jsonParsed"}])
    [instruction] = parsed["transactions"][0]["transaction"]["message"]["instructions"]
    assert instruction["parsed"]["type"] == "transfer"
    base64 = result(net, "getBlock", [slot, {**v0, "encoding": "base64"}])
    assert base64["transactions"][0]["transaction"][1] == "base64"
    assert error(net, "getBlock", [slot, {"commitment": "processed"}])["code"] == -32602
    assert error(net, "getBlock", [slot, {"transactionDetails": "most"}])["code"] == -32602


async def test_skipped_open_and_future_slots(fresh_localnet: RunningLocalnet) -> None:
    net = fresh_localnet
    first = airdrop(net)
    first_slot = result(net, "getTransaction", [first, {"maxSupportedTransactionVersion": 0}])[
        "slot"
    ]
    head = net.warp_to_slot(first_slot + 10).slot
    second = airdrop(net)
    second_slot = result(net, "getTransaction", [second, {"maxSupportedTransactionVersion": 0}])[
        "slot"
    ]
    assert second_slot == head
    assert result(net, "getBlocks", [first_slot]) == [first_slot, second_slot]
    warped = result(net, "getBlock", [second_slot, {"maxSupportedTransactionVersion": 0}])
    assert warped["parentSlot"] == first_slot  # the warp's slots are skipped
    assert error(net, "getBlock", [first_slot + 3])["code"] == -32007
    now = result(net, "getSlot", [])
    assert error(net, "getBlock", [now])["code"] == -32004  # the open slot
    assert error(net, "getBlock", [now + 100])["code"] == -32004
    assert error(net, "getBlocks", [0, 600_000])["code"] == -32602
    assert error(net, "getBlocksWithLimit", [0, 600_000])["code"] == -32602
    assert result(net, "getBlocks", [now + 5]) == []


async def test_supply_loses_exactly_the_fees(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    before = result(toml_net, "getSupply", [])["value"]
    assert before["circulating"] == before["total"]
    assert before["nonCirculating"] == 0
    assert before["nonCirculatingAccounts"] == []
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signature = (
        await client.send_transaction(transfer_tx(Pubkey.new_unique(), SOL, blockhash))
    ).value
    fee = result(toml_net, "getTransaction", [str(signature), V0])["meta"]["fee"]
    assert fee > 0
    after = (await client.get_supply()).value  # solders parses the shape
    assert after.total == before["total"] - fee
    assert after.circulating == after.total
    assert after.non_circulating_accounts == []
    excluded = result(toml_net, "getSupply", [{"excludeNonCirculatingAccountsList": True}])
    assert excluded["value"]["total"] == after.total
