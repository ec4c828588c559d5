"""The everyday path through solana-py: airdrop, transfer, confirm, read it all back."""

from __future__ import annotations

import pytest
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.errors import RpcCustomErrorFieldless
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus

from sessions_tools.localnet import RunningLocalnet

from .conftest import PAYER

pytestmark = pytest.mark.localnet

SOL = 1_000_000_000


def transfer_tx(
    sender: Keypair, recipient: Pubkey, lamports: int, blockhash: Hash
) -> VersionedTransaction:
    instruction = transfer(
        TransferParams(from_pubkey=sender.pubkey(), to_pubkey=recipient, lamports=lamports)
    )
    return VersionedTransaction(
        MessageV0.try_compile(sender.pubkey(), [instruction], [], blockhash), [sender]
    )


async def funded(client: AsyncClient, lamports: int = 10 * SOL) -> Keypair:
    owner = Keypair()
    airdrop = await client.request_airdrop(owner.pubkey(), lamports)
    await client.confirm_transaction(airdrop.value, Finalized)
    return owner


async def test_airdrop_transfer_confirm_and_read_back(client: AsyncClient) -> None:
    sender = await funded(client)
    assert (await client.get_balance(sender.pubkey())).value == 10 * SOL
    recipient = Keypair().pubkey()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    sent = await client.send_transaction(
        transfer_tx(sender, recipient, 2 * SOL, blockhash),
        TxOpts(skip_confirmation=False, preflight_commitment=Confirmed),
    )
    signature = sent.value

    statuses = await client.get_signature_statuses([signature])
    status = statuses.value[0]
    assert status is not None
    assert status.err is None
    assert status.confirmation_status == TransactionConfirmationStatus.Finalized

    assert (await client.get_balance(recipient)).value == 2 * SOL
    assert (await client.get_balance(sender.pubkey())).value == 8 * SOL - 5000

    found = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
    assert found is not None
    assert found.slot == status.slot
    assert found.block_time is not None
    meta = found.transaction.meta
    assert meta is not None
    assert meta.err is None
    assert meta.fee == 5000
    assert meta.pre_balances[:2] == [10 * SOL, 0]
    assert meta.post_balances[:2] == [8 * SOL - 5000, 2 * SOL]
    assert meta.log_messages == [
        "Program 11111111111111111111111111111111 invoke [1]",
        "Program 11111111111111111111111111111111 success",
    ]
    assert meta.compute_units_consumed == 150
    decoded = found.transaction.transaction
    assert decoded.signatures == [signature]  # type: ignore[union-attr]


async def test_get_transaction_base64_round_trips_the_exact_transaction(
    client: AsyncClient,
) -> None:
    sender = await funded(client)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = transfer_tx(sender, Keypair().pubkey(), SOL, blockhash)
    signature = (await client.send_transaction(tx)).value
    found = await client.get_transaction(signature, "base64", max_supported_transaction_version=0)
    assert found.value is not None
    assert found.value.transaction.transaction == tx


async def test_v0_transaction_needs_max_supported_version(client: AsyncClient) -> None:
    sender = await funded(client)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signature = (
        await client.send_transaction(transfer_tx(sender, Keypair().pubkey(), SOL, blockhash))
    ).value
    with pytest.raises(RPCException) as raised:
        await client.get_transaction(signature)
    assert "maxSupportedTransactionVersion" in str(raised.value)


async def test_legacy_transaction_has_no_version_without_max_supported(
    toml_net: RunningLocalnet, client: AsyncClient
) -> None:
    import httpx

    sender = await funded(client)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    instruction = transfer(
        TransferParams(from_pubkey=sender.pubkey(), to_pubkey=Keypair().pubkey(), lamports=SOL)
    )
    legacy = Transaction([sender], Message([instruction], sender.pubkey()), blockhash)
    signature = (await client.send_raw_transaction(bytes(legacy))).value
    async with httpx.AsyncClient() as http:
        answer = (
            await http.post(
                toml_net.url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "getTransaction",
                    "params": [str(signature)],
                },
            )
        ).json()
    assert "version" not in answer["result"]
    assert answer["result"]["transaction"]["signatures"] == [str(signature)]
    assert "addressTableLookups" not in answer["result"]["transaction"]["message"]


