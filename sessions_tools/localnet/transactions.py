"""Transactions on the wire: decoding what clients send, encoding what they read back.

Decoding applies the validator's limits (one 1232-byte packet, the same
encoded-size caps) so a transaction that works here also fits on a real
cluster. Encoding produces getTransaction's ``transaction`` member in the
validator's ``json``, ``jsonParsed``, ``base64`` and ``base58`` shapes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from solders.hash import Hash
from solders.instruction import CompiledInstruction
from solders.message import Message, MessageV0, MessageV1
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from sessions_tools.localnet.base58 import b58decode, b58encode
from sessions_tools.localnet.parsed_instructions import parsed_instruction_json
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

PACKET_DATA_SIZE: Final = 1232
MAX_BASE58_SIZE: Final = 1683
MAX_BASE64_SIZE: Final = 1644
TRANSACTION_ENCODINGS: Final = ("base58", "base64")


@dataclass(frozen=True)
class LoadedAddresses:
    """Accounts a v0 transaction pulled in from address lookup tables."""

    writable: tuple[Pubkey, ...] = ()
    readonly: tuple[Pubkey, ...] = ()

    def to_json(self) -> dict[str, JsonValue]:
        """The ``loadedAddresses`` member of a transaction meta."""
        return {
            "writable": [str(key) for key in self.writable],
            "readonly": [str(key) for key in self.readonly],
        }


def decode_transaction(encoded: str, encoding: str, where: str) -> VersionedTransaction:
    """Decode a wire transaction, enforcing the validator's size and sanity limits."""
    if encoding == "base58":
        if len(encoded) > MAX_BASE58_SIZE:
            raise invalid_params(
                f"{where}: base58 encoded transaction too large: {len(encoded)} bytes "
                f"(max: encoded/raw {MAX_BASE58_SIZE}/{PACKET_DATA_SIZE})"
            )
        try:
            wire = b58decode(encoded)
        except ValueError as exc:
            raise invalid_params(f"{where}: invalid base58 encoding: {exc}") from exc
    elif encoding == "base64":
        if len(encoded) > MAX_BASE64_SIZE:
            raise invalid_params(
                f"{where}: base64 encoded transaction too large: {len(encoded)} bytes "
                f"(max: encoded/raw {MAX_BASE64_SIZE}/{PACKET_DATA_SIZE})"
            )
        try:
            wire = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_params(f"{where}: invalid base64 encoding: {exc}") from exc
    else:
        raise invalid_params(
            f"{where}: unsupported transaction encoding {encoding!r} (expected base58 or base64)"
        )
    if len(wire) > PACKET_DATA_SIZE:
        raise invalid_params(
            f"{where}: decoded transaction too large: {len(wire)} bytes (max {PACKET_DATA_SIZE})"
        )
    try:
        transaction = VersionedTransaction.from_bytes(wire)
    except Exception as exc:
        raise invalid_params(f"{where}: failed to deserialize transaction: {exc}") from exc
    if isinstance(transaction.message, MessageV1):
        raise invalid_params(f"{where}: transaction version 1 is not supported (legacy and v0 are)")
    try:
        transaction.sanitize()
    except Exception as exc:
        raise invalid_params(f"{where}: invalid transaction: {exc}") from exc
    if len(transaction.signatures) != transaction.message.header.num_required_signatures:
        raise invalid_params(f"{where}: invalid transaction: signature count mismatch")
    return transaction


