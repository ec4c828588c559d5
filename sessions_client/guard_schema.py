"""The guard language's encoding: opcodes, operand layouts, limits and validation rules.

A guard is a postfix (reverse Polish) program stored in ``Session.guard`` (``len`` u16 +
``code[GUARD_CAPACITY]``). Every node is one opcode byte followed by fixed little-endian
operands; two nodes (PROGRAM_IN, DISCRIMINATOR_IN) end with ``count`` entries whose size
their head gives. Postfix makes the program acyclic by construction, so evaluation is one
left-to-right pass whose cost is bounded by the length.

This module is the single source of the encoding: ``sessions codegen`` emits the opcode
values, operand offsets, node sizes and limits into ``sessions_layout.h`` (the C evaluator
never spells a number of its own) and the IDL's constants; the client's compiler
(:mod:`sessions_client.guards`) and the simulator's independent evaluator read them here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Final

from solders.pubkey import Pubkey

from sessions_client.borsh import I64, U8, U16, U32, U64
from sessions_client.codec import layout_of

#: The opcode byte that starts every node.
OPCODE_SIZE: Final = 1
#: Deepest bool stack a guard may build (the evaluator's fixed-size stack).
GUARD_MAX_DEPTH: Final = 16
#: PROGRAM_IN holds 1..7 program ids.
PROGRAM_IN_MAX_KEYS: Final = 7
#: DISCRIMINATOR_IN prefixes are 1..8 bytes wide.
DISCRIMINATOR_MAX_WIDTH: Final = 8
#: ARG reads 1, 2, 4 or 8 bytes.
ARG_WIDTHS: Final = (1, 2, 4, 8)
#: The widths as a bit set (bit w set for each allowed width), for a one-instruction check in C.
ARG_WIDTHS_MASK: Final = sum(1 << w for w in ARG_WIDTHS)
KEY_SIZE: Final = 32


class GuardOp(enum.IntEnum):
    """Opcode bytes. Leaves push one bool; AND/OR pop two and NOT pops one, then push."""

    SIGNER_IS = 0x01
    SIGNER_IS_OWNER = 0x02
    NOT_BEFORE = 0x03
    NOT_AFTER = 0x04
    USAGE_AT_MOST = 0x05
    RATE_LIMIT = 0x06
    PROGRAM_IN = 0x07
    DISCRIMINATOR_IN = 0x08
    ARG = 0x09
    ACCOUNT_IS = 0x0A
    LAMPORTS_AT_MOST = 0x0B
    TOKEN_AT_MOST = 0x0C
    AND = 0x10
    OR = 0x11
    NOT = 0x12

    @property
    def arity(self) -> int:
        """How many bools the node pops (0 for leaves)."""
        return _ARITY.get(self, 0)


_ARITY: Final = {GuardOp.AND: 2, GuardOp.OR: 2, GuardOp.NOT: 1}
COMBINATORS: Final = frozenset(_ARITY)


class GuardCmp(enum.IntEnum):
    """ARG's comparison: ``read <cmp> value``, both unsigned."""

    EQ = 0
    NE = 1
    LT = 2
    LE = 3
    GT = 4
    GE = 5

    @property
    def symbol(self) -> str:
        return CMP_SYMBOLS[self]


CMP_SYMBOLS: Final[dict[GuardCmp, str]] = {
    GuardCmp.EQ: "=",
    GuardCmp.NE: "!=",
    GuardCmp.LT: "<",
    GuardCmp.LE: "<=",
    GuardCmp.GT: ">",
    GuardCmp.GE: ">=",
}


# -- operand layouts (after the opcode byte), borsh structs like every other record ----------


@dataclass(frozen=True, slots=True)
class KeyOperand:
    """SIGNER_IS: the admitted caller."""

    key: Pubkey


@dataclass(frozen=True, slots=True)
class TimeOperand:
    """NOT_BEFORE / NOT_AFTER: a unix timestamp compared with the clock."""

    t: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class AmountOperand:
    """USAGE_AT_MOST (executions) and LAMPORTS_AT_MOST (gross lamport outflow)."""

    x: Annotated[int, U64]


@dataclass(frozen=True, slots=True)
class RateLimitOperands:
    """RATE_LIMIT: at most ``n`` executions per fixed window of ``seconds`` (>= 1)."""

    n: Annotated[int, U32]
    seconds: Annotated[int, U32]


@dataclass(frozen=True, slots=True)
class ProgramInHead:
    """PROGRAM_IN: ``count`` (1..7) program ids of 32 bytes follow."""

    count: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class DiscriminatorInHead:
    """DISCRIMINATOR_IN: ``count`` (>= 1) prefixes of ``width`` (1..8) bytes follow."""

    width: Annotated[int, U8]
    count: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class ArgOperands:
    """ARG: ``width`` bytes at ``offset`` of the CPI data, unsigned LE, ``<cmp> value``."""

    offset: Annotated[int, U16]
    width: Annotated[int, U8]
    cmp: Annotated[int, U8]
    value: Annotated[int, U64]


