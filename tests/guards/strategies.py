"""Hypothesis strategies for guards: valid expressions, their bytes, mutated and malformed
bytes, and execution contexts drawn from the same small worlds so leaves are true about as
often as false (a fuzzer whose leaves are always false tests only the rejection path)."""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_client.constants import GUARD_CAPACITY
from sessions_client.guard_codec import encode
from sessions_client.guard_nodes import (
    AccountIs,
    And,
    Arg,
    DiscriminatorIn,
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
    GUARD_MAX_DEPTH,
    PROGRAM_IN_MAX_KEYS,
    GuardCmp,
    GuardOp,
)
from simulator.guard_eval import GuardContext

#: A few keys, so SIGNER_IS, PROGRAM_IN, ACCOUNT_IS and TOKEN_AT_MOST match often.
KEYS: Final = tuple(Pubkey.new_unique() for _ in range(4))
keys = st.sampled_from(KEYS)
small = st.integers(0, 12)
#: Data bytes from a tiny alphabet, so prefixes and arguments match often.
data_bytes = st.binary(max_size=24).map(lambda b: bytes(x & 3 for x in b))
U64_MAX: Final = (1 << 64) - 1
I64_MIN: Final = -(1 << 63)
U32_MAX: Final = (1 << 32) - 1
I64_MAX: Final = (1 << 63) - 1


def _arg_value(width: int) -> st.SearchStrategy[int]:
    top = (1 << (8 * width)) - 1
    return st.one_of(st.integers(0, 4), st.sampled_from([top, top - 1, U64_MAX]))


ANY_CMP: Final = st.sampled_from(GuardCmp)


ANY_OFFSET: Final = st.integers(0, 24)


def _arg(
    cmps: st.SearchStrategy[GuardCmp] = ANY_CMP,
    offsets: st.SearchStrategy[int] = ANY_OFFSET,
    values: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[Arg]:
    def of_width(w: int) -> st.SearchStrategy[Arg]:
        value = _arg_value(w) if values is None else st.one_of(values, _arg_value(w))
        return st.builds(Arg, offsets, st.just(w), cmps, value)

    return st.sampled_from(ARG_WIDTHS).flatmap(of_width)


def _discriminators() -> st.SearchStrategy[DiscriminatorIn]:
    return st.integers(1, 8).flatmap(
        lambda w: st.lists(
            st.binary(min_size=w, max_size=w).map(lambda b: bytes(x & 3 for x in b)),
            min_size=1,
            max_size=3,
        ).map(lambda ps: DiscriminatorIn(tuple(ps)))
    )


times = st.one_of(small, st.sampled_from([I64_MIN, I64_MAX, -1]))
amounts = st.one_of(small, st.just(U64_MAX))


def leaf_strategies(
    pool: st.SearchStrategy[Pubkey],
    clock: st.SearchStrategy[int] = times,
    amount: st.SearchStrategy[int] = amounts,
    arg_offsets: st.SearchStrategy[int] = ANY_OFFSET,
    arg_values: st.SearchStrategy[int] | None = None,
) -> tuple[st.SearchStrategy[GuardLeaf], st.SearchStrategy[GuardLeaf]]:
    """(leaves, focused leaves) over a key pool, a range of times and of amounts, ARG offsets
    and (besides each width's edges) ARG values. Focused: each leaf kind and each ARG
    comparison equally likely, so one comparison written wrong (a < for a <=) shows up in a
    few hundred examples."""
    others = (
        st.builds(SignerIs, pool),
        st.just(SignerIsOwner()),
        st.builds(NotBefore, clock),
        st.builds(NotAfter, clock),
        st.builds(UsageAtMost, amount),
        st.builds(RateLimit, st.integers(1, 120), st.integers(0, 12)),
        st.lists(pool, min_size=1, max_size=7).map(lambda ks: ProgramIn(tuple(ks))),
        _discriminators(),
        st.builds(AccountIs, st.integers(0, 5), pool),
        st.builds(LamportsAtMost, amount),
        st.builds(TokenAtMost, pool, amount),
    )
    return (
        st.one_of(*others, _arg(ANY_CMP, arg_offsets, arg_values)),
        st.one_of(*others, *[_arg(st.just(cmp), arg_offsets, arg_values) for cmp in GuardCmp]),
    )


leaves, focused_leaves = leaf_strategies(keys)


def _combine(children: st.SearchStrategy[GuardExpr]) -> st.SearchStrategy[GuardExpr]:
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    )


