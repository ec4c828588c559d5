"""A real SBF program loaded from toml_net.toml: invoke it, fail it, simulate it."""

from __future__ import annotations

import base64

import httpx
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.rpc.errors import RpcCustomErrorFieldless
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from sessions_tools.localnet import RunningLocalnet

from .conftest import PAYER, PROGRAM_ID

pytestmark = pytest.mark.localnet


def call(data: bytes, blockhash: Hash, signer: Keypair = PAYER) -> VersionedTransaction:
    message = MessageV0.try_compile(
        signer.pubkey(), [Instruction(PROGRAM_ID, data, [])], [], blockhash
    )
    return VersionedTransaction(message, [signer])


async def latest(client: AsyncClient) -> Hash:
    return (await client.get_latest_blockhash()).value.blockhash


async def test_program_from_toml_is_deployed(client: AsyncClient) -> None:
    account = (await client.get_account_info(PROGRAM_ID)).value
    assert account is not None
    assert account.executable


async def test_successful_invocation(client: AsyncClient) -> None:
    signature = (await client.send_transaction(call(b"", await latest(client)))).value
    found = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
    assert found is not None
    meta = found.transaction.meta
    assert meta is not None
    assert meta.err is None
    assert meta.log_messages == [
        f"Program {PROGRAM_ID} invoke [1]",
        f"Program {PROGRAM_ID} consumed 4 of 200000 compute units",
        f"Program {PROGRAM_ID} success",
    ]
    assert meta.compute_units_consumed == 4


async def test_program_error_fails_preflight_with_program_logs(client: AsyncClient) -> None:
    tx = call(b"\x2a", await latest(client))
    with pytest.raises(RPCException) as raised:
        await client.send_transaction(tx)
    failure = raised.value.args[0]
    assert failure.message == (
        "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x2a"
    )
    assert failure.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(42))
    assert failure.data.logs[-1] == f"Program {PROGRAM_ID} failed: custom program error: 0x2a"
    assert failure.data.units_consumed == 4


async def test_program_error_with_skip_preflight_is_recorded(client: AsyncClient) -> None:
    tx = call(b"\x07", await latest(client))
    signature = (await client.send_transaction(tx, TxOpts(skip_preflight=True))).value
    status = (await client.get_signature_statuses([signature])).value[0]
    assert status is not None
    assert status.err == TransactionErrorInstructionError(0, InstructionErrorCustom(7))


async def test_simulate_failing_transaction(client: AsyncClient) -> None:
    before = (await client.get_balance(PAYER.pubkey())).value
    simulation = (await client.simulate_transaction(call(b"\x05", await latest(client)))).value
    assert simulation.err == TransactionErrorInstructionError(0, InstructionErrorCustom(5))
    assert simulation.logs is not None
    assert simulation.logs[-1] == f"Program {PROGRAM_ID} failed: custom program error: 0x5"
    assert simulation.units_consumed == 4
    assert (await client.get_balance(PAYER.pubkey())).value == before  # nothing committed


async def test_simulate_success_reports_accounts_and_balances(client: AsyncClient) -> None:
    tx = call(b"", await latest(client))
    simulation = (await client.simulate_transaction(tx, accounts_addresses=[PAYER.pubkey()])).value
    assert simulation.err is None
    assert simulation.accounts is not None
    payer_after = simulation.accounts[0]
    assert payer_after is not None
    before = (await client.get_balance(PAYER.pubkey())).value
    assert payer_after.lamports == before - 5000
    assert simulation.fee == 5000
    assert simulation.pre_balances is not None
    assert simulation.pre_balances[0] == before


async def test_simulate_unsigned_needs_no_signature_unless_sig_verify(client: AsyncClient) -> None:
    tx = call(b"", await latest(client))
    unsigned = VersionedTransaction.populate(tx.message, [Signature.default()])
    assert (await client.simulate_transaction(unsigned)).value.err is None
    with pytest.raises(RPCException) as raised:
        await client.simulate_transaction(unsigned, sig_verify=True)
    assert raised.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


async def test_simulate_replace_recent_blockhash(client: AsyncClient) -> None:
    stale = call(b"", Hash.new_unique())
    plain = (await client.simulate_transaction(stale)).value
    assert plain.err is not None  # unknown blockhash
    replaced = (await client.simulate_transaction(stale, replace_recent_blockhash=True)).value
    assert replaced.err is None
    assert replaced.replacement_blockhash is not None
    assert replaced.replacement_blockhash.blockhash == await latest(client)


def test_simulate_with_sig_verify_and_replace_is_invalid(toml_net: RunningLocalnet) -> None:
    tx = call(b"", Hash.new_unique())
    answer = httpx.post(
        toml_net.url,
        json={
            "jsonrpc": "2.0",
            "id": 9,
            "method": "simulateTransaction",
            "params": [
                base64.b64encode(bytes(tx)).decode(),
                {"encoding": "base64", "sigVerify": True, "replaceRecentBlockhash": True},
            ],
        },
    ).json()
    assert answer["error"]["code"] == -32602
    assert "sigVerify may not be used with replaceRecentBlockhash" in answer["error"]["message"]


def test_send_base58_encoded_transaction(toml_net: RunningLocalnet) -> None:
    from sessions_tools.localnet.base58 import b58encode

    blockhash = httpx.post(
        toml_net.url, json={"jsonrpc": "2.0", "id": 1, "method": "getLatestBlockhash"}
    ).json()["result"]["value"]["blockhash"]
    tx = call(b"", Hash.from_string(blockhash))
    answer = httpx.post(
        toml_net.url,
        json={
            "jsonrpc": "2.0",
            "id": 2,
            "method": "sendTransaction",
            "params": [b58encode(bytes(tx))],
        },
    ).json()
    assert answer["result"] == str(tx.signatures[0])
