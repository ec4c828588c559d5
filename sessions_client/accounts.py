"""The Session account: discriminator, size, the header check and strict decoding.

:func:`session_header_fault` is the one header check (size, then discriminator, then
layout version, in the program's order): the decoders, the simulator's account loading
and its execution gate all use it, and the offsets it reads come from the layout.

:func:`decode_session` refuses anything the program would never have stored
(another layout version, a status that only the client's model knows, a
config out of the program's bounds, and, given the address it was read at,
an account that is not at its own PDA), so a client never acts on a forged
or misread session. :func:`decode_session_layout` only decodes the bytes,
for the simulator's program model, which checks stored state itself, in the
program's order and with the program's error codes.
"""

from __future__ import annotations

import enum
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.codec import layout_of
from sessions_client.constants import MAX_SESSION_DURATION, PROGRAM_ID, SESSION_VERSION
from sessions_client.discriminators import DISCRIMINATOR_LEN, account_discriminator
from sessions_client.exceptions import (
    DecodeError,
    InvalidSessionConfigError,
    InvalidSessionStatusError,
    SessionAddressMismatchError,
    UnsupportedSessionVersionError,
)
from sessions_client.pda import session_address
from sessions_client.types import ON_CHAIN_STATUSES, Session

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


def _check_frame(fault: HeaderFault | None, data: bytes | bytearray | memoryview) -> None:
    if fault is HeaderFault.SIZE:
        raise DecodeError(f"Session account must be {SESSION_ACCOUNT_SIZE} bytes, got {len(data)}")
    if fault is HeaderFault.DISCRIMINATOR:
        raise DecodeError(
            f"not a Session account: discriminator {bytes(data[:DISCRIMINATOR_LEN]).hex()} "
            f"!= {SESSION_DISCRIMINATOR.hex()}"
        )


def decode_session_layout(data: bytes | bytearray | memoryview) -> Session:
    """Decode a Session account's bytes, refusing wrong sizes and discriminators only.

    A different layout version still decodes (its ``version`` field says which): the
    simulator's model refuses it itself, with the program's error code.
    """
    _check_frame(session_header_fault(data), data)
    return _SESSION_LAYOUT.decode(data, DISCRIMINATOR_LEN)


def decode_session(
    data: bytes | bytearray | memoryview,
    *,
    address: Pubkey | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Session:
    """Decode a Session account's data and refuse what the program never stores.

    Size, discriminator and version are checked before the fields, which
    another layout would misplace. With ``address`` (where the account was read), the Session
    must also sit at the PDA of its creator, id and stored bump.
    """
    fault = session_header_fault(data)
    _check_frame(fault, data)
    if fault is HeaderFault.VERSION:
        raise UnsupportedSessionVersionError(data[SESSION_VERSION_OFFSET], SESSION_VERSION)
    session = _SESSION_LAYOUT.decode(data, DISCRIMINATOR_LEN)
    if session.status not in ON_CHAIN_STATUSES:
        raise InvalidSessionStatusError("status", f"{session.status.name} is never stored on chain")
    if not 1 <= session.config.max_duration <= MAX_SESSION_DURATION:
        raise InvalidSessionConfigError(
            "config.max_duration",
            f"max_duration {session.config.max_duration} is outside 1..{MAX_SESSION_DURATION}",
        )
    if address is not None:
        expected = session_address(session.creator, session.session_id, session.bump, program_id)
        if expected != address:
            raise SessionAddressMismatchError(address, expected)
    return session


def encode_session(session: Session) -> bytes:
    """The exact account data the program stores for ``session``."""
    return SESSION_DISCRIMINATOR + _SESSION_LAYOUT.encode(session)
