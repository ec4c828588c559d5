"""guards.explain: every leaf kind true and false with its exact message, AND/OR/NOT's minimal
reasons, unknown inputs, and the verdict equal to the simulator's evaluator on the bytes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_client.constants import GUARD_CAPACITY
from sessions_client.guard_codec import encode
from sessions_client.guard_nodes import RateLimit
from sessions_client.guards import (
    ExecutionContext,
    GuardExpr,
    TokenSpend,
    Truth,
    account_is,
    arg,
    calls_per,
    compile_guard,
    discriminator_in,
    explain,
    lamports_at_most,
    not_after,
    not_before,
    program_is,
    signer_is,
    signer_is_owner,
    token_at_most,
    usage_at_most,
)
from simulator.guard_eval import GuardContext, evaluate, window_count
from tests.guards.strategies import contexts_for, exprs, leaves_of


def _key(n: int) -> Pubkey:
    return Pubkey.from_bytes(bytes([n]) * 32)


CALLER, OWNER, PROGRAM, OTHER, MINT = (_key(n) for n in range(1, 6))
CTX = ExecutionContext(
    caller=CALLER,
    owner=OWNER,
    now=1_000,
    usage_after=4,
    window_count_after=11,
    program_id=PROGRAM,
    data=bytes([2, 0, 0, 0, 7, 0]),
    account_keys=(CALLER, OTHER),
    lamports_out=500,
    token_spends=(TokenSpend(MINT, 30), TokenSpend(MINT, 20), TokenSpend(OTHER, 99)),
)

LEAF_CASES: list[tuple[GuardExpr, Truth, str]] = [
    (signer_is(CALLER), Truth.TRUE, f'signer_is("{CALLER}"): the caller is "{CALLER}"'),
    (signer_is(OTHER), Truth.FALSE, f'signer_is("{OTHER}"): the caller is "{CALLER}"'),
    (
        signer_is_owner(),
        Truth.FALSE,
        f'signer_is_owner(): the caller "{CALLER}" is not the owner "{OWNER}"',
    ),
    (not_before(1_000), Truth.TRUE, "not_before(1000): now is 1000"),
    (not_before(1_001), Truth.FALSE, "not_before(1001): now is 1000"),
    (not_after(1_000), Truth.TRUE, "not_after(1000): now is 1000"),
    (not_after(999), Truth.FALSE, "not_after(999): now is 1000"),
    (usage_at_most(4), Truth.TRUE, "usage_at_most(4): this would be execution 4"),
    (usage_at_most(3), Truth.FALSE, "usage_at_most(3): this would be execution 4"),
    (calls_per(60, 11), Truth.TRUE, "calls_per(60, 11): this would be call 11 in the window"),
    (calls_per(60, 10), Truth.FALSE, "calls_per(60, 10): this would be call 11 in the window"),
    (
        program_is(OTHER, PROGRAM),
        Truth.TRUE,
        f'program_is("{OTHER}", "{PROGRAM}"): the program is "{PROGRAM}"',
    ),
    (program_is(OTHER), Truth.FALSE, f'program_is("{OTHER}"): the program is "{PROGRAM}"'),
    (
        discriminator_in(b"\x02\x00\x00\x00"),
        Truth.TRUE,
        r"discriminator_in(b'\x02\x00\x00\x00'): the data starts with b'\x02\x00\x00\x00'",
    ),
    (
        discriminator_in(b"\x03"),
        Truth.FALSE,
        r"discriminator_in(b'\x03'): the data starts with b'\x02'",
    ),
    (
        discriminator_in(bytes(8)),
        Truth.FALSE,
        r"discriminator_in(b'\x00\x00\x00\x00\x00\x00\x00\x00'): "
        "the data has 6 bytes, fewer than 8",
    ),
    (arg(4, 2, "<=", 7), Truth.TRUE, 'arg(4, 2, "<=", 7): reads 7'),
    (arg(4, 2, "<", 7), Truth.FALSE, 'arg(4, 2, "<", 7): reads 7'),
    (arg(4, 4, "=", 7), Truth.FALSE, 'arg(4, 4, "=", 7): the data has 6 bytes, fewer than 8'),
    (account_is(1, OTHER), Truth.TRUE, f'account_is(1, "{OTHER}"): account 1 is "{OTHER}"'),
    (account_is(0, OTHER), Truth.FALSE, f'account_is(0, "{OTHER}"): account 0 is "{CALLER}"'),
    (
        account_is(2, OTHER),
        Truth.FALSE,
        f'account_is(2, "{OTHER}"): the instruction has 2 accounts',
    ),
    (lamports_at_most(500), Truth.TRUE, "lamports_at_most(500): 500 lamports left the signer"),
    (lamports_at_most(499), Truth.FALSE, "lamports_at_most(499): 500 lamports left the signer"),
    (
        token_at_most(MINT, 50),
        Truth.TRUE,
        f'token_at_most("{MINT}", 50): 50 of this mint left the signer',
    ),
    (
        token_at_most(MINT, 49),
        Truth.FALSE,
        f'token_at_most("{MINT}", 49): 50 of this mint left the signer',
    ),
]


@pytest.mark.parametrize(
    ("expr", "truth", "reason"), LEAF_CASES, ids=[str(c[0]) for c in LEAF_CASES]
)
def test_leaf(expr: GuardExpr, truth: Truth, reason: str) -> None:
    explained = explain(expr, CTX)
    assert explained.truth is truth
    assert explained.reasons == (reason,)


def test_leaf_cases_agree_with_the_simulator() -> None:
    for expr, truth, _ in LEAF_CASES:
        assert (evaluate(*_stored(expr), _sim(CTX)) is None) == (truth is Truth.TRUE), expr


def test_compiled_guard_bytes_are_decoded() -> None:
    explained = explain(compile_guard(calls_per(60, 10)), CTX)
    assert explained.reasons == ("calls_per(60, 10): this would be call 11 in the window",)
    assert explain(encode(usage_at_most(3)), CTX).holds is False


def test_empty_guard_has_nothing_to_explain() -> None:
    with pytest.raises(ValueError, match="empty guard"):
        explain(compile_guard(None), CTX)


def test_false_and_gives_its_first_false_child() -> None:
    policy = signer_is(CALLER) & usage_at_most(3) & calls_per(60, 10)
    explained = explain(policy, CTX)
    assert explained.holds is False
    assert explained.reasons == ("usage_at_most(3): this would be execution 4",)
    assert str(explained) == "guard is false: usage_at_most(3): this would be execution 4"


def test_true_and_gives_every_child() -> None:
    explained = explain(usage_at_most(4) & not_before(0), CTX)
    assert explained.holds is True
    assert explained.reasons == (
        "usage_at_most(4): this would be execution 4",
        "not_before(0): now is 1000",
    )


def test_false_or_gives_every_child() -> None:
    explained = explain(signer_is(OTHER) | not_after(10), CTX)
    assert explained.holds is False
    assert explained.reasons == (
        f'signer_is("{OTHER}"): the caller is "{CALLER}"',
        "not_after(10): now is 1000",
    )


def test_true_or_gives_its_first_true_child() -> None:
    explained = explain(signer_is(OTHER) | not_before(5) | usage_at_most(9), CTX)
    assert explained.holds is True
    assert explained.reasons == ("not_before(5): now is 1000",)


def test_not_gives_the_child_that_held() -> None:
    explained = explain(~account_is(1, OTHER), CTX)
    assert explained.holds is False
    assert explained.reasons == (f'~account_is(1, "{OTHER}"): account 1 is "{OTHER}"',)
    held = explain(~(usage_at_most(9) & not_before(0)), CTX)
    assert held.holds is False
    assert held.reasons == (
        "~(usage_at_most(9) & not_before(0)): because usage_at_most(9): this would be "
        "execution 4; not_before(0): now is 1000",
    )


def test_true_not_gives_the_child_that_failed() -> None:
    explained = explain(~signer_is(OTHER), CTX)
    assert explained.holds is True
    assert explained.reasons == (f'~signer_is("{OTHER}"): the caller is "{CALLER}"',)


def test_unknown_inputs_are_never_guessed() -> None:
    blind = replace(CTX, now=None, window_count_after=None, lamports_out=None, token_spends=None)
    cases = {
        lamports_at_most(1): "lamports_at_most(1): the signer's lamport outflow (measured "
        "on-chain) is not known (unknown)",
        token_at_most(MINT, 1): f'token_at_most("{MINT}", 1): the signer\'s token outflow '
        "(measured on-chain) is not known (unknown)",
        not_after(5): "not_after(5): the cluster time is not known (unknown)",
        calls_per(60, 10): "calls_per(60, 10): the rate window's count (it depends on the "
        "cluster time) is not known (unknown)",
    }
    for expr, reason in cases.items():
        explained = explain(expr, blind)
        assert explained.truth is Truth.UNKNOWN
        assert explained.holds is None
        assert explained.reasons == (reason,)


def test_unknown_combines_three_valued() -> None:
    blind = replace(CTX, lamports_out=None)
    # a known false child decides an AND; a known true child decides an OR
    assert explain(usage_at_most(3) & lamports_at_most(1), blind).reasons == (
        "usage_at_most(3): this would be execution 4",
    )
    assert explain(lamports_at_most(1) | usage_at_most(4), blind).holds is True
    undecided = explain(usage_at_most(4) & lamports_at_most(1), blind)
    assert undecided.truth is Truth.UNKNOWN
    assert len(undecided.reasons) == 1
    assert explain(~lamports_at_most(1), blind).truth is Truth.UNKNOWN
    assert explain(signer_is(OTHER) | lamports_at_most(1), blind).truth is Truth.UNKNOWN


def _stored(expr: GuardExpr) -> tuple[bytes, int]:
    program = encode(expr)
    return program + bytes(GUARD_CAPACITY - len(program)), len(program)


def _sim(ctx: ExecutionContext) -> GuardContext:
    """The simulator's context for the library's: a stored window that this execution
    continues (started now) to the library's count after it, or one that restarts (count 1)."""
    assert ctx.now is not None
    assert ctx.window_count_after is not None
    assert ctx.window_count_after >= 1  # the program's count includes this execution
    assert ctx.lamports_out is not None
    assert ctx.token_spends is not None
    after = ctx.window_count_after
    start, count = (0, 0) if after == 1 else (ctx.now, after - 1)
    return GuardContext(
        caller=ctx.caller,
        owner=ctx.owner,
        now=ctx.now,
        usage_after=ctx.usage_after,
        window_start=start,
        window_count=count,
        program_id=ctx.program_id,
        data=ctx.data,
        account_keys=ctx.account_keys,
        lamports_out=ctx.lamports_out,
        token_spends=tuple((s.mint, s.amount) for s in ctx.token_spends),
    )