async def test_json_parsed_transaction_names_accounts(client: AsyncClient) -> None:
    sender = await funded(client)
    recipient = Keypair().pubkey()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signature = (
        await client.send_transaction(transfer_tx(sender, recipient, SOL, blockhash))
    ).value
    found = await client.get_transaction(
        signature, "jsonParsed", max_supported_transaction_version=0
    )
    assert found.value is not None
    message = found.value.transaction.transaction.message  # type: ignore[union-attr]
    keys = [key.pubkey for key in message.account_keys]
    assert keys[:2] == [sender.pubkey(), recipient]
    assert message.account_keys[0].signer
    assert message.account_keys[0].writable
    assert not message.account_keys[1].signer
    assert message.account_keys[1].writable


async def test_signatures_for_address_newest_first_with_paging(client: AsyncClient) -> None:
    sender = await funded(client)
    signatures: list[Signature] = []
    for amount in (1, 2, 3):
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = transfer_tx(sender, Keypair().pubkey(), amount * SOL, blockhash)
        signatures.append((await client.send_transaction(tx)).value)
    listed = (await client.get_signatures_for_address(sender.pubkey())).value
    assert [entry.signature for entry in listed[:3]] == signatures[::-1]
    assert len(listed) == 4  # the airdrop too
    page = (
        await client.get_signatures_for_address(sender.pubkey(), before=signatures[2], limit=1)
    ).value
    assert [entry.signature for entry in page] == [signatures[1]]
    until = (await client.get_signatures_for_address(sender.pubkey(), until=signatures[0])).value
    assert [entry.signature for entry in until] == signatures[:0:-1]


async def test_failed_transfer_with_skip_preflight_lands_with_its_error(
    client: AsyncClient,
) -> None:
    sender = await funded(client, SOL)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = transfer_tx(sender, Keypair().pubkey(), 5 * SOL, blockhash)
    signature = (await client.send_transaction(tx, TxOpts(skip_preflight=True))).value
    status = (await client.get_signature_statuses([signature])).value[0]
    assert status is not None
    assert status.err is not None
    found = await client.get_transaction(signature, max_supported_transaction_version=0)
    assert found.value is not None
    meta = found.value.transaction.meta
    assert meta is not None
    assert meta.fee == 5000
    assert meta.post_balances[0] == SOL - 5000  # the fee is charged, the transfer is not
    assert any("insufficient lamports" in line for line in meta.log_messages or [])


async def test_preflight_failure_is_32002_with_logs(client: AsyncClient) -> None:
    sender = await funded(client, SOL)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = transfer_tx(sender, Keypair().pubkey(), 5 * SOL, blockhash)
    with pytest.raises(RPCException) as raised:
        await client.send_transaction(tx)
    error = raised.value.args[0]
    assert error.message.startswith(
        "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    )
    assert any("insufficient lamports" in line for line in error.data.logs)
    assert (await client.get_signature_statuses([tx.signatures[0]])).value == [None]
    assert (await client.get_balance(sender.pubkey())).value == SOL


async def test_sending_twice_is_already_processed(client: AsyncClient) -> None:
    sender = await funded(client)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = transfer_tx(sender, Keypair().pubkey(), SOL, blockhash)
    first = (await client.send_transaction(tx)).value
    with pytest.raises(RPCException, match="already been processed"):
        await client.send_transaction(tx)
    again = await client.send_transaction(tx, TxOpts(skip_preflight=True))
    assert again.value == first
    assert (await client.get_balance(sender.pubkey())).value == 9 * SOL - 5000


async def test_bad_signature_is_32003(client: AsyncClient) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = transfer_tx(PAYER, Keypair().pubkey(), SOL, blockhash)
    forged = VersionedTransaction.populate(tx.message, [Signature.new_unique()])
    with pytest.raises(RPCException) as raised:
        await client.send_transaction(forged)
    # solders recognises the -32003 code and maps it to its named variant
    assert raised.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


async def test_unfunded_airdrop_too_small_for_rent_is_refused(client: AsyncClient) -> None:
    with pytest.raises(RPCException, match="insufficient funds for rent"):
        await client.request_airdrop(Keypair().pubkey(), 1)


async def test_preloaded_payer_from_toml_is_funded(client: AsyncClient) -> None:
    balance = (await client.get_balance(PAYER.pubkey())).value
    assert balance > 0


async def test_closed_server_is_a_transport_error() -> None:
    from sessions_tools.localnet import start_in_thread

    with start_in_thread(port=0) as net:
        url = net.url
    async with AsyncClient(url, timeout=2) as client:
        with pytest.raises(SolanaRpcException):
            await client.get_slot()