def _compiles(expr: GuardExpr) -> bool:
    program = encode(expr)
    if len(program) > GUARD_CAPACITY:
        return False
    rates = sum(1 for op in _walk_ops(expr) if op is GuardOp.RATE_LIMIT)
    return rates <= 1 and _max_depth(expr) <= GUARD_MAX_DEPTH


def _walk_ops(expr: GuardExpr) -> list[GuardOp]:
    out: list[GuardOp] = []
    pending = [expr]
    while pending:
        item = pending.pop()
        if isinstance(item, GuardLeaf):
            out.append(item.op)
        elif isinstance(item, And | Or):
            pending += (item.a, item.b)
        elif isinstance(item, Not):
            pending.append(item.a)
    return out


def _max_depth(expr: GuardExpr) -> int:
    """Stack depth of the postfix evaluation: a binary node needs max(a, b + 1)."""
    if isinstance(expr, And | Or):
        return max(_max_depth(expr.a), _max_depth(expr.b) + 1)
    if isinstance(expr, Not):
        return _max_depth(expr.a)
    return 1


def expressions(base: st.SearchStrategy[GuardLeaf]) -> st.SearchStrategy[GuardExpr]:
    """Expressions over ``base`` the compiler accepts (<= 254 bytes, depth <= 16, at most one
    rate limit)."""
    return st.recursive(base, _combine, max_leaves=10).filter(_compiles)


exprs: st.SearchStrategy[GuardExpr] = expressions(leaves)


def valid_programs() -> st.SearchStrategy[bytes]:
    return exprs.map(encode)


def _mutate(draw: st.DrawFn, code: bytes) -> tuple[bytes, int]:
    """One or a few mutations of a program: the stored array (254 bytes) and its len."""
    array = bytearray(code + bytes(GUARD_CAPACITY - len(code)))
    length = len(code)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 7))
        span = min(length, GUARD_CAPACITY)  # program bytes that exist in the array
        if kind == 0 and span:  # overwrite a byte of the program
            array[draw(st.integers(0, span - 1))] = draw(st.integers(0, 255))
        elif kind == 1 and span:  # an opcode-like byte anywhere in the program
            ops = [int(op) for op in GuardOp] + [0, 0x0D, 0x13, 0xFF]
            array[draw(st.integers(0, span - 1))] = draw(st.sampled_from(ops))
        elif kind == 2:  # len shorter or longer than the program
            length = draw(st.integers(0, GUARD_CAPACITY))
        elif kind == 3 and span < GUARD_CAPACITY:  # garbage after len
            array[draw(st.integers(span, GUARD_CAPACITY - 1))] = draw(st.integers(1, 255))
        elif kind == 4 and length < GUARD_CAPACITY:  # append a combinator
            array[length] = draw(st.sampled_from([GuardOp.AND, GuardOp.OR, GuardOp.NOT]))
            length += 1
        elif kind == 5 and 0 < length <= GUARD_CAPACITY:  # drop the last byte
            length -= 1
            array[length] = 0
        elif kind == 6:  # len beyond the capacity
            length = draw(st.sampled_from([GUARD_CAPACITY + 1, 0xFFFF]))
        elif span:  # flip one bit
            array[draw(st.integers(0, span - 1))] ^= 1 << draw(st.integers(0, 7))
    return bytes(array), length


