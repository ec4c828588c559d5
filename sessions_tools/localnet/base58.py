"""Base58 (Bitcoin alphabet) for arbitrary byte strings.

solders only exposes base58 through fixed-size types (Pubkey, Signature,
Hash); JSON-RPC also carries base58 for variable-length data: memcmp filter
bytes, account data with ``encoding: base58``, instruction data and whole
transactions. Those are small (the validator caps them at 128 bytes of data
or one 1232-byte packet), so a plain big-integer codec is fast enough and
saves a dependency.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX: Final = MappingProxyType({char: value for value, char in enumerate(ALPHABET)})


def b58encode(data: bytes) -> str:
    """Encode ``data``; leading zero bytes become leading ``1`` characters."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Decode ``text``; raises ``ValueError`` naming the first bad character."""
    number = 0
    for position, char in enumerate(text):
        value = _INDEX.get(char)
        if value is None:
            raise ValueError(f"invalid base58 character {char!r} at position {position}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body
