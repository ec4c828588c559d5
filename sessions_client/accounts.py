"""The Session account: discriminator, size and strict decoding of raw account data."""

from __future__ import annotations

from typing import Final

from sessions_client.codec import layout_of
from sessions_client.discriminators import account_discriminator
from sessions_client.exceptions import DecodeError
from sessions_client.types import Session

SESSION_DISCRIMINATOR: Final = account_discriminator("Session")
#: Anchor's ``INIT_SPACE``: the account's size without its discriminator.
INIT_SPACE: Final = layout_of(Session).size
#: The on-chain data length of a Session account.
SESSION_ACCOUNT_SIZE: Final = 8 + INIT_SPACE
_SESSION_LAYOUT: Final = layout_of(Session)


def decode_session(data: bytes | bytearray | memoryview) -> Session:
    """Decode a Session account's data, refusing wrong sizes and discriminators."""
    if len(data) != SESSION_ACCOUNT_SIZE:
        raise DecodeError(f"Session account must be {SESSION_ACCOUNT_SIZE} bytes, got {len(data)}")
    if bytes(data[:8]) != SESSION_DISCRIMINATOR:
        raise DecodeError(
            f"not a Session account: discriminator {bytes(data[:8]).hex()} "
            f"!= {SESSION_DISCRIMINATOR.hex()}"
        )
    return _SESSION_LAYOUT.decode(data, 8)


def encode_session(session: Session) -> bytes:
    """The exact account data the program stores for ``session``."""
    return SESSION_DISCRIMINATOR + _SESSION_LAYOUT.encode(session)
