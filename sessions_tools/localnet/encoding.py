"""Account data encodings, as getAccountInfo and friends put them on the wire.

Shapes follow the validator's ``UiAccount``: ``data`` is ``[text, encoding]``
(or a bare base58 string for the legacy ``binary`` encoding), and ``space``
is the full data length even when a ``dataSlice`` trims ``data``.
``jsonParsed`` data comes from the parsers of
:mod:`~sessions_tools.localnet.methods.parsed_accounts` (SPL token accounts and
mints); anything else falls back to base64, exactly as a validator does for a
program it cannot parse, and clients detect that by the array form.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from typing import Final

from solders.account import Account
from solders.pubkey import Pubkey

from sessions_tools.localnet.base58 import b58encode
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

MAX_BASE58_BYTES: Final = 128
"""Validators refuse to base58-encode more account data than this (it is quadratic)."""


class AccountEncoding(enum.Enum):
    """The ``encoding`` values accepted for account data."""

    BINARY = "binary"
    BASE58 = "base58"
    BASE64 = "base64"
    BASE64_ZSTD = "base64+zstd"
    JSON_PARSED = "jsonParsed"

    @classmethod
    def parse(cls, value: str, *, where: str) -> AccountEncoding:
        """Map the wire name to the enum, with an error that lists the valid names."""
        for member in cls:
            if member.value == value:
                return member
        names = ", ".join(member.value for member in cls)
        raise invalid_params(f"{where}: unknown encoding {value!r} (expected one of: {names})")


@dataclass(frozen=True)
class DataSlice:
    """``dataSlice``: return only ``length`` bytes starting at ``offset``."""

    offset: int
    length: int

    def apply(self, data: bytes) -> bytes:
        """The requested window; out-of-range windows are empty, not errors."""
        return data[self.offset : self.offset + self.length]


def check_encodable(size: int, encoding: AccountEncoding) -> None:
    """Refuse base58 (and ``binary``) for more than :data:`MAX_BASE58_BYTES` of data."""
    if encoding in (AccountEncoding.BINARY, AccountEncoding.BASE58) and size > MAX_BASE58_BYTES:
        raise invalid_params(
            f"encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes "
            f"(this account has {size}); please use base64 encoding"
        )


def encode_data(data: bytes, encoding: AccountEncoding) -> JsonValue:
    """The ``data`` member for already-sliced bytes."""
    check_encodable(len(data), encoding)
    if encoding in (AccountEncoding.BINARY, AccountEncoding.BASE58):
        text = b58encode(data)
        return text if encoding is AccountEncoding.BINARY else [text, "base58"]
    if encoding is AccountEncoding.BASE64_ZSTD:
        return [base64.b64encode(_zstd_compress(data)).decode("ascii"), "base64+zstd"]
    return [base64.b64encode(data).decode("ascii"), "base64"]


def encode_account(
    account: Account,
    encoding: AccountEncoding,
    data_slice: DataSlice | None = None,
    parsed: JsonValue = None,
) -> dict[str, JsonValue]:
    """One ``UiAccount`` object; ``parsed`` is the jsonParsed data, when a parser knew it."""
    data = bytes(account.data)
    shown = data_slice.apply(data) if data_slice is not None else data
    use_parsed = encoding is AccountEncoding.JSON_PARSED and parsed is not None
    return {
        "lamports": account.lamports,
        "data": parsed if use_parsed else encode_data(shown, encoding),
        "owner": str(account.owner),
        "executable": account.executable,
        "rentEpoch": account.rent_epoch,
        "space": len(data),
    }


def encode_keyed_account(
    address: Pubkey,
    account: Account,
    encoding: AccountEncoding,
    data_slice: DataSlice | None,
    parsed: JsonValue = None,
) -> dict[str, JsonValue]:
    """One getProgramAccounts entry."""
    ui_account = encode_account(account, encoding, data_slice, parsed)
    return {"pubkey": str(address), "account": ui_account}


def _zstd_compress(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError as exc:
        raise invalid_params(
            "base64+zstd encoding needs the 'zstandard' package, which is not installed; use base64"
        ) from exc
    return zstandard.ZstdCompressor().compress(data)
