"""getFeeForMessage: the fee LiteSVM will charge, computed without running anything.

A real validator prices a message statically: 5000 lamports per signature
(transaction signatures plus those checked by precompile instructions) plus
a priority fee of ``ceil(unit_price * unit_limit / 1e6)``, the limit being
the runtime's (:func:`sessions_client.compute_budget.transaction_compute_limit`,
the rule execute charges too). These rules are checked against LiteSVM's
charged fee in the tests.
"""

from __future__ import annotations

from typing import Final

from solders.message import Message, MessageV0
from solders.pubkey import Pubkey

from sessions_client.compute_budget import transaction_compute_limit
from sessions_client.spl_token import COMPUTE_BUDGET_PROGRAM_ID

LAMPORTS_PER_SIGNATURE: Final = 5000
MICRO_LAMPORTS_PER_LAMPORT: Final = 1_000_000

_PRECOMPILES: Final = frozenset(
    Pubkey.from_string(key)
    for key in (
        "Ed25519SigVerify111111111111111111111111111",
        "KeccakSecp256k11111111111111111111111111111",
        "Secp256r1SigVerify1111111111111111111111111",
    )
)
#: SetComputeUnitPrice's tag: its data is the tag, then the u64 micro-lamports per unit.
_SET_PRICE: Final = 3


def fee_for_message(message: Message | MessageV0) -> int:
    """Lamports the fee payer of ``message`` is charged (signature fee + priority fee)."""
    keys = message.account_keys
    signatures = message.header.num_required_signatures
    unit_price = 0
    instructions = message.instructions
    programs = tuple(keys[instruction.program_id_index] for instruction in instructions)
    datas = tuple(bytes(instruction.data) for instruction in instructions)
    for program, data in zip(programs, datas, strict=True):
        if program in _PRECOMPILES and data:
            signatures += data[0]
        if program == COMPUTE_BUDGET_PROGRAM_ID and len(data) >= 9 and data[0] == _SET_PRICE:
            unit_price = int.from_bytes(data[1:9], "little")
    limit = transaction_compute_limit(programs, datas)
    priority = -(-unit_price * limit // MICRO_LAMPORTS_PER_LAMPORT)
    return signatures * LAMPORTS_PER_SIGNATURE + priority
