"""Slots, blockhashes, the clock and fees move like on a validator."""

from __future__ import annotations

import statistics
import struct
import time

import httpx
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from sessions_tools.localnet import RunningLocalnet

from .conftest import PAYER, PROGRAM_ID

pytestmark = pytest.mark.localnet

CLOCK_SYSVAR = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
ED25519 = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")


def clock(account_data: bytes) -> tuple[int, int]:
    """(slot, unix_timestamp) from the Clock sysvar's bincode layout."""
    slot, _epoch_start, _epoch, _leader_epoch, unix_timestamp = struct.unpack(
        "<QqQQq", account_data
    )
    return slot, unix_timestamp


def noop(blockhash: Hash, marker: int) -> VersionedTransaction:
    instructions = [Instruction(PROGRAM_ID, b"", []), set_compute_unit_price(marker)]
    message = MessageV0.try_compile(PAYER.pubkey(), instructions, [], blockhash)
    return VersionedTransaction(message, [PAYER])


async def test_toml_clock_and_per_transaction_slots(client: AsyncClient) -> None:
    slot_before = (await client.get_slot()).value
    assert slot_before >= 1000  # [clock] slot = 1000
    account = (await client.get_account_info(CLOCK_SYSVAR)).value
    assert account is not None
    sysvar_slot, timestamp = clock(account.data)
    assert sysvar_slot == slot_before
    assert timestamp == 1_700_000_000 + (slot_before - 1000) * 400 // 1000

    blockhash = (await client.get_latest_blockhash()).value.blockhash
    for marker in range(5):
        await client.send_transaction(noop(blockhash, marker))
    assert (await client.get_slot()).value == slot_before + 5
    new_blockhash = (await client.get_latest_blockhash()).value.blockhash
    assert new_blockhash != blockhash
    account = (await client.get_account_info(CLOCK_SYSVAR)).value
    assert account is not None
    assert clock(account.data) == (
        slot_before + 5,
        1_700_000_000 + (slot_before + 5 - 1000) * 2 // 5,
    )


def test_blockhash_expires_after_150_blocks(fresh_localnet: RunningLocalnet) -> None:
    def call(method: str, *params: object) -> object:
        reply = httpx.post(
            fresh_localnet.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
        ).json()
        return reply["result"]

    latest = call("getLatestBlockhash")
    assert isinstance(latest, dict)
    blockhash = latest["value"]["blockhash"]
    height = call("getBlockHeight")
    assert latest["value"]["lastValidBlockHeight"] == height + 150
    assert call("isBlockhashValid", blockhash)["value"] is True  # type: ignore[index]
    assert call("isBlockhashValid", str(Hash.new_unique()))["value"] is False  # type: ignore[index]
    fresh_localnet.warp_to_slot(150)
    assert call("isBlockhashValid", blockhash)["value"] is True  # type: ignore[index]
    fresh_localnet.warp_to_slot(151)
    assert call("isBlockhashValid", blockhash)["value"] is False  # type: ignore[index]
    assert call("getBlockHeight") == 151


async def test_expired_blockhash_is_refused(fresh_localnet: RunningLocalnet) -> None:
    async with AsyncClient(fresh_localnet.url) as client:
        payer = Keypair()
        await client.confirm_transaction(
            (await client.request_airdrop(payer.pubkey(), 10**9)).value
        )
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        fresh_localnet.warp_to_slot((await client.get_slot()).value + 200)
        instruction = transfer(
            TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=10**7)
        )
        tx = VersionedTransaction(
            MessageV0.try_compile(payer.pubkey(), [instruction], [], blockhash), [payer]
        )
        with pytest.raises(RPCException, match="Blockhash not found"):
            await client.send_transaction(tx)


async def test_fee_for_message_matches_the_charged_fee(client: AsyncClient) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    cases = [
        [Instruction(PROGRAM_ID, b"", [])],
        [set_compute_unit_price(1_000_000), Instruction(PROGRAM_ID, b"", [])],
        [
            set_compute_unit_price(3),
            set_compute_unit_limit(333_333),
            Instruction(PROGRAM_ID, b"", []),
        ],
        [
            set_compute_unit_price(7_000),
            transfer(TransferParams(from_pubkey=PAYER.pubkey(), to_pubkey=PROGRAM_ID, lamports=1)),
        ],
        # a builtin precompile verifying no signature: 3,000 units, as the compute budget's
        [set_compute_unit_price(7_000), Instruction(ED25519, b"\x00\x00", [])],
    ]
    for instructions in cases:
        message = MessageV0.try_compile(PAYER.pubkey(), instructions, [], blockhash)
        quoted = (await client.get_fee_for_message(message)).value
        signature = (await client.send_transaction(VersionedTransaction(message, [PAYER]))).value
        found = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
        assert found is not None
        assert found.transaction.meta is not None
        assert quoted == found.transaction.meta.fee


async def test_fee_for_message_with_unknown_blockhash_is_null(client: AsyncClient) -> None:
    message = MessageV0.try_compile(
        PAYER.pubkey(), [Instruction(PROGRAM_ID, b"", [])], [], Hash.new_unique()
    )
    assert (await client.get_fee_for_message(message)).value is None


async def test_epoch_info_and_node_identity(fresh_localnet: RunningLocalnet) -> None:
    async with AsyncClient(fresh_localnet.url) as client:
        info = (await client.get_epoch_info()).value
        assert (info.epoch, info.absolute_slot, info.block_height, info.transaction_count) == (
            0,
            0,
            0,
            0,
        )
        assert info.slots_in_epoch == 432_000
        await client.confirm_transaction(
            (await client.request_airdrop(Keypair().pubkey(), 10**9)).value
        )
        info = (await client.get_epoch_info()).value
        assert (info.absolute_slot, info.transaction_count) == (1, 1)
        assert (await client.get_genesis_hash()).value == fresh_localnet.ledger.genesis_hash
        assert (await client.get_identity()).value.identity == fresh_localnet.ledger.identity
        assert (await client.get_version()).value.solana_core
        assert (await client.get_recent_prioritization_fees()).value == []
        assert (await client.get_first_available_block()).value == 0
        state = fresh_localnet.warp_to_slot(432_005)
        assert (state.epoch, state.slot_index) == (1, 5)
        assert (await client.get_epoch_info()).value.epoch == 1


def test_requests_do_not_stall_on_nagle(toml_net: RunningLocalnet) -> None:
    """Without TCP_NODELAY each keep-alive request used to take ~40 ms."""
    timings = []
    with httpx.Client(base_url=toml_net.url) as client:
        for _ in range(30):
            started = time.perf_counter()
            client.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "getSlot"})
            timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.02