@st.composite
def edge_programs(draw: st.DrawFn) -> bytes:
    """Programs at the limits, one step inside or outside: a stack of 15, 16 or 17 leaves
    (deepest first, then the ANDs), or 253..255 bytes (a filled PROGRAM_IN, then leaves)."""
    if draw(st.booleans()):
        depth = draw(st.integers(GUARD_MAX_DEPTH - 1, GUARD_MAX_DEPTH + 1))
        parts = [encode(draw(leaves.filter(lambda leaf: not isinstance(leaf, RateLimit))))]
        parts += [bytes([GuardOp.SIGNER_IS_OWNER])] * (depth - 1)
        return b"".join(parts) + bytes([GuardOp.AND]) * (depth - 1)
    target = draw(st.integers(GUARD_CAPACITY - 1, GUARD_CAPACITY + 1))
    program = encode(ProgramIn(tuple(draw(keys) for _ in range(PROGRAM_IN_MAX_KEYS))))
    while target - len(program) >= 10:  # a 9-byte leaf and its AND
        program += encode(NotBefore(draw(times))) + bytes([GuardOp.AND])
    while len(program) + 2 <= target:  # a 1-byte leaf and its AND
        program += bytes([GuardOp.SIGNER_IS_OWNER, GuardOp.AND])
    if len(program) < target:
        program += bytes([GuardOp.NOT])  # a NOT keeps the one result
    return program


@st.composite
def stored_guards(draw: st.DrawFn) -> tuple[bytes, int]:
    """(code[254], len): valid programs, their mutations, programs at the depth and length
    limits, and raw random bytes."""
    kind = draw(st.integers(0, 10))
    if kind <= 3:
        code = draw(valid_programs())
        return code + bytes(GUARD_CAPACITY - len(code)), len(code)
    if kind <= 8:
        return _mutate(draw, draw(valid_programs()))
    if kind == 9:
        code = draw(edge_programs())
        return code[:GUARD_CAPACITY] + bytes(max(0, GUARD_CAPACITY - len(code))), len(code)
    raw = draw(st.binary(max_size=40))
    return raw + bytes(GUARD_CAPACITY - len(raw)), len(raw)


contexts: st.SearchStrategy[GuardContext] = st.builds(
    GuardContext,
    caller=keys,
    owner=keys,
    now=st.one_of(small, st.sampled_from([I64_MIN, I64_MAX])),
    usage_after=st.one_of(small, st.just(U64_MAX)),
    program_id=keys,
    data=data_bytes,
    account_keys=st.lists(keys, max_size=6).map(tuple),
    lamports_out=amounts,
    token_spends=st.lists(st.tuples(keys, amounts), max_size=3).map(tuple),
    window_start=small,
    window_count=st.one_of(st.integers(0, 13), st.just(U32_MAX)),
)


def leaves_of(expr: GuardExpr) -> list[GuardLeaf]:
    return [node for node in _nodes(expr) if isinstance(node, GuardLeaf)]


def _nodes(expr: GuardExpr) -> list[GuardExpr]:
    out: list[GuardExpr] = []
    pending = [expr]
    while pending:
        item = pending.pop()
        out.append(item)
        if isinstance(item, And | Or):
            pending += (item.a, item.b)
        elif isinstance(item, Not):
            pending.append(item.a)
    return out


def near(
    draw: st.DrawFn,
    thresholds: list[int],
    low: int,
    high: int,
    otherwise: st.SearchStrategy[int] | None = None,
) -> int:
    """A value in low..high at, just below or just above one of the thresholds, or (one time
    in five, or without thresholds) ``otherwise`` (default: any small one)."""
    if not thresholds or draw(st.integers(0, 4)) == 0:
        return draw(st.integers(max(low, 0), min(high, 12)) if otherwise is None else otherwise)
    t = draw(st.sampled_from(thresholds)) + draw(st.sampled_from([-1, 0, 0, 0, 1]))
    return min(max(t, low), high)


def stored_window(draw: st.DrawFn, now: int, leaf: RateLimit | None) -> tuple[int, int]:
    """A stored rate window (start, count) at the leaf's boundaries, half of them windows
    this execution restarts (never started, the clock before the start, exactly or one past
    the window's length: any count), half windows it continues (the window's last second or
    its first one) with the count after this execution at n - 1, n, n + 1 or saturated."""
    if leaf is None:
        return draw(small), draw(st.one_of(st.integers(0, 13), st.just(U32_MAX)))
    s = leaf.seconds
    if draw(st.booleans()):
        start = draw(st.sampled_from([0, now + 1, now - s, now - s - 1]))
        count = draw(st.sampled_from([0, 1, leaf.n, U32_MAX]))
    else:
        start = draw(st.sampled_from([now - (s - 1), now]))
        count = draw(st.sampled_from([leaf.n - 2, leaf.n - 1, leaf.n, U32_MAX - 1, U32_MAX]))
    return min(max(start, I64_MIN), I64_MAX), min(max(count, 0), U32_MAX)


