"""Durable-nonce transactions, well-formed and malformed (issue 11, item 4).

A first instruction that is AdvanceNonceAccount without accounts used to
crash the lifetime check with an IndexError (-32603); like a validator, a
transaction that is not a valid nonce transaction is judged by its
blockhash, which here is unknown: BlockhashNotFound.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import (
    ID as SYSTEM_PROGRAM,
)
from solders.system_program import (
    AdvanceNonceAccountParams,
    TransferParams,
    advance_nonce_account,
    create_nonce_account,
    transfer,
)
from solders.transaction import VersionedTransaction

from sessions_tools.localnet import AccountConfig, LocalnetConfig, RunningLocalnet, start_in_thread

from .test_lookup_tables import lookup_table_data

pytestmark = pytest.mark.localnet

PAYER = Keypair()
LOADED = Keypair().pubkey()
TABLE = Keypair().pubkey()
ADVANCE_NONCE_DATA = (4).to_bytes(4, "little")


@pytest.fixture(scope="module")
def net() -> Iterator[RunningLocalnet]:
    config = LocalnetConfig(
        accounts=(
            AccountConfig(PAYER.pubkey(), 10**12),
            AccountConfig(LOADED, 10**9),
            AccountConfig(TABLE, 10**9, LOOKUP_TABLE_PROGRAM, lookup_table_data([LOADED])),
        )
    )
    with start_in_thread(config, port=0) as running:
        yield running


def rpc(net: RunningLocalnet, method: str, params: list[Any]) -> dict[str, Any]:
    request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    answer: dict[str, Any] = httpx.post(net.url, json=request).json()
    return answer


def wire(tx: VersionedTransaction) -> str:
    return base64.b64encode(bytes(tx)).decode()


def signed(instructions: list[Instruction], blockhash: Hash, **lookups: Any) -> str:
    tables = [AddressLookupTableAccount(TABLE, [LOADED])] if lookups.get("table") else []
    message = MessageV0.try_compile(PAYER.pubkey(), instructions, tables, blockhash)
    return wire(VersionedTransaction(message, [PAYER]))


def malformed_nonce_instructions() -> dict[str, list[Instruction]]:
    pay = transfer(TransferParams(from_pubkey=PAYER.pubkey(), to_pubkey=LOADED, lamports=1))
    return {
        "no accounts": [Instruction(SYSTEM_PROGRAM, ADVANCE_NONCE_DATA, [])],
        "nonce account not writable": [
            Instruction(
                SYSTEM_PROGRAM,
                ADVANCE_NONCE_DATA,
                [AccountMeta(Keypair().pubkey(), is_signer=False, is_writable=False)],
            )
        ],
        "nonce account from a lookup table": [
            Instruction(
                SYSTEM_PROGRAM,
                ADVANCE_NONCE_DATA,
                [AccountMeta(LOADED, is_signer=False, is_writable=True)],
            ),
            pay,
        ],
        "nonce account that does not exist": [
            advance_nonce_account(
                AdvanceNonceAccountParams(
                    nonce_pubkey=Keypair().pubkey(), authorized_pubkey=PAYER.pubkey()
                )
            )
        ],
    }


@pytest.mark.parametrize("case", sorted(malformed_nonce_instructions()))
def test_malformed_nonce_transaction_on_unknown_blockhash(net: RunningLocalnet, case: str) -> None:
    instructions = malformed_nonce_instructions()[case]
    tx = signed(instructions, Hash.new_unique(), table=case.endswith("lookup table"))
    config = {"encoding": "base64"}
    sent = rpc(net, "sendTransaction", [tx, config])
    assert sent["error"]["code"] == -32002, sent
    assert sent["error"]["data"]["err"] == "BlockhashNotFound"
    simulated = rpc(net, "simulateTransaction", [tx, config])
    assert simulated["result"]["value"]["err"] == "BlockhashNotFound", simulated
    skipped = rpc(net, "sendTransaction", [tx, {**config, "skipPreflight": True}])
    assert isinstance(skipped["result"], str)  # dropped like on a validator, not a crash
    status = rpc(net, "getSignatureStatuses", [[skipped["result"]]])
    assert status["result"]["value"] == [None]


@pytest.mark.parametrize("legacy", [False, True], ids=["v0", "legacy"])
def test_a_real_durable_nonce_outlives_its_blockhash(net: RunningLocalnet, legacy: bool) -> None:
    nonce = Keypair()
    blockhash = Hash.from_string(rpc(net, "getLatestBlockhash", [])["result"]["value"]["blockhash"])
    rent = rpc(net, "getMinimumBalanceForRentExemption", [80])["result"]
    create = create_nonce_account(PAYER.pubkey(), nonce.pubkey(), PAYER.pubkey(), rent)
    message = MessageV0.try_compile(PAYER.pubkey(), list(create), [], blockhash)
    created = rpc(
        net,
        "sendTransaction",
        [wire(VersionedTransaction(message, [PAYER, nonce])), {"encoding": "base64"}],
    )
    assert isinstance(created["result"], str), created
    info = rpc(net, "getAccountInfo", [str(nonce.pubkey()), {"encoding": "base64"}])
    stored = Hash(base64.b64decode(info["result"]["value"]["data"][0])[40:72])
    advance = advance_nonce_account(
        AdvanceNonceAccountParams(nonce_pubkey=nonce.pubkey(), authorized_pubkey=PAYER.pubkey())
    )
    recipient = Pubkey.new_unique()
    pay = transfer(TransferParams(from_pubkey=PAYER.pubkey(), to_pubkey=recipient, lamports=10**6))
    net.warp_to_slot(rpc(net, "getSlot", [])["result"] + 200)  # every blockhash has expired
    if legacy:
        legacy_message = Message.new_with_blockhash([advance, pay], PAYER.pubkey(), stored)
        tx = wire(VersionedTransaction(legacy_message, [PAYER]))
    else:
        tx = signed([advance, pay], stored)
    sent = rpc(net, "sendTransaction", [tx, {"encoding": "base64"}])
    assert isinstance(sent["result"], str), sent
    status = rpc(net, "getSignatureStatuses", [[sent["result"]]])
    assert status["result"]["value"][0]["err"] is None
