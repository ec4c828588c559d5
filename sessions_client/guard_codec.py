"""Guard expressions to the stored bytes and back.

:func:`encode` writes the postfix program (children before their parent, so the bytes are
acyclic by construction). :func:`read` is the validating reader: one left-to-right pass
that rebuilds the expression on a stack and raises :class:`GuardEncodingError` at the
first broken rule, naming the byte offset and the :class:`GuardRule`, in the rule order
:mod:`sessions_client.guard_schema` documents (the order the simulator's evaluator and the
C program check them in).
"""

from __future__ import annotations

from typing import Any, Final

from solders.pubkey import Pubkey

from sessions_client.codec import layout_of
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.guard_nodes import (
    AccountIs,
    And,
    Arg,
    DiscriminatorIn,
    GuardError,
    GuardExpr,
    GuardLeaf,
    LamportsAtMost,
    Not,
    NotAfter,
    NotBefore,
    Or,
    ProgramIn,
    RateLimit,
    SignerIs,
    SignerIsOwner,
    TokenAtMost,
    UsageAtMost,
)
from sessions_client.guard_schema import (
    ARG_WIDTHS,
    DISCRIMINATOR_MAX_WIDTH,
    GUARD_MAX_DEPTH,
    KEY_SIZE,
    OPCODE_SIZE,
    OPS,
    PROGRAM_IN_MAX_KEYS,
    AccountIsOperands,
    AmountOperand,
    ArgOperands,
    DiscriminatorInHead,
    GuardCmp,
    GuardOp,
    GuardRule,
    KeyOperand,
    ProgramInHead,
    RateLimitOperands,
    TimeOperand,
    TokenAtMostOperands,
)

_OPCODES: Final = frozenset(int(op) for op in GuardOp)
_COMBINATOR: Final = {GuardOp.AND: And, GuardOp.OR: Or}


class GuardEncodingError(GuardError, ValueError):
    """Guard bytes that break a rule of the language, at a byte offset of the code."""

    def __init__(self, offset: int, rule: GuardRule) -> None:
        super().__init__(f"guard byte {offset}: {rule.value} ({rule.name})")
        self.offset = offset
        self.rule = rule


def encode(expr: GuardExpr) -> bytes:
    """The postfix program of ``expr`` (not yet checked against length or depth)."""
    out = bytearray()
    pending: list[GuardExpr | GuardOp] = [expr]
    while pending:  # an explicit stack: deep expressions do not hit Python's recursion limit
        item = pending.pop()
        if isinstance(item, GuardOp):
            out.append(item)
        elif isinstance(item, GuardLeaf):
            out.append(item.op)
            out += item.operands()
        elif isinstance(item, And | Or):
            pending += (GuardOp.AND if isinstance(item, And) else GuardOp.OR, item.b, item.a)
        elif isinstance(item, Not):
            pending += (GuardOp.NOT, item.a)
        else:
            raise TypeError(f"not a guard expression: {item!r}")
    return bytes(out)


def _operands(cls: type[Any], code: bytes, at: int) -> Any:
    return layout_of(cls).decode(code, at + OPCODE_SIZE)


def _leaf(op: GuardOp, code: bytes, at: int, size: int) -> GuardLeaf:
    """The leaf of a node whose bytes have passed the node rules."""
    entries = at + OPS[op].fixed_size
    if op is GuardOp.SIGNER_IS:
        return SignerIs(_operands(KeyOperand, code, at).key)
    if op is GuardOp.SIGNER_IS_OWNER:
        return SignerIsOwner()
    if op is GuardOp.NOT_BEFORE:
        return NotBefore(_operands(TimeOperand, code, at).t)
    if op is GuardOp.NOT_AFTER:
        return NotAfter(_operands(TimeOperand, code, at).t)
    if op is GuardOp.USAGE_AT_MOST:
        return UsageAtMost(_operands(AmountOperand, code, at).x)
    if op is GuardOp.RATE_LIMIT:
        rate = _operands(RateLimitOperands, code, at)
        return RateLimit(rate.seconds, rate.n)
    if op is GuardOp.PROGRAM_IN:
        keys = range(entries, at + size, KEY_SIZE)
        return ProgramIn(tuple(Pubkey.from_bytes(code[k : k + KEY_SIZE]) for k in keys))
    if op is GuardOp.DISCRIMINATOR_IN:
        width = _operands(DiscriminatorInHead, code, at).width
        return DiscriminatorIn(tuple(code[e : e + width] for e in range(entries, at + size, width)))
    if op is GuardOp.ARG:
        a = _operands(ArgOperands, code, at)
        return Arg(a.offset, a.width, GuardCmp(a.cmp), a.value)
    if op is GuardOp.ACCOUNT_IS:
        acc = _operands(AccountIsOperands, code, at)
        return AccountIs(acc.index, acc.key)
    if op is GuardOp.LAMPORTS_AT_MOST:
        return LamportsAtMost(_operands(AmountOperand, code, at).x)
    token = _operands(TokenAtMostOperands, code, at)
    return TokenAtMost(token.mint, token.x)


