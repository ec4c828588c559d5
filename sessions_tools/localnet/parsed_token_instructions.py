"""``jsonParsed`` SPL Token and Token-2022 instructions, named as agave's ``parse_token`` does.

Covered: the original token program's instructions with tags 0-20 (Token-2022
shares them; later tags and its extension instructions stay partially decoded). Amounts are
strings; the ``*Checked`` forms carry a ``tokenAmount`` (``UiTokenAmount``).
An authority followed by more accounts is a multisig: the field becomes
``multisig<Name>`` and the rest are ``signers``. Instruction options
(``COption<Pubkey>``) are a one-byte tag and the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.borsh import U64
from sessions_client.codec import scalar_struct
from sessions_tools.localnet.rpc_errors import JsonValue
from sessions_tools.localnet.token_layouts import ui_token_amount

TokenInfo = dict[str, JsonValue]
_U64: Final = scalar_struct(U64)
AUTHORITY_TYPES: Final = ("mintTokens", "freezeAccount", "accountOwner", "closeAccount")


class MalformedTokenInstructionError(Exception):
    """The data or accounts do not form this token instruction."""


class _Data:
    """The instruction's fields after the tag, in order."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 1

    def _take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise MalformedTokenInstructionError
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def u8(self) -> int:
        return self._take(1)[0]

    def u64(self) -> int:
        return int(_U64.unpack(self._take(8))[0])

    def pubkey(self) -> str:
        return str(Pubkey.from_bytes(self._take(32)))

    def option_pubkey(self) -> str | None:
        tag = self.u8()
        if tag > 1:
            raise MalformedTokenInstructionError
        return self.pubkey() if tag == 1 else None


def _named(keys: Sequence[str], names: Sequence[str]) -> TokenInfo:
    if len(keys) < len(names):
        raise MalformedTokenInstructionError
    return {name: keys[index] for index, name in enumerate(names)}


def _signed(keys: Sequence[str], names: Sequence[str], authority: str) -> TokenInfo:
    """``names`` then the authority, or a multisig authority and its signers."""
    info = _named(keys, (*names, authority))
    signers = keys[len(names) + 1 :]
    if signers:
        info[f"multisig{authority[0].upper()}{authority[1:]}"] = info.pop(authority)
        info["signers"] = list(signers)
    return info


def _initialize_mint(d: _Data, keys: Sequence[str], with_rent: bool) -> TokenInfo:
    info = _named(keys, ("mint", "rentSysvar") if with_rent else ("mint",))
    info["decimals"] = d.u8()
    info["mintAuthority"] = d.pubkey()
    freeze = d.option_pubkey()
    if freeze is not None:
        info["freezeAuthority"] = freeze
    return info


def _set_authority(d: _Data, keys: Sequence[str]) -> TokenInfo:
    kind = d.u8()
    if kind >= len(AUTHORITY_TYPES):
        raise MalformedTokenInstructionError
    subject = "mint" if kind in (0, 1) else "account"
    info = _signed(keys, (subject,), "authority")
    info["authorityType"] = AUTHORITY_TYPES[kind]
    info["newAuthority"] = d.option_pubkey()
    return info


def _amount(names: Sequence[str], authority: str) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    def parse(d: _Data, keys: Sequence[str]) -> TokenInfo:
        return {**_signed(keys, names, authority), "amount": str(d.u64())}

    return parse


def _checked(names: Sequence[str], authority: str) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    def parse(d: _Data, keys: Sequence[str]) -> TokenInfo:
        amount, decimals = d.u64(), d.u8()
        return {**_signed(keys, names, authority), "tokenAmount": ui_token_amount(amount, decimals)}

    return parse


def _authority_only(
    names: Sequence[str], authority: str
) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    return lambda d, keys: _signed(keys, names, authority)


def _accounts_only(names: Sequence[str]) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    return lambda d, keys: _named(keys, names)


def _multisig(with_rent: bool) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    def parse(d: _Data, keys: Sequence[str]) -> TokenInfo:
        names = ("multisig", "rentSysvar") if with_rent else ("multisig",)
        info = _named(keys, names)
        info["signers"] = list(keys[len(names) :])
        info["m"] = d.u8()
        return info

    return parse


def _owner_in_data(names: Sequence[str], rent: bool) -> Callable[[_Data, Sequence[str]], TokenInfo]:
    def parse(d: _Data, keys: Sequence[str]) -> TokenInfo:
        info = _named(keys, (*names, "rentSysvar") if rent else names)
        info["owner"] = d.pubkey()
        return info

    return parse


_PARSERS: Final[tuple[tuple[str, Callable[[_Data, Sequence[str]], TokenInfo]], ...]] = (
    ("initializeMint", lambda d, keys: _initialize_mint(d, keys, with_rent=True)),
    ("initializeAccount", _accounts_only(("account", "mint", "owner", "rentSysvar"))),
    ("initializeMultisig", _multisig(with_rent=True)),
    ("transfer", _amount(("source", "destination"), "authority")),
    ("approve", _amount(("source", "delegate"), "owner")),
    ("revoke", _authority_only(("source",), "owner")),
    ("setAuthority", _set_authority),
    ("mintTo", _amount(("mint", "account"), "mintAuthority")),
    ("burn", _amount(("account", "mint"), "authority")),
    ("closeAccount", _authority_only(("account", "destination"), "owner")),
    ("freezeAccount", _authority_only(("account", "mint"), "freezeAuthority")),
    ("thawAccount", _authority_only(("account", "mint"), "freezeAuthority")),
    ("transferChecked", _checked(("source", "mint", "destination"), "authority")),
    ("approveChecked", _checked(("source", "mint", "delegate"), "owner")),
    ("mintToChecked", _checked(("mint", "account"), "mintAuthority")),
    ("burnChecked", _checked(("account", "mint"), "authority")),
    ("initializeAccount2", _owner_in_data(("account", "mint"), rent=True)),
    ("syncNative", _accounts_only(("account",))),
    ("initializeAccount3", _owner_in_data(("account", "mint"), rent=False)),
    ("initializeMultisig2", _multisig(with_rent=False)),
    ("initializeMint2", lambda d, keys: _initialize_mint(d, keys, with_rent=False)),
)
"""Indexed by the instruction's first byte, in the token program's order."""


def parse_token_instruction(data: bytes, keys: Sequence[str]) -> JsonValue:
    """``{"type", "info"}`` of one token instruction; raises when it does not decode."""
    if not data or data[0] >= len(_PARSERS):
        raise MalformedTokenInstructionError
    name, parse = _PARSERS[data[0]]
    return {"type": name, "info": parse(_Data(data), keys)}
