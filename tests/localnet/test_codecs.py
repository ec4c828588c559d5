"""Pure helpers: base58, transaction error text, filters, fees, wire limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
)

from sessions_tools.localnet.base58 import b58decode, b58encode
from sessions_tools.localnet.filters import DataSizeFilter, MemcmpFilter, matches_all
from sessions_tools.localnet.rpc_errors import JsonRpcError
from sessions_tools.localnet.transactions import decode_transaction, with_blockhash
from sessions_tools.localnet.txerrors import describe_transaction_error, transaction_error_json

pytestmark = pytest.mark.localnet


@given(st.binary(max_size=96))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


@given(st.binary(min_size=32, max_size=32))
def test_base58_agrees_with_solders(raw: bytes) -> None:
    assert b58encode(raw) == str(Pubkey(raw))


def test_base58_rejects_bad_characters() -> None:
    with pytest.raises(ValueError, match="'0' at position 2"):
        b58decode("ab0")


@pytest.mark.parametrize(
    ("err", "json_form", "text"),
    [
        (TransactionErrorFieldless.BlockhashNotFound, "BlockhashNotFound", "Blockhash not found"),
        (
            TransactionErrorInstructionError(0, InstructionErrorCustom(1)),
            {"InstructionError": [0, {"Custom": 1}]},
            "Error processing Instruction 0: custom program error: 0x1",
        ),
        (
            TransactionErrorInstructionError(2, InstructionErrorFieldless.InvalidAccountData),
            {"InstructionError": [2, "InvalidAccountData"]},
            "Error processing Instruction 2: invalid account data for instruction",
        ),
        (
            TransactionErrorInsufficientFundsForRent(1),
            {"InsufficientFundsForRent": {"account_index": 1}},
            "Transaction results in an account (1) with insufficient funds for rent",
        ),
    ],
)
def test_transaction_errors(err: object, json_form: object, text: str) -> None:
    rendered = transaction_error_json(err)  # type: ignore[arg-type]
    assert rendered == json_form
    assert describe_transaction_error(rendered) == text


def test_filters() -> None:
    data = b"\x01\x02\x03\x04"
    assert matches_all((DataSizeFilter(4), MemcmpFilter(1, b"\x02\x03")), data)
    assert not matches_all((DataSizeFilter(5),), data)
    assert not matches_all((MemcmpFilter(3, b"\x04\x05"),), data)
    assert matches_all((), data)


def test_decode_round_trip_size_limit_and_blockhash_swap() -> None:
    import base64

    payer = Keypair()
    message = MessageV0.try_compile(
        payer.pubkey(),
        [
            transfer(
                TransferParams(
                    from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=1
                )
            )
        ],
        [],
        Hash.new_unique(),
    )
    tx = VersionedTransaction(message, [payer])
    assert decode_transaction(base64.b64encode(bytes(tx)).decode(), "base64", "p") == tx
    with pytest.raises(JsonRpcError, match="too large"):
        decode_transaction(base64.b64encode(bytes(1300)).decode(), "base64", "p")
    replaced = with_blockhash(tx, Hash.default())
    assert replaced.message.recent_blockhash == Hash.default()
    assert replaced.signatures == tx.signatures


@given(st.binary(max_size=300))
def test_decode_never_raises_anything_but_invalid_params(wire: bytes) -> None:
    import base64

    try:
        decode_transaction(base64.b64encode(wire).decode(), "base64", "p")
    except JsonRpcError as error:
        code = error.code
    else:
        code = None
    assert code in (None, -32602)