@dataclass(frozen=True, slots=True)
class AccountIsOperands:
    """ACCOUNT_IS: the CPI's account at position ``index`` is ``key``."""

    index: Annotated[int, U8]
    key: Pubkey


@dataclass(frozen=True, slots=True)
class TokenAtMostOperands:
    """TOKEN_AT_MOST: the signer's token accounts of ``mint`` lost at most ``x``."""

    mint: Pubkey
    x: Annotated[int, U64]


@dataclass(frozen=True, slots=True)
class OpSpec:
    """One opcode's encoding: its fixed operand struct (None: no operands), its entry size
    (PROGRAM_IN: 32 per key; DISCRIMINATOR_IN: the head's width, marked -1) and what it means."""

    operands: type | None
    meaning: str
    entry_size: int = 0

    @property
    def fixed_size(self) -> int:
        """Opcode byte plus fixed operands: the node size before any entries."""
        return OPCODE_SIZE + (layout_of(self.operands).size if self.operands is not None else 0)


#: Entry size marker of DISCRIMINATOR_IN: each entry is ``width`` bytes.
ENTRY_WIDTH_FROM_HEAD: Final = -1

OPS: Final[dict[GuardOp, OpSpec]] = {
    GuardOp.SIGNER_IS: OpSpec(KeyOperand, "the execute caller (authority signer) is key"),
    GuardOp.SIGNER_IS_OWNER: OpSpec(None, "the execute caller is session.owner"),
    GuardOp.NOT_BEFORE: OpSpec(TimeOperand, "now >= t"),
    GuardOp.NOT_AFTER: OpSpec(TimeOperand, "now <= t"),
    GuardOp.USAGE_AT_MOST: OpSpec(AmountOperand, "usage_count after this execution <= x"),
    GuardOp.RATE_LIMIT: OpSpec(
        RateLimitOperands,
        "executions in the current fixed window of `seconds`, this one included, <= n",
    ),
    GuardOp.PROGRAM_IN: OpSpec(
        ProgramInHead, "the CPI's program id is one of the keys", entry_size=KEY_SIZE
    ),
    GuardOp.DISCRIMINATOR_IN: OpSpec(
        DiscriminatorInHead,
        "the CPI data is >= width bytes and its first width bytes equal one entry",
        entry_size=ENTRY_WIDTH_FROM_HEAD,
    ),
    GuardOp.ARG: OpSpec(
        ArgOperands,
        "the CPI data holds width bytes at offset, unsigned LE, and `read cmp value`",
    ),
    GuardOp.ACCOUNT_IS: OpSpec(AccountIsOperands, "the CPI's account at position index is key"),
    GuardOp.LAMPORTS_AT_MOST: OpSpec(
        AmountOperand, "lamports that left the session signer during this execute <= x"
    ),
    GuardOp.TOKEN_AT_MOST: OpSpec(
        TokenAtMostOperands,
        "total decrease of the signer's token accounts of mint during this execute <= x",
    ),
    GuardOp.AND: OpSpec(None, "pops b, a; pushes a && b"),
    GuardOp.OR: OpSpec(None, "pops b, a; pushes a || b"),
    GuardOp.NOT: OpSpec(None, "pops a; pushes !a"),
}
assert set(OPS) == set(GuardOp)


class GuardRule(enum.Enum):
    """The validation rules, in the order a single pass checks them at each node.

    At a node at offset ``i``: UNKNOWN_OPCODE, TRUNCATED (fixed operands past ``len``),
    COUNT_RANGE / WIDTH_RANGE / CMP_RANGE / RATE_WINDOW_ZERO (at the operand's offset),
    TRUNCATED (entries past ``len``), STACK_UNDERFLOW / STACK_OVERFLOW, DUPLICATE_RATE_LIMIT.
    Before the pass: LENGTH; after it: FINAL_DEPTH (offset ``len``), then TRAILING_BYTES
    (offset of the first nonzero byte of ``code[len:]``). The C program applies the same
    rules (it reports only InvalidConfiguration / GuardMalformed); the client and the
    simulator also name the rule and the offset.
    """

    LENGTH = "len exceeds the guard capacity"
    UNKNOWN_OPCODE = "unknown opcode"
    TRUNCATED = "operands run past len"
    COUNT_RANGE = "entry count out of range"
    WIDTH_RANGE = "width out of range"
    CMP_RANGE = "comparison out of range"
    RATE_WINDOW_ZERO = "rate limit window of 0 seconds"
    STACK_UNDERFLOW = "stack underflow"
    STACK_OVERFLOW = f"stack deeper than {GUARD_MAX_DEPTH}"
    DUPLICATE_RATE_LIMIT = "more than one rate limit"
    FINAL_DEPTH = "the program does not leave exactly one result"
    TRAILING_BYTES = "nonzero bytes after len"
