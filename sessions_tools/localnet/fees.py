"""getFeeForMessage: the fee LiteSVM will charge, computed without running anything.

A real validator prices a message statically: 5000 lamports per signature
(transaction signatures plus those checked by precompile instructions) plus
a priority fee of ``ceil(unit_price * unit_limit / 1e6)``. When no
SetComputeUnitLimit is present the limit defaults to 200k units per
instruction, or 3k per builtin-program instruction, capped at 1.4M. These
rules are checked against LiteSVM's charged fee in the tests.
"""

from __future__ import annotations

from typing import Final

from solders.message import Message, MessageV0
from solders.pubkey import Pubkey

from sessions_client.constants import (
    BUILTIN_INSTRUCTION_COMPUTE_UNITS,
    BUILTIN_PROGRAM_IDS,
    DEFAULT_INSTRUCTION_COMPUTE_UNITS,
    MAX_TRANSACTION_COMPUTE_UNITS,
)

LAMPORTS_PER_SIGNATURE: Final = 5000
MAX_COMPUTE_UNIT_LIMIT: Final = MAX_TRANSACTION_COMPUTE_UNITS
DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT: Final = DEFAULT_INSTRUCTION_COMPUTE_UNITS
BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT: Final = BUILTIN_INSTRUCTION_COMPUTE_UNITS
MICRO_LAMPORTS_PER_LAMPORT: Final = 1_000_000

COMPUTE_BUDGET_PROGRAM_ID: Final = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
_PRECOMPILES: Final = frozenset(
    Pubkey.from_string(key)
    for key in (
        "Ed25519SigVerify111111111111111111111111111",
        "KeccakSecp256k11111111111111111111111111111",
        "Secp256r1SigVerify1111111111111111111111111",
    )
)
#: The programs the runtime gives 3,000 units instead of 200,000 (the schema's one list).
_BUILTINS: Final = frozenset(BUILTIN_PROGRAM_IDS)
_SET_COMPUTE_UNIT_LIMIT: Final = 2
_SET_COMPUTE_UNIT_PRICE: Final = 3


def fee_for_message(message: Message | MessageV0) -> int:
    """Lamports the fee payer of ``message`` is charged (signature fee + priority fee)."""
    keys = message.account_keys
    signatures = message.header.num_required_signatures
    unit_limit: int | None = None
    unit_price = 0
    default_limit = 0
    for instruction in message.instructions:
        program = keys[instruction.program_id_index]
        data = bytes(instruction.data)
        if program in _PRECOMPILES and data:
            signatures += data[0]
        if program == COMPUTE_BUDGET_PROGRAM_ID and data:
            if data[0] == _SET_COMPUTE_UNIT_LIMIT and len(data) >= 5:
                unit_limit = int.from_bytes(data[1:5], "little")
            elif data[0] == _SET_COMPUTE_UNIT_PRICE and len(data) >= 9:
                unit_price = int.from_bytes(data[1:9], "little")
        default_limit += (
            BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT
            if program in _BUILTINS
            else DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT
        )
    limit = min(unit_limit if unit_limit is not None else default_limit, MAX_COMPUTE_UNIT_LIMIT)
    priority = -(-unit_price * limit // MICRO_LAMPORTS_PER_LAMPORT)
    return signatures * LAMPORTS_PER_SIGNATURE + priority
