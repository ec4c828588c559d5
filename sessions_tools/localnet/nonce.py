"""Durable-nonce transactions: which account holds the nonce, and whether it vouches.

A transaction whose first instruction is the system program's
AdvanceNonceAccount may use its nonce account's stored durable nonce instead
of a recent blockhash. The rules are the validator's: the nonce account is
that instruction's first account, it must be writable, owned by the system
program and initialized, its stored nonce must equal the message's
``recent_blockhash`` and its authority must sign the instruction. Anything
else is not a nonce transaction and is judged by its blockhash alone, so a
malformed one fails as ``BlockhashNotFound`` rather than crashing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from solders.account import Account
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

NONCE_ACCOUNT_LENGTH: Final = 80
_ADVANCE_NONCE_TAG: Final = (4).to_bytes(4, "little")
_STATE_RANGE: Final = slice(4, 8)
_INITIALIZED: Final = (1).to_bytes(4, "little")
_AUTHORITY_RANGE: Final = slice(8, 40)
_DURABLE_NONCE_RANGE: Final = slice(40, 72)


def nonce_account_address(message: Message | MessageV0, keys: Sequence[Pubkey]) -> Pubkey | None:
    """The nonce account a durable-nonce transaction names, ``None`` if it is not one.

    ``keys`` are all the message's accounts, lookup-table ones included, in
    index order.
    """
    if not message.instructions:
        return None
    first = message.instructions[0]
    if first.program_id_index >= len(keys) or keys[first.program_id_index] != SYSTEM_PROGRAM_ID:
        return None
    if bytes(first.data)[:4] != _ADVANCE_NONCE_TAG or not first.accounts:
        return None
    index = first.accounts[0]
    if index >= len(keys) or not _is_writable(message, index):
        return None
    return keys[index]


def _is_writable(message: Message | MessageV0, index: int) -> bool:
    """Writability from the header (legacy messages have no accessor for it)."""
    if isinstance(message, MessageV0):
        return message.is_maybe_writable(index)
    header = message.header
    signers = header.num_required_signatures
    if index < signers:
        return index < signers - header.num_readonly_signed_accounts
    return index < len(message.account_keys) - header.num_readonly_unsigned_accounts


def nonce_vouches(account: Account | None, message: Message | MessageV0) -> bool:
    """Whether ``account`` is an initialized nonce for this message, signed by its authority."""
    if account is None or account.owner != SYSTEM_PROGRAM_ID:
        return False
    data = bytes(account.data)
    if len(data) != NONCE_ACCOUNT_LENGTH or data[_STATE_RANGE] != _INITIALIZED:
        return False
    if data[_DURABLE_NONCE_RANGE] != bytes(message.recent_blockhash):
        return False
    authority = Pubkey(data[_AUTHORITY_RANGE])
    first = message.instructions[0]
    signers = message.header.num_required_signatures
    keys = message.account_keys
    return any(index < signers and keys[index] == authority for index in first.accounts)
