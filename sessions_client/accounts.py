"""The Session account: discriminator, size, the header check and strict decoding.

:func:`session_header_fault` is the one header check (size, then discriminator, then
layout version, in the program's order): the decoder, the simulator's account loading
and its execution gate all use it, and the offsets it reads come from the layout.
"""

from __future__ import annotations

import enum
from typing import Final

from sessions_client.codec import layout_of
from sessions_client.constants import SESSION_VERSION
from sessions_client.discriminators import DISCRIMINATOR_LEN, account_discriminator
from sessions_client.exceptions import DecodeError
from sessions_client.types import Session

SESSION_DISCRIMINATOR: Final = account_discriminator("Session")
_SESSION_LAYOUT: Final = layout_of(Session)
#: Anchor's ``INIT_SPACE``: the account's size without its discriminator.
INIT_SPACE: Final = _SESSION_LAYOUT.size
#: The on-chain data length of a Session account.
SESSION_ACCOUNT_SIZE: Final = DISCRIMINATOR_LEN + INIT_SPACE
#: Where the layout version sits in the account data.
SESSION_VERSION_OFFSET: Final = DISCRIMINATOR_LEN + _SESSION_LAYOUT.field("version").offset


class HeaderFault(enum.Enum):
    """Which header check an account's data fails, in the order the program checks."""

    SIZE = "size"
    DISCRIMINATOR = "discriminator"
    VERSION = "version"


def session_account_offset(path: str) -> int:
    """Where the Session field at ``path`` sits in the account data (discriminator first)."""
    return DISCRIMINATOR_LEN + _SESSION_LAYOUT.leaf(path).offset


def session_header_fault(data: bytes | bytearray | memoryview) -> HeaderFault | None:
    """The first header check ``data`` fails: size, discriminator, version; None if none."""
    if len(data) != SESSION_ACCOUNT_SIZE:
        return HeaderFault.SIZE
    if bytes(data[:DISCRIMINATOR_LEN]) != SESSION_DISCRIMINATOR:
        return HeaderFault.DISCRIMINATOR
    if data[SESSION_VERSION_OFFSET] != SESSION_VERSION:
        return HeaderFault.VERSION
    return None


def decode_session(data: bytes | bytearray | memoryview) -> Session:
    """Decode a Session account's data, refusing wrong sizes and discriminators.

    A different layout version still decodes (its ``version`` field says which): reading
    is not refusing; the program and the simulator refuse it.
    """
    fault = session_header_fault(data)
    if fault is HeaderFault.SIZE:
        raise DecodeError(f"Session account must be {SESSION_ACCOUNT_SIZE} bytes, got {len(data)}")
    if fault is HeaderFault.DISCRIMINATOR:
        raise DecodeError(
            f"not a Session account: discriminator {bytes(data[:DISCRIMINATOR_LEN]).hex()} "
            f"!= {SESSION_DISCRIMINATOR.hex()}"
        )
    return _SESSION_LAYOUT.decode(data, DISCRIMINATOR_LEN)


def encode_session(session: Session) -> bytes:
    """The exact account data the program stores for ``session``."""
    return SESSION_DISCRIMINATOR + _SESSION_LAYOUT.encode(session)