def _node_size(op: GuardOp, code: bytes, at: int, end: int) -> int:
    """Size of the node at ``at``; raises at its first broken node rule."""
    size = OPS[op].fixed_size
    if at + size > end:
        raise GuardEncodingError(at, GuardRule.TRUNCATED)
    if op is GuardOp.PROGRAM_IN:
        count_at = at + OPCODE_SIZE + layout_of(ProgramInHead).field("count").offset
        if not 1 <= code[count_at] <= PROGRAM_IN_MAX_KEYS:
            raise GuardEncodingError(count_at, GuardRule.COUNT_RANGE)
        size += code[count_at] * KEY_SIZE
    elif op is GuardOp.DISCRIMINATOR_IN:
        head = layout_of(DiscriminatorInHead)
        width_at = at + OPCODE_SIZE + head.field("width").offset
        count_at = at + OPCODE_SIZE + head.field("count").offset
        if not 1 <= code[width_at] <= DISCRIMINATOR_MAX_WIDTH:
            raise GuardEncodingError(width_at, GuardRule.WIDTH_RANGE)
        if code[count_at] == 0:
            raise GuardEncodingError(count_at, GuardRule.COUNT_RANGE)
        size += code[width_at] * code[count_at]
    elif op is GuardOp.ARG:
        arg = layout_of(ArgOperands)
        width_at = at + OPCODE_SIZE + arg.field("width").offset
        cmp_at = at + OPCODE_SIZE + arg.field("cmp").offset
        if code[width_at] not in ARG_WIDTHS:
            raise GuardEncodingError(width_at, GuardRule.WIDTH_RANGE)
        if code[cmp_at] > max(GuardCmp):
            raise GuardEncodingError(cmp_at, GuardRule.CMP_RANGE)
    elif op is GuardOp.RATE_LIMIT and _operands(RateLimitOperands, code, at).seconds == 0:
        seconds_at = at + OPCODE_SIZE + layout_of(RateLimitOperands).field("seconds").offset
        raise GuardEncodingError(seconds_at, GuardRule.RATE_WINDOW_ZERO)
    if at + size > end:
        raise GuardEncodingError(at, GuardRule.TRUNCATED)
    return size


def read(code: bytes, length: int) -> GuardExpr | None:
    """Validate ``code`` (the whole stored array) holding a ``length``-byte program and
    rebuild its expression (None for ``length == 0``, no guard)."""
    if length > GUARD_CAPACITY or length > len(code):
        raise GuardEncodingError(0, GuardRule.LENGTH)
    stack: list[GuardExpr] = []
    rate_seen = False
    at = 0
    while at < length:
        if code[at] not in _OPCODES:
            raise GuardEncodingError(at, GuardRule.UNKNOWN_OPCODE)
        op = GuardOp(code[at])
        size = _node_size(op, code, at, length)
        if op.arity:
            if len(stack) < op.arity:
                raise GuardEncodingError(at, GuardRule.STACK_UNDERFLOW)
            if op is GuardOp.NOT:
                stack.append(Not(stack.pop()))
            else:
                b = stack.pop()
                stack.append(_COMBINATOR[op](stack.pop(), b))
        else:
            if len(stack) == GUARD_MAX_DEPTH:
                raise GuardEncodingError(at, GuardRule.STACK_OVERFLOW)
            if op is GuardOp.RATE_LIMIT:
                if rate_seen:
                    raise GuardEncodingError(at, GuardRule.DUPLICATE_RATE_LIMIT)
                rate_seen = True
            stack.append(_leaf(op, code, at, size))
        at += size
    if length and len(stack) != 1:
        raise GuardEncodingError(length, GuardRule.FINAL_DEPTH)
    for offset in range(length, len(code)):
        if code[offset]:
            raise GuardEncodingError(offset, GuardRule.TRAILING_BYTES)
    return stack[0] if length else None