@st.composite
def contexts_for(draw: st.DrawFn, expr: GuardExpr) -> GuardContext:
    """A context aimed at the expression's boundaries: each comparison's operand lands at its
    threshold or one off, keys and prefixes match about half the time. Off-by-one errors in
    any comparison (a < for a <=) then decide outcomes often, so the fuzzer sees them."""
    found = leaves_of(expr)

    def of(cls: type[GuardLeaf]) -> list[Any]:
        return [leaf for leaf in found if isinstance(leaf, cls)]

    times = [leaf.t for leaf in of(NotBefore) + of(NotAfter)]
    signer_keys = [leaf.key for leaf in of(SignerIs)]
    program_keys = [k for leaf in of(ProgramIn) for k in leaf.ids]
    caller = draw(st.sampled_from(signer_keys + list(KEYS)))
    owner = caller if draw(st.booleans()) else draw(keys)
    data = bytearray(draw(st.binary(min_size=0, max_size=32)))
    for leaf in of(Arg):
        if draw(st.integers(0, 7)):
            top = (1 << (8 * leaf.width)) - 1
            value = max(0, min(leaf.value + draw(st.sampled_from([-1, 0, 0, 0, 1])), top))
            end = leaf.offset + leaf.width
            if draw(st.integers(0, 5)) and len(data) < end:
                data += bytes(end - len(data))
            if len(data) >= end:
                data[leaf.offset : end] = value.to_bytes(leaf.width, "little")
    for leaf in of(DiscriminatorIn):
        if draw(st.booleans()):
            prefix = draw(st.sampled_from(leaf.prefixes))
            if draw(st.integers(0, 5)) == 0:
                prefix = prefix[:-1]  # one byte short
            data[: len(prefix)] = prefix
    accounts = list(draw(st.lists(keys, max_size=6)))
    for leaf in of(AccountIs):
        if draw(st.booleans()):
            accounts += [draw(keys) for _ in range(leaf.index + 1 - len(accounts))]
            accounts[leaf.index] = leaf.key
    spends = list(draw(st.lists(st.tuples(keys, amounts), max_size=2)))
    for leaf in of(TokenAtMost):
        amount = near(draw, [leaf.x], 0, U64_MAX)
        if draw(st.booleans()) and amount > 0:  # split over two entries of the mint
            spends += [(leaf.mint, amount // 2), (leaf.mint, amount - amount // 2)]
        else:
            spends.append((leaf.mint, amount))
    now = near(draw, times, I64_MIN, I64_MAX)
    rate = of(RateLimit)
    window_start, window_count = stored_window(draw, now, rate[0] if rate else None)
    return GuardContext(
        caller=caller,
        owner=owner,
        now=now,
        usage_after=near(draw, [leaf.n for leaf in of(UsageAtMost)], 0, U64_MAX),
        program_id=draw(st.sampled_from(program_keys + list(KEYS))),
        data=bytes(data),
        account_keys=tuple(accounts[:6]),
        lamports_out=near(draw, [leaf.x for leaf in of(LamportsAtMost)], 0, U64_MAX),
        token_spends=tuple(spends[-3:]),
        window_start=window_start,
        window_count=window_count,
    )


@st.composite
def guard_cases(draw: st.DrawFn) -> tuple[bytes, int, GuardContext]:
    """(code[254], len, context): single leaves (half the cases) and compound programs with
    contexts at their boundaries, or mutated and raw bytes with an arbitrary context."""
    kind = draw(st.integers(0, 9))
    if kind < 7:
        expr = draw(focused_leaves if kind < 5 else exprs)
        program = encode(expr)
        stored = program + bytes(GUARD_CAPACITY - len(program))
        return stored, len(program), draw(contexts_for(expr))
    code, length = draw(stored_guards())
    return code, length, draw(contexts)
