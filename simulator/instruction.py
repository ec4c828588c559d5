"""The instruction side of the model: the argument offsets inside instruction data, and the
signer/writable flags a transaction gives each account.

Offsets are derived from the client mirror's
:data:`~sessions_client.instructions.INSTRUCTIONS` and argument layouts (the same map the C
header's ``IX_*_ARG_*`` come from), so the model reads the very bytes the builders produce;
which instruction a discriminator names, and its sizes, is :mod:`simulator.handler_registry`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import (
    CLOCK,
    EPOCH_SCHEDULE,
    INSTRUCTIONS,
    RECENT_BLOCKHASHES,
    RENT,
    REWARDS,
    SLOT_HASHES,
    STAKE_HISTORY,
)

from sessions_client.codec import Layout, layout_of
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.types import SessionParams


def arg_offset(instruction: str, path: str) -> int:
    """Where argument ``path`` of ``instruction`` sits in its data (the C ``IX_*_ARG_*``)."""
    return INSTRUCTIONS_BY_NAME[instruction].arg_offsets()[path]


def gather_struct(layout: Layout[Any], paths: Sequence[str]) -> struct.Struct:
    """One ``Struct`` that reads the leaves at ``paths`` of ``layout`` in place, skipping
    the bytes between them: a handler that validates several fields pays one
    ``unpack_from`` instead of one per field. ``paths`` go in layout order; the offsets
    and formats are the layout's own."""
    fmt, at = "<", 0
    for path in paths:
        leaf = layout.leaf(path)
        if leaf.offset < at:
            raise ValueError(f"{path} is out of layout order or overlaps the previous leaf")
        if leaf.offset > at:
            fmt += f"{leaf.offset - at}x"
        fmt += leaf.type.fmt
        at = leaf.offset + leaf.size
    return struct.Struct(fmt)


#: The bytes of a creation's ``SessionParams`` (the fields it validates are read by
#: :func:`gather_struct` in simulator/checks.py).
PARAMS_SIZE: Final = layout_of(SessionParams).size

# -- transaction-level account flags ---------------------------------------------------------

#: Keys the runtime never lets an instruction write (a subset of Agave's reserved account
#: keys: the system program and the sysvars), so a writable meta for them is demoted.
RESERVED_KEYS: Final = frozenset(
    {
        SYSTEM_PROGRAM_ID,
        CLOCK,
        EPOCH_SCHEDULE,
        INSTRUCTIONS,
        RECENT_BLOCKHASHES,
        RENT,
        REWARDS,
        SLOT_HASHES,
        STAKE_HISTORY,
    }
)


def compile_accounts(
    instructions: Sequence[Instruction], payer: Pubkey | None
) -> tuple[list[list[Pubkey]], set[Pubkey], set[Pubkey]]:
    """Each instruction's account keys, and the transaction's signer and writable sets.

    A message merges every meta of a key: it signs if any meta signs and is writable if any
    meta writes. The fee payer signs and is writable; reserved keys (system program,
    sysvars) and the invoked program ids are demoted to read-only, as the runtime does.
    """
    keys: list[list[Pubkey]] = []
    signers: set[Pubkey] = set()
    writable: set[Pubkey] = set()
    for ix in instructions:
        ix_keys: list[Pubkey] = []
        for meta in ix.accounts:
            key = meta.pubkey
            ix_keys.append(key)
            if meta.is_signer:
                signers.add(key)
            if meta.is_writable and key not in RESERVED_KEYS:
                writable.add(key)
        keys.append(ix_keys)
    if payer is not None:
        signers.add(payer)
        writable.add(payer)
    for ix in instructions:
        writable.discard(ix.program_id)
    return keys, signers, writable