def decode_message(encoded: str, where: str) -> Message | MessageV0:
    """A base64 serialized message (getFeeForMessage), legacy or v0."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_params(f"{where}: invalid base64 encoding: {exc}") from exc
    if len(raw) > PACKET_DATA_SIZE:
        raise invalid_params(f"{where}: message too large: {len(raw)} bytes")
    try:
        if raw and raw[0] & 0x80:
            if raw[0] != 0x80:
                raise ValueError(f"message version {raw[0] & 0x7F} is not supported")
            message: Message | MessageV0 = MessageV0.from_bytes(raw[1:])
        else:
            message = Message.from_bytes(raw)
        placeholders = [Signature.default()] * message.header.num_required_signatures
        VersionedTransaction.populate(message, placeholders).sanitize()
    except Exception as exc:
        raise invalid_params(f"{where}: invalid message: {exc}") from exc
    return message


def transaction_version(transaction: VersionedTransaction) -> int | None:
    """0 for v0 messages, ``None`` for legacy ones."""
    return 0 if isinstance(transaction.message, MessageV0) else None


def with_blockhash(transaction: VersionedTransaction, blockhash: Hash) -> VersionedTransaction:
    """The same transaction with another recent blockhash (signatures no longer match)."""
    message = transaction.message
    replaced: Message | MessageV0
    if isinstance(message, MessageV0):
        replaced = MessageV0(
            message.header,
            message.account_keys,
            blockhash,
            message.instructions,
            message.address_table_lookups,
        )
    elif isinstance(message, Message):
        header = message.header
        replaced = Message.new_with_compiled_instructions(
            header.num_required_signatures,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts,
            message.account_keys,
            blockhash,
            message.instructions,
        )
    else:
        raise invalid_params("transaction version 1 is not supported")
    return VersionedTransaction.populate(replaced, transaction.signatures)


def is_static_writable(message: Message | MessageV0, index: int) -> bool:
    """Writability of a static account key as the header declares it."""
    header = message.header
    signed = header.num_required_signatures
    if index < signed:
        return index < signed - header.num_readonly_signed_accounts
    return index < len(message.account_keys) - header.num_readonly_unsigned_accounts


def compiled_instruction_json(
    instruction: CompiledInstruction, stack_height: int | None
) -> dict[str, JsonValue]:
    """A ``json``-encoded instruction (indexes into the account key list)."""
    return {
        "programIdIndex": instruction.program_id_index,
        "accounts": list(instruction.accounts),
        "data": b58encode(bytes(instruction.data)),
        "stackHeight": stack_height,
    }


def partially_decoded_instruction_json(
    instruction: CompiledInstruction, keys: Sequence[Pubkey], stack_height: int | None
) -> dict[str, JsonValue]:
    """A ``jsonParsed`` instruction for a program without a parser (addresses, raw data)."""
    return {
        "programId": str(keys[instruction.program_id_index]),
        "accounts": [str(keys[index]) for index in instruction.accounts],
        "data": b58encode(bytes(instruction.data)),
        "stackHeight": stack_height,
    }


def jsonparsed_instruction_json(
    instruction: CompiledInstruction, keys: Sequence[Pubkey], stack_height: int | None
) -> dict[str, JsonValue]:
    """A ``jsonParsed`` instruction: parsed where a parser knows the program, else partial."""
    accounts = [keys[index] for index in instruction.accounts]
    program_id = keys[instruction.program_id_index]
    parsed = parsed_instruction_json(program_id, accounts, bytes(instruction.data), stack_height)
    return parsed or partially_decoded_instruction_json(instruction, keys, stack_height)


def _legacy_or_v0(transaction: VersionedTransaction) -> Message | MessageV0:
    message = transaction.message
    if isinstance(message, MessageV1):
        raise invalid_params("transaction version 1 is not supported")
    return message


def encode_transaction(
    transaction: VersionedTransaction, encoding: str, loaded: LoadedAddresses
) -> JsonValue:
    """getTransaction's ``transaction`` member in ``encoding``."""
    if encoding == "base64":
        return [base64.b64encode(bytes(transaction)).decode("ascii"), "base64"]
    if encoding == "base58":
        return [b58encode(bytes(transaction)), "base58"]
    message = _legacy_or_v0(transaction)
    signatures = [str(signature) for signature in transaction.signatures]
    if encoding == "jsonParsed":
        return {"signatures": signatures, "message": _parsed_message_json(message, loaded)}
    return {"signatures": signatures, "message": _raw_message_json(message)}


def _raw_message_json(message: Message | MessageV0) -> dict[str, JsonValue]:
    header = message.header
    encoded: dict[str, JsonValue] = {
        "header": {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        },
        "accountKeys": [str(key) for key in message.account_keys],
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [
            compiled_instruction_json(instruction, None) for instruction in message.instructions
        ],
    }
    if isinstance(message, MessageV0):
        encoded["addressTableLookups"] = _lookups_json(message)
    return encoded


def _parsed_message_json(
    message: Message | MessageV0, loaded: LoadedAddresses
) -> dict[str, JsonValue]:
    static = list(message.account_keys)
    keys = static + list(loaded.writable) + list(loaded.readonly)
    signers = message.header.num_required_signatures
    account_keys: list[JsonValue] = [
        {
            "pubkey": str(key),
            "writable": is_static_writable(message, index),
            "signer": index < signers,
            "source": "transaction",
        }
        for index, key in enumerate(static)
    ]
    account_keys += [
        {"pubkey": str(key), "writable": True, "signer": False, "source": "lookupTable"}
        for key in loaded.writable
    ]
    account_keys += [
        {"pubkey": str(key), "writable": False, "signer": False, "source": "lookupTable"}
        for key in loaded.readonly
    ]
    encoded: dict[str, JsonValue] = {
        "accountKeys": account_keys,
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [
            jsonparsed_instruction_json(instruction, keys, None)
            for instruction in message.instructions
        ],
    }
    if isinstance(message, MessageV0):
        encoded["addressTableLookups"] = _lookups_json(message)
    return encoded


def _lookups_json(message: MessageV0) -> list[JsonValue]:
    return [
        {
            "accountKey": str(lookup.account_key),
            "writableIndexes": list(lookup.writable_indexes),
            "readonlyIndexes": list(lookup.readonly_indexes),
        }
        for lookup in message.address_table_lookups
    ]
