"""getProgramAccounts filters: parsing the wire form and matching account data.

Semantics follow the validator: ``dataSize`` is an exact length match,
``memcmp`` compares bytes at an offset and fails (rather than errors) when
the account is too short, all filters must match, and at most four may be
given. memcmp bytes come as base58 (the default when ``encoding`` is
absent), base64, or, as solders serializes raw bytes, a list of integers.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Final

from sessions_tools.localnet.base58 import b58decode
from sessions_tools.localnet.params import as_string, as_u64, describe
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

MAX_FILTERS: Final = 4
MAX_MEMCMP_BYTES: Final = 128
MAX_MEMCMP_BASE58_CHARS: Final = 175
MAX_MEMCMP_BASE64_CHARS: Final = 172


@dataclass(frozen=True)
class DataSizeFilter:
    """Keep accounts whose data is exactly ``size`` bytes long."""

    size: int

    def matches(self, data: bytes) -> bool:
        """Exact length match."""
        return len(data) == self.size


@dataclass(frozen=True)
class MemcmpFilter:
    """Keep accounts whose data holds ``expected`` at ``offset``."""

    offset: int
    expected: bytes

    def matches(self, data: bytes) -> bool:
        """Byte comparison; short data never matches."""
        end = self.offset + len(self.expected)
        return end <= len(data) and data[self.offset : end] == self.expected


AccountFilter = DataSizeFilter | MemcmpFilter


def parse_filters(value: JsonValue, where: str) -> tuple[AccountFilter, ...]:
    """The ``filters`` array of a getProgramAccounts config."""
    if not isinstance(value, list):
        raise invalid_params(f"{where}: expected an array of filters, got {describe(value)}")
    if len(value) > MAX_FILTERS:
        raise invalid_params(f"{where}: too many filters provided; max {MAX_FILTERS}")
    return tuple(_parse_filter(entry, f"{where}[{index}]") for index, entry in enumerate(value))


def matches_all(filters: tuple[AccountFilter, ...], data: bytes) -> bool:
    """Whether ``data`` passes every filter."""
    return all(account_filter.matches(data) for account_filter in filters)


def _parse_filter(entry: JsonValue, where: str) -> AccountFilter:
    if not isinstance(entry, dict) or len(entry) != 1:
        raise invalid_params(
            f'{where}: expected {{"dataSize": n}} or {{"memcmp": {{...}}}}, got {describe(entry)}'
        )
    ((kind, body),) = entry.items()
    if kind == "dataSize":
        return DataSizeFilter(as_u64(body, f"{where}.dataSize"))
    if kind == "memcmp":
        return _parse_memcmp(body, f"{where}.memcmp")
    raise invalid_params(f"{where}: unsupported filter {kind!r} (supported: dataSize, memcmp)")


def _parse_memcmp(body: JsonValue, where: str) -> MemcmpFilter:
    if not isinstance(body, dict):
        raise invalid_params(f"{where}: expected an object, got {describe(body)}")
    if "offset" not in body or "bytes" not in body:
        raise invalid_params(f"{where}: 'offset' and 'bytes' are both required")
    offset = as_u64(body["offset"], f"{where}.offset")
    encoding = body.get("encoding")
    raw = body["bytes"]
    if encoding is None and isinstance(raw, list):
        encoding = "bytes"
    encoding = "base58" if encoding is None else as_string(encoding, f"{where}.encoding")
    expected = _decode_memcmp_bytes(raw, encoding, f"{where}.bytes")
    if len(expected) > MAX_MEMCMP_BYTES:
        raise invalid_params(f"{where}.bytes: {len(expected)} bytes; max {MAX_MEMCMP_BYTES}")
    return MemcmpFilter(offset, expected)


def _decode_memcmp_bytes(raw: JsonValue, encoding: str, where: str) -> bytes:
    if encoding == "bytes":
        if not isinstance(raw, list) or not all(
            isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in raw
        ):
            raise invalid_params(f"{where}: expected an array of byte values 0-255")
        return bytes(raw)
    text = as_string(raw, where)
    if encoding == "base58":
        if len(text) > MAX_MEMCMP_BASE58_CHARS:
            raise invalid_params(f"{where}: base58 string too long; max {MAX_MEMCMP_BASE58_CHARS}")
        try:
            return b58decode(text)
        except ValueError as exc:
            raise invalid_params(f"{where}: invalid base58: {exc}") from exc
    if encoding == "base64":
        if len(text) > MAX_MEMCMP_BASE64_CHARS:
            raise invalid_params(f"{where}: base64 string too long; max {MAX_MEMCMP_BASE64_CHARS}")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_params(f"{where}: invalid base64: {exc}") from exc
    raise invalid_params(f"{where}: unknown encoding {encoding!r} (expected base58 or base64)")
