"""The instruction side of the model: which instruction a discriminator names, its data size
and account count, the argument offsets inside its data, and the signer/writable flags a
transaction gives each account.

Everything is derived from the client mirror's :data:`~sessions_client.instructions.INSTRUCTIONS`
and argument layouts, so the model reads the very bytes the builders produce.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

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

from sessions_client.codec import layout_of
from sessions_client.instructions import (
    INSTRUCTIONS_BY_NAME,
    CreateSessionArgs,
    RequestSessionArgs,
)
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams

DISCRIMINATOR_LEN: Final = 8


class Kind(enum.IntEnum):
    """The program's eight instructions."""

    CREATE_SESSION = 0
    REQUEST_SESSION = 1
    APPROVE_SESSION = 2
    ACTIVATE_SESSION = 3
    PAUSE_SESSION = 4
    RESUME_SESSION = 5
    EXPIRE_SESSION = 6
    CLOSE_SESSION = 7

    @property
    def spec_name(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Shape:
    """What ``check_instruction`` demands: the exact data size and the minimum account count."""

    kind: Kind
    data_size: int
    num_accounts: int


SHAPES: Final[dict[bytes, Shape]] = {
    INSTRUCTIONS_BY_NAME[k.spec_name].discriminator: Shape(
        k,
        INSTRUCTIONS_BY_NAME[k.spec_name].data_size,
        len(INSTRUCTIONS_BY_NAME[k.spec_name].accounts),
    )
    for k in Kind
}


# -- argument offsets inside instruction data (after the discriminator) -----------------------

_CREATE = layout_of(CreateSessionArgs)
_REQUEST = layout_of(RequestSessionArgs)
_P = layout_of(SessionParams)
_CONFIG = layout_of(SessionConfig)
_QUOTAS = layout_of(ResourceQuotas)


@dataclass(frozen=True, slots=True)
class ParamOffsets:
    """Where the fields the program validates sit inside a ``SessionParams``."""

    size: int = _P.size
    max_duration: int = _P.field("config").offset + _CONFIG.field("max_duration").offset
    permissions: int = _P.field("config").offset + _CONFIG.field("permissions").offset
    settings: int = _P.field("config").offset + _CONFIG.field("settings").offset
    max_borrowed_accounts: int = (
        _P.field("quotas").offset + _QUOTAS.field("max_borrowed_accounts").offset
    )
    quotas_reserved: int = _P.field("quotas").offset + _QUOTAS.field("reserved").offset
    guard: int = _P.field("guard").offset
    guard_size: int = _P.field("guard").size


@dataclass(frozen=True, slots=True)
class CreateOffsets:
    session_id: int = DISCRIMINATOR_LEN + _CREATE.field("session_id").offset
    params: int = DISCRIMINATOR_LEN + _CREATE.field("params").offset
    bump: int = DISCRIMINATOR_LEN + _CREATE.field("bump").offset


@dataclass(frozen=True, slots=True)
class RequestOffsets:
    session_id: int = DISCRIMINATOR_LEN + _REQUEST.field("session_id").offset
    owner: int = DISCRIMINATOR_LEN + _REQUEST.field("owner").offset
    request_ttl: int = DISCRIMINATOR_LEN + _REQUEST.field("request_ttl").offset
    params: int = DISCRIMINATOR_LEN + _REQUEST.field("params").offset
    bump: int = DISCRIMINATOR_LEN + _REQUEST.field("bump").offset


PARAMS: Final = ParamOffsets()
CREATE_ARGS: Final = CreateOffsets()
REQUEST_ARGS: Final = RequestOffsets()

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
