"""One instruction's inputs as the program sees them: account keys, data, and flags."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from solders.pubkey import Pubkey


class Invocation(NamedTuple):
    """The instruction-level inputs: the keys passed (in order), the data, and which keys
    the transaction makes signers and writable.

    Immutable like a frozen dataclass; a NamedTuple because one is built per instruction.
    """

    keys: Sequence[Pubkey]
    data: bytes
    signers: Collection[Pubkey]
    writable: Collection[Pubkey]
