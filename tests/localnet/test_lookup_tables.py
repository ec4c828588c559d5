"""v0 transactions through an address lookup table preloaded from config."""

from __future__ import annotations

import struct

import pytest
from solana.rpc.async_api import AsyncClient
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from sessions_tools.localnet import AccountConfig, ClockConfig, LocalnetConfig, start_in_thread

pytestmark = pytest.mark.localnet


def lookup_table_data(addresses: list[Pubkey]) -> bytes:
    """An active table: discriminator 1, never deactivated, no authority, 56-byte meta."""
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + b"\x00"
    return meta + bytes(56 - len(meta)) + b"".join(bytes(address) for address in addresses)


async def test_loaded_addresses_and_balances() -> None:
    payer, recipient, table = Keypair(), Keypair().pubkey(), Keypair().pubkey()
    config = LocalnetConfig(
        clock=ClockConfig(slot=100),
        accounts=(
            AccountConfig(payer.pubkey(), 10**12),
            AccountConfig(recipient, 10**9),
            AccountConfig(table, 10**9, LOOKUP_TABLE_PROGRAM, lookup_table_data([recipient])),
        ),
    )
    with start_in_thread(config, port=0) as net:
        async with AsyncClient(net.url) as client:
            blockhash = (await client.get_latest_blockhash()).value.blockhash
            instruction = transfer(
                TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=5)
            )
            message = MessageV0.try_compile(
                payer.pubkey(),
                [instruction],
                [AddressLookupTableAccount(table, [recipient])],
                blockhash,
            )
            assert recipient not in message.account_keys  # really comes from the table
            signature = (
                await client.send_transaction(VersionedTransaction(message, [payer]))
            ).value
            found = (
                await client.get_transaction(signature, max_supported_transaction_version=0)
            ).value
    assert found is not None
    meta = found.transaction.meta
    assert meta is not None
    assert meta.loaded_addresses is not None
    assert meta.loaded_addresses.writable == [recipient]
    assert meta.loaded_addresses.readonly == []
    assert meta.pre_balances == [10**12, 1, 10**9]
    assert meta.post_balances == [10**12 - 5 - 5000, 1, 10**9 + 5]
