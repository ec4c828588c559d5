"""The guard language over the stored bytes, as program/src/guard.c runs it.

An independent implementation: it reads opcodes, operand offsets and limits from
:mod:`sessions_client.guard_schema` (the encoding), never the client's compiler or decoder,
so the differential tests compare two readings of the same bytes (this one and the C).
Like the C, validation and evaluation are one left-to-right pass with a bool stack; unlike
the C it also says which rule broke, and where, and which leaf was false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.borsh import I64, U16, U32, U64
from sessions_client.codec import layout_of, scalar_struct
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.errors import ErrorCode
from sessions_client.guard_schema import (
    ARG_WIDTHS,
    DISCRIMINATOR_MAX_WIDTH,
    GUARD_MAX_DEPTH,
    KEY_SIZE,
    OPCODE_SIZE,
    OPS,
    PROGRAM_IN_MAX_KEYS,
    AccountIsOperands,
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

_U64_MAX: Final = (1 << 64) - 1
_U32_MAX: Final = (1 << 32) - 1


def _at(cls: type, name: str) -> int:
    """Offset of operand ``name`` from the start of the node (opcode at 0)."""
    return OPCODE_SIZE + layout_of(cls).field(name).offset


_FIXED: Final = {int(op): spec.fixed_size for op, spec in OPS.items()}
_KEY: Final = _at(KeyOperand, "key")
_T: Final = _at(TimeOperand, "t")
_RATE_N: Final = _at(RateLimitOperands, "n")
_RATE_SECONDS: Final = _at(RateLimitOperands, "seconds")
_PROGRAM_COUNT: Final = _at(ProgramInHead, "count")
_DISC_WIDTH: Final = _at(DiscriminatorInHead, "width")
_DISC_COUNT: Final = _at(DiscriminatorInHead, "count")
_ARG_OFFSET: Final = _at(ArgOperands, "offset")
_ARG_WIDTH: Final = _at(ArgOperands, "width")
_ARG_CMP: Final = _at(ArgOperands, "cmp")
_ARG_VALUE: Final = _at(ArgOperands, "value")
_ACCOUNT_INDEX: Final = _at(AccountIsOperands, "index")
_ACCOUNT_KEY: Final = _at(AccountIsOperands, "key")
_MINT: Final = _at(TokenAtMostOperands, "mint")
_TOKEN_X: Final = _at(TokenAtMostOperands, "x")
_AMOUNT: Final = OPCODE_SIZE  # USAGE_AT_MOST and LAMPORTS_AT_MOST: one u64
_U16: Final = scalar_struct(U16)
_U32: Final = scalar_struct(U32)
_U64: Final = scalar_struct(U64)
_I64: Final = scalar_struct(I64)

#: ARG's comparisons (``read <cmp> value``).
COMPARE: Final[dict[int, Callable[[int, int], bool]]] = {
    GuardCmp.EQ: operator.eq,
    GuardCmp.NE: operator.ne,
    GuardCmp.LT: operator.lt,
    GuardCmp.LE: operator.le,
    GuardCmp.GT: operator.gt,
    GuardCmp.GE: operator.ge,
}


@dataclass(frozen=True, slots=True)
class GuardContext:
    """What the leaves read (guard.h's GuardInput): one inner instruction of an execute.
    ``window_start`` and ``window_count`` are the stored rate window, before this execution
    (RATE_LIMIT counts this one in itself, :func:`window_count`)."""

    caller: Pubkey
    owner: Pubkey
    now: int
    usage_after: int
    program_id: Pubkey
    data: bytes = b""
    account_keys: tuple[Pubkey, ...] = ()
    lamports_out: int = 0
    token_spends: tuple[tuple[Pubkey, int], ...] = ()
    window_start: int = 0
    window_count: int = 0


def window_restarts(start: int, now: int, seconds: int) -> bool:
    """A rate window of ``seconds`` restarts at ``now`` when it never started, the clock went
    back, or it ran out."""
    return start == 0 or now < start or now - start >= seconds


def window_count(start: int, count: int, now: int, seconds: int) -> int:
    """``guard_window_count``: executions in the window once this one is counted: 1 in a
    window that restarts, else the stored count + 1 (saturating at u32 max)."""
    if window_restarts(start, now, seconds):
        return 1
    return count if count == _U32_MAX else count + 1


@dataclass(frozen=True, slots=True)
class GuardFault:
    """The first broken rule and the byte offset it was found at."""

    offset: int
    rule: GuardRule


@dataclass(frozen=True, slots=True)
class Verdict:
    """An evaluation: None for a malformed guard, else whether it holds, and the offset of
    the first leaf that was false (None when every leaf held)."""

    fault: GuardFault | None
    holds: bool
    first_false_leaf: int | None


class _RuleBrokenError(Exception):
    def __init__(self, offset: int, rule: GuardRule) -> None:
        self.fault = GuardFault(offset, rule)


def _node_size(code: bytes, at: int, end: int) -> int:
    """The node rules, in the schema's order; returns the node's size."""
    op = code[at]
    size = _FIXED.get(op)
    if size is None:
        raise _RuleBrokenError(at, GuardRule.UNKNOWN_OPCODE)
    if at + size > end:
        raise _RuleBrokenError(at, GuardRule.TRUNCATED)
    if op == GuardOp.PROGRAM_IN:
        count = code[at + _PROGRAM_COUNT]
        if count < 1 or count > PROGRAM_IN_MAX_KEYS:
            raise _RuleBrokenError(at + _PROGRAM_COUNT, GuardRule.COUNT_RANGE)
        size += count * KEY_SIZE
    elif op == GuardOp.DISCRIMINATOR_IN:
        width, count = code[at + _DISC_WIDTH], code[at + _DISC_COUNT]
        if width < 1 or width > DISCRIMINATOR_MAX_WIDTH:
            raise _RuleBrokenError(at + _DISC_WIDTH, GuardRule.WIDTH_RANGE)
        if count < 1:
            raise _RuleBrokenError(at + _DISC_COUNT, GuardRule.COUNT_RANGE)
        size += width * count
    elif op == GuardOp.ARG:
        if code[at + _ARG_WIDTH] not in ARG_WIDTHS:
            raise _RuleBrokenError(at + _ARG_WIDTH, GuardRule.WIDTH_RANGE)
        if code[at + _ARG_CMP] not in COMPARE:
            raise _RuleBrokenError(at + _ARG_CMP, GuardRule.CMP_RANGE)
    elif op == GuardOp.RATE_LIMIT and _U32.unpack_from(code, at + _RATE_SECONDS)[0] == 0:
        raise _RuleBrokenError(at + _RATE_SECONDS, GuardRule.RATE_WINDOW_ZERO)
    if at + size > end:
        raise _RuleBrokenError(at, GuardRule.TRUNCATED)
    return size


def _key(code: bytes, at: int) -> bytes:
    return code[at : at + KEY_SIZE]


def _leaf(code: bytes, at: int, size: int, ctx: GuardContext) -> bool:
    op = code[at]
    if op == GuardOp.SIGNER_IS:
        return _key(code, at + _KEY) == bytes(ctx.caller)
    if op == GuardOp.SIGNER_IS_OWNER:
        return ctx.caller == ctx.owner
    if op == GuardOp.NOT_BEFORE:
        return bool(ctx.now >= _I64.unpack_from(code, at + _T)[0])
    if op == GuardOp.NOT_AFTER:
        return bool(ctx.now <= _I64.unpack_from(code, at + _T)[0])
    if op == GuardOp.USAGE_AT_MOST:
        return bool(ctx.usage_after <= _U64.unpack_from(code, at + _AMOUNT)[0])
    if op == GuardOp.RATE_LIMIT:
        seconds = _U32.unpack_from(code, at + _RATE_SECONDS)[0]
        after = window_count(ctx.window_start, ctx.window_count, ctx.now, seconds)
        return bool(after <= _U32.unpack_from(code, at + _RATE_N)[0])
    if op == GuardOp.PROGRAM_IN:
        program = bytes(ctx.program_id)
        first = at + _FIXED[op]
        return any(_key(code, k) == program for k in range(first, at + size, KEY_SIZE))
    if op == GuardOp.DISCRIMINATOR_IN:
        width = code[at + _DISC_WIDTH]
        prefix = ctx.data[:width]
        first = at + _FIXED[op]
        return len(ctx.data) >= width and any(
            code[e : e + width] == prefix for e in range(first, at + size, width)
        )
    if op == GuardOp.ARG:
        return _arg(code, at, ctx.data)
    if op == GuardOp.ACCOUNT_IS:
        index = code[at + _ACCOUNT_INDEX]
        keys = ctx.account_keys
        return index < len(keys) and bytes(keys[index]) == _key(code, at + _ACCOUNT_KEY)
    if op == GuardOp.LAMPORTS_AT_MOST:
        return bool(ctx.lamports_out <= _U64.unpack_from(code, at + _AMOUNT)[0])
    mint = _key(code, at + _MINT)  # TOKEN_AT_MOST
    spent = sum(amount for key, amount in ctx.token_spends if bytes(key) == mint)
    limit: int = _U64.unpack_from(code, at + _TOKEN_X)[0]
    return min(spent, _U64_MAX) <= limit


def _arg(code: bytes, at: int, data: bytes) -> bool:
    offset = _U16.unpack_from(code, at + _ARG_OFFSET)[0]
    width = code[at + _ARG_WIDTH]
    if offset + width > len(data):
        return False
    read = int.from_bytes(data[offset : offset + width], "little")
    value = _U64.unpack_from(code, at + _ARG_VALUE)[0]
    return bool(COMPARE[code[at + _ARG_CMP]](read, value))


def _run(code: bytes, length: int, ctx: GuardContext | None) -> Verdict:
    """The pass: validate (``ctx`` None: leaves push False) or evaluate."""
    if length > GUARD_CAPACITY:
        return Verdict(GuardFault(0, GuardRule.LENGTH), False, None)
    stack: list[bool] = []
    rate_seen = False
    first_false: int | None = None
    at = 0
    try:
        while at < length:
            size = _node_size(code, at, length)
            op = code[at]
            if op in (GuardOp.AND, GuardOp.OR):
                if len(stack) < 2:
                    raise _RuleBrokenError(at, GuardRule.STACK_UNDERFLOW)
                b, a = stack.pop(), stack.pop()
                stack.append((a and b) if op == GuardOp.AND else (a or b))
            elif op == GuardOp.NOT:
                if not stack:
                    raise _RuleBrokenError(at, GuardRule.STACK_UNDERFLOW)
                stack.append(not stack.pop())
            else:
                if len(stack) == GUARD_MAX_DEPTH:
                    raise _RuleBrokenError(at, GuardRule.STACK_OVERFLOW)
                if op == GuardOp.RATE_LIMIT:
                    if rate_seen:
                        raise _RuleBrokenError(at, GuardRule.DUPLICATE_RATE_LIMIT)
                    rate_seen = True
                value = ctx is not None and _leaf(code, at, size, ctx)
                if not value and first_false is None:
                    first_false = at
                stack.append(value)
            at += size
        if length and len(stack) != 1:
            raise _RuleBrokenError(length, GuardRule.FINAL_DEPTH)
        # The first nonzero byte after the program, found in C (lstrip) rather than by a
        # Python loop over the array: every creation validates an (often empty) guard.
        end = min(len(code), GUARD_CAPACITY)
        trailing = code[length:end].lstrip(b"\0")
        if trailing:
            raise _RuleBrokenError(end - len(trailing), GuardRule.TRAILING_BYTES)
    except _RuleBrokenError as broken:
        return Verdict(broken.fault, False, None)
    return Verdict(None, not length or stack[0], first_false)


def check(code: bytes, length: int) -> GuardFault | None:
    """The first rule ``code`` (the stored array) breaks with a ``length``-byte program."""
    return _run(code, length, None).fault


#: A guard array with no program: its prefix test is one memcmp (lstrip walks the bytes).
_NO_CODE: Final = bytes(GUARD_CAPACITY)


def validate(code: bytes, length: int) -> ErrorCode | None:
    """``guard_validate``: InvalidConfiguration for a guard the program refuses.

    No guard (length 0, the stored array all zero: what most creations carry) is valid
    without the pass, which would find no node and no trailing byte."""
    if not length and _NO_CODE.startswith(code[:GUARD_CAPACITY]):
        return None
    return None if check(code, length) is None else ErrorCode.INVALID_CONFIGURATION


def validate_stored(data: bytes, code_at: int, length: int) -> ErrorCode | None:
    """:func:`validate` of the guard array stored at ``data[code_at:]`` (a creation's
    params, read in place): no guard, the common case, is one in-place compare of the
    array against zeros, with no copy of it."""
    if not length and data.startswith(_NO_CODE, code_at):
        return None
    return validate(data[code_at : code_at + GUARD_CAPACITY], length)


def judge(code: bytes, length: int, ctx: GuardContext) -> Verdict:
    """The whole verdict of one evaluation (which leaf was false, which rule broke)."""
    return _run(code, length, ctx)


def evaluate(code: bytes, length: int, ctx: GuardContext) -> ErrorCode | None:
    """``guard_evaluate``: None when it holds, GuardRejected, or GuardMalformed."""
    verdict = _run(code, length, ctx)
    if verdict.fault is not None:
        return ErrorCode.GUARD_MALFORMED
    return None if verdict.holds else ErrorCode.GUARD_REJECTED


def execute(code: bytes, length: int, ctx: GuardContext) -> tuple[ErrorCode | None, int]:
    """``guard_execute``: execute's one pass after its CPIs, answering GuardMalformed, then
    CallerNotAdmitted (:func:`admits`), then GuardRejected, else None; with the RATE_LIMIT
    window's seconds (0: none) for storing the window."""
    verdict = _run(code, length, ctx)
    if verdict.fault is not None:
        return ErrorCode.GUARD_MALFORMED, 0
    if not _admits_valid(code, length, ctx.caller, ctx.owner):
        return ErrorCode.CALLER_NOT_ADMITTED, 0
    seconds = _window_valid(code, length)
    return (None if verdict.holds else ErrorCode.GUARD_REJECTED), seconds


def _nodes(code: bytes, length: int) -> Sequence[int]:
    """Offsets of the nodes of a valid program."""
    offsets = []
    at = 0
    while at < length:
        offsets.append(at)
        at += _node_size(code, at, length)
    return offsets


def admits(code: bytes, length: int, caller: Pubkey, owner: Pubkey) -> bool:
    """``guard_admits``: who a guard lets call execute (a malformed one: nobody)."""
    return check(code, length) is None and _admits_valid(code, length, caller, owner)


def _admits_valid(code: bytes, length: int, caller: Pubkey, owner: Pubkey) -> bool:
    """Admission by a valid program: some SIGNER_IS key is the caller, or the caller is the
    owner and the guard has a SIGNER_IS_OWNER leaf or no signer leaf at all."""
    signer_leaf = owner_leaf = False
    for at in _nodes(code, length):
        if code[at] == GuardOp.SIGNER_IS:
            if _key(code, at + _KEY) == bytes(caller):
                return True
            signer_leaf = True
        elif code[at] == GuardOp.SIGNER_IS_OWNER:
            owner_leaf = True
    return caller == owner and (owner_leaf or not signer_leaf)


def rate_window_seconds(code: bytes, length: int) -> int:
    """``guard_rate_window_seconds``: the RATE_LIMIT window, 0 without one or when malformed."""
    return 0 if check(code, length) is not None else _window_valid(code, length)


def _window_valid(code: bytes, length: int) -> int:
    for at in _nodes(code, length):
        if code[at] == GuardOp.RATE_LIMIT:
            return int(_U32.unpack_from(code, at + _RATE_SECONDS)[0])
    return 0


def has_signer_leaf(code: bytes, length: int) -> bool:
    """``guard_has_signer_leaf``: a SIGNER_IS or SIGNER_IS_OWNER node (True when malformed)."""
    if check(code, length) is not None:
        return True
    signers = (GuardOp.SIGNER_IS, GuardOp.SIGNER_IS_OWNER)
    return any(code[at] in signers for at in _nodes(code, length))


@dataclass(frozen=True, slots=True)
class GuardFacts:
    """``guard_inspect``'s answers: what execute needs before its CPI, from one pass."""

    malformed: bool
    admitted: bool
    has_signer_leaf: bool
    rate_window_seconds: int


def inspect(code: bytes, length: int, caller: Pubkey, owner: Pubkey) -> GuardFacts:
    """``guard_inspect``: admission, signer leaf and rate window (fail-closed when malformed)."""
    malformed = check(code, length) is not None
    return GuardFacts(
        malformed,
        admits(code, length, caller, owner),
        has_signer_leaf(code, length),
        rate_window_seconds(code, length),
    )
