"""``jsonParsed`` instructions of the system and token programs, as the validator parses them.

web3.js ``getParsedTransaction`` and Kit's ``jsonParsed`` types expect
``{"program": "system", "programId", "parsed": {"type", "info"}, "stackHeight"}``
for a program the validator knows how to parse, with the same ``type`` names
and ``info`` members (agave's ``parse_system``; the token programs' are in
:mod:`~sessions_tools.localnet.parsed_token_instructions`). Data that does not decode
(too short, an unknown tag, too few accounts) is left partially decoded, as
the validator leaves it; trailing bytes are ignored, as the system program
itself ignores them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.borsh import U32, U64
from sessions_client.codec import scalar_struct
from sessions_tools.localnet.config import SYSTEM_PROGRAM_ID
from sessions_tools.localnet.parsed_token_instructions import (
    MalformedTokenInstructionError,
    parse_token_instruction,
)
from sessions_tools.localnet.rpc_errors import JsonValue
from sessions_tools.localnet.token_layouts import (
    PROGRAM_NAMES,
    TOKEN_2022_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
)

SystemInfo = dict[str, JsonValue]
_U32: Final = scalar_struct(U32)
_U64: Final = scalar_struct(U64)


class _MalformedError(Exception):
    """The data or accounts do not form this instruction."""


@dataclass
class _Reader:
    """Little-endian bincode fields, in order."""

    data: bytes
    at: int = 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise _MalformedError
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def u64(self) -> int:
        return int(_U64.unpack(self.take(8))[0])

    def pubkey(self) -> str:
        return str(Pubkey.from_bytes(self.take(32)))

    def seed(self) -> str:
        try:
            return self.take(self.u64()).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _MalformedError from exc


def _accounts(keys: Sequence[str], names: Sequence[str]) -> SystemInfo:
    if len(keys) < len(names):
        raise _MalformedError
    return {name: keys[index] for index, name in enumerate(names)}


def _create_account(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {
        **_accounts(keys, ("source", "newAccount")),
        "lamports": r.u64(),
        "space": r.u64(),
        "owner": r.pubkey(),
    }


def _assign(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {**_accounts(keys, ("account",)), "owner": r.pubkey()}


def _transfer(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {**_accounts(keys, ("source", "destination")), "lamports": r.u64()}


def _create_account_with_seed(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {
        **_accounts(keys, ("source", "newAccount")),
        "base": r.pubkey(),
        "seed": r.seed(),
        "lamports": r.u64(),
        "space": r.u64(),
        "owner": r.pubkey(),
    }


def _advance_nonce(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return _accounts(keys, ("nonceAccount", "recentBlockhashesSysvar", "nonceAuthority"))


def _withdraw_nonce(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    names = ("nonceAccount", "destination", "recentBlockhashesSysvar", "rentSysvar")
    return {**_accounts(keys, (*names, "nonceAuthority")), "lamports": r.u64()}


def _initialize_nonce(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    names = ("nonceAccount", "recentBlockhashesSysvar", "rentSysvar")
    return {**_accounts(keys, names), "nonceAuthority": r.pubkey()}


def _authorize_nonce(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {**_accounts(keys, ("nonceAccount", "nonceAuthority")), "newAuthorized": r.pubkey()}


def _allocate(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {**_accounts(keys, ("account",)), "space": r.u64()}


def _allocate_with_seed(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {
        **_accounts(keys, ("account",)),
        "base": r.pubkey(),
        "seed": r.seed(),
        "space": r.u64(),
        "owner": r.pubkey(),
    }


def _assign_with_seed(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return {
        **_accounts(keys, ("account",)),
        "base": r.pubkey(),
        "seed": r.seed(),
        "owner": r.pubkey(),
    }


def _transfer_with_seed(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    info = _accounts(keys, ("source", "sourceBase", "destination"))
    return {**info, "lamports": r.u64(), "sourceSeed": r.seed(), "sourceOwner": r.pubkey()}


def _upgrade_nonce(r: _Reader, keys: Sequence[str]) -> SystemInfo:
    return _accounts(keys, ("nonceAccount",))


_SYSTEM: Final[tuple[tuple[str, Callable[[_Reader, Sequence[str]], SystemInfo]], ...]] = (
    ("createAccount", _create_account),
    ("assign", _assign),
    ("transfer", _transfer),
    ("createAccountWithSeed", _create_account_with_seed),
    ("advanceNonce", _advance_nonce),
    ("withdrawFromNonce", _withdraw_nonce),
    ("initializeNonce", _initialize_nonce),
    ("authorizeNonce", _authorize_nonce),
    ("allocate", _allocate),
    ("allocateWithSeed", _allocate_with_seed),
    ("assignWithSeed", _assign_with_seed),
    ("transferWithSeed", _transfer_with_seed),
    ("upgradeNonce", _upgrade_nonce),
)
"""Indexed by the instruction's u32 tag, as the system program's enum orders them."""


def _parse_system(data: bytes, keys: Sequence[str]) -> JsonValue:
    reader = _Reader(data)
    (tag,) = _U32.unpack(reader.take(4))
    if tag >= len(_SYSTEM):
        raise _MalformedError
    name, parse = _SYSTEM[tag]
    return {"type": name, "info": parse(reader, keys)}


_PARSERS: Final[Mapping[Pubkey, tuple[str, Callable[[bytes, Sequence[str]], JsonValue]]]] = (
    MappingProxyType(
        {
            SYSTEM_PROGRAM_ID: ("system", _parse_system),
            TOKEN_PROGRAM_ID: (PROGRAM_NAMES[TOKEN_PROGRAM_ID], parse_token_instruction),
            TOKEN_2022_PROGRAM_ID: (PROGRAM_NAMES[TOKEN_2022_PROGRAM_ID], parse_token_instruction),
        }
    )
)


def parsed_instruction_json(
    program_id: Pubkey, accounts: Sequence[Pubkey], data: bytes, stack_height: int | None
) -> dict[str, JsonValue] | None:
    """The parsed form of one instruction, or ``None`` when no parser applies or it fails."""
    entry = _PARSERS.get(program_id)
    if entry is None:
        return None
    program, parse = entry
    try:
        parsed = parse(data, [str(key) for key in accounts])
    except (_MalformedError, MalformedTokenInstructionError):
        return None
    return {
        "program": program,
        "programId": str(program_id),
        "parsed": parsed,
        "stackHeight": stack_height,
    }