def _library(ctx: GuardContext, expr: GuardExpr) -> ExecutionContext:
    """The library's context for the simulator's: the window's count after this execution,
    for the expression's rate limit (none: the stored count, which no leaf reads)."""
    rate = [leaf for leaf in leaves_of(expr) if isinstance(leaf, RateLimit)]
    count = ctx.window_count
    if rate:
        count = window_count(ctx.window_start, count, ctx.now, rate[0].seconds)
    return ExecutionContext(
        caller=ctx.caller,
        owner=ctx.owner,
        now=ctx.now,
        usage_after=ctx.usage_after,
        window_count_after=count,
        program_id=ctx.program_id,
        data=ctx.data,
        account_keys=ctx.account_keys,
        lamports_out=ctx.lamports_out,
        token_spends=tuple(TokenSpend(mint, amount) for mint, amount in ctx.token_spends),
    )


@st.composite
def _cases(draw: st.DrawFn) -> tuple[GuardExpr, GuardContext]:
    expr = draw(exprs)
    return expr, draw(contexts_for(expr))


@given(_cases())
def test_verdict_equals_the_simulators_evaluator(case: tuple[GuardExpr, GuardContext]) -> None:
    expr, ctx = case
    explained = explain(expr, _library(ctx, expr))
    assert explained.holds == (evaluate(*_stored(expr), ctx) is None)
    # the reasons are the expression's own leaves (minimal: a subset of them)
    leaves = leaves_of(expr)
    refusing = explained.root.refusing_leaves()
    assert refusing
    assert all(leaf in leaves for leaf in refusing)
