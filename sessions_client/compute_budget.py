"""The compute-unit limit the runtime gives a transaction, computed from its instructions.

Two things need the runtime's rule: execute's compute charge (the runtime refuses
``sol_remaining_compute_units``, so the program charges what the transaction was allowed
rather than what it used, read from the instructions sysvar by ``read_transaction`` in
program/src/instructions_sysvar.c, which the simulator mirrors with this module) and the
localnet's priority-fee quote (``getFeeForMessage``). The rule: the transaction's
SetComputeUnitLimit, else ``DEFAULT_INSTRUCTION_COMPUTE_UNITS`` per instruction of a program
that is not builtin and ``BUILTIN_INSTRUCTION_COMPUTE_UNITS`` per builtin one (compute-budget
instructions included), capped at ``MAX_TRANSACTION_COMPUTE_UNITS``. The builtin programs are
``BUILTIN_PROGRAM_IDS``, the list the program's generated table comes from.
"""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import (
    BUILTIN_INSTRUCTION_COMPUTE_UNITS,
    BUILTIN_PROGRAM_IDS,
    DEFAULT_INSTRUCTION_COMPUTE_UNITS,
    MAX_TRANSACTION_COMPUTE_UNITS,
)
from sessions_client.spl_token import COMPUTE_BUDGET_PROGRAM_ID, SET_COMPUTE_UNIT_LIMIT_TAG

_BUILTINS: Final = frozenset(BUILTIN_PROGRAM_IDS)
#: SetComputeUnitLimit's data: the tag byte, then the u32 limit.
_LIMIT_DATA_LEN: Final = 5


def requested_limit(program: Pubkey, data: bytes) -> int | None:
    """The limit of a SetComputeUnitLimit, or None for any other instruction."""
    if program != COMPUTE_BUDGET_PROGRAM_ID or len(data) < _LIMIT_DATA_LEN:
        return None
    if data[0] != SET_COMPUTE_UNIT_LIMIT_TAG:
        return None
    return int.from_bytes(data[1:_LIMIT_DATA_LEN], "little")


def transaction_compute_limit(programs: tuple[Pubkey, ...], datas: tuple[bytes, ...]) -> int:
    """The runtime's compute-unit limit of a transaction of these instructions."""
    limit: int | None = None
    default = 0
    for program, data in zip(programs, datas, strict=True):
        requested = requested_limit(program, data)
        if requested is not None:
            limit = requested
        default += (
            BUILTIN_INSTRUCTION_COMPUTE_UNITS
            if program in _BUILTINS
            else DEFAULT_INSTRUCTION_COMPUTE_UNITS
        )
    return min(default if limit is None else limit, MAX_TRANSACTION_COMPUTE_UNITS)
