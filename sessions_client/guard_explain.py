"""Why a guard holds or refuses: the decoded expression evaluated against one execution's
inputs, with the minimal reason in the builder's own syntax.

The program answers only ``GuardRejected``; this module names the predicate. It evaluates the
expression tree (:mod:`sessions_client.guard_nodes`), not the bytes, over an
:class:`ExecutionContext` that mirrors ``GuardInput`` of ``program/include/guard.h``, except
that an input the caller does not know is ``None``. A leaf over an unknown input is
:attr:`Truth.UNKNOWN` and says so, and AND, OR and NOT combine three-valued (Kleene), so an
explanation never rests on an invented value: off-chain, the lamports and tokens an execute
moves are measured by the program only.

Minimal reasons: a false AND gives its first false child's reason (the one the policy fails
on), a false OR every child's (each alternative failed), a NOT the reason of the child it
negates; a true AND gives every child's, a true OR its first true child's.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey

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
from sessions_client.guard_schema import GuardCmp

_U64_MAX: Final = (1 << 64) - 1

_COMPARE: Final[dict[GuardCmp, Callable[[int, int], bool]]] = {
    GuardCmp.EQ: operator.eq,
    GuardCmp.NE: operator.ne,
    GuardCmp.LT: operator.lt,
    GuardCmp.LE: operator.le,
    GuardCmp.GT: operator.gt,
    GuardCmp.GE: operator.ge,
}


class Truth(enum.Enum):
    """A three-valued verdict: UNKNOWN when it depends on an input the caller lacks."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool) -> Truth:
        return cls.TRUE if value else cls.FALSE

    def __invert__(self) -> Truth:
        return {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(self, Truth.UNKNOWN)


@dataclass(frozen=True, slots=True)
class TokenSpend:
    """How much of ``mint`` the session signer's token accounts lost (GuardTokenSpend)."""

    mint: Pubkey
    amount: int


@dataclass(frozen=True, slots=True)
class ExecutionContext:
    """What a guard's leaves read for one inner instruction (guard.h's ``GuardInput``).

    ``None`` marks an input the caller does not know; the leaves reading it are UNKNOWN.
    ``window_count_after`` counts this execution (the program restarts the window at ``now``
    when it has run out); ``lamports_out`` is the signer's gross outflow over the whole
    execute; ``token_spends`` lists per-mint decreases. ``notes`` say where inputs came from.
    """

    caller: Pubkey
    owner: Pubkey
    now: int | None
    usage_after: int
    window_count_after: int | None
    program_id: Pubkey
    data: bytes = b""
    account_keys: tuple[Pubkey, ...] = ()
    lamports_out: int | None = 0
    token_spends: tuple[TokenSpend, ...] | None = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """One node's verdict and why: a leaf's ``detail`` states the actual value it read; a
    combinator's ``because`` holds the minimal children that decided it."""

    expr: GuardExpr
    truth: Truth
    detail: str = ""
    because: tuple[Explanation, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        """The deciding predicates, each as ``builder(...): actual value``."""
        if isinstance(self.expr, GuardLeaf):
            return (f"{self.expr}: {self.detail}",)
        if isinstance(self.expr, Not):
            (child,) = self.because
            if isinstance(child.expr, GuardLeaf):
                return (f"{self.expr}: {child.detail}",)
            return (f"{self.expr}: because {'; '.join(child.reasons)}",)
        return tuple(reason for child in self.because for reason in child.reasons)

    def refusing_leaves(self) -> tuple[GuardLeaf, ...]:
        """The leaves named by :attr:`reasons`."""
        if isinstance(self.expr, GuardLeaf):
            return (self.expr,)
        return tuple(leaf for child in self.because for leaf in child.refusing_leaves())


@dataclass(frozen=True, slots=True)
class GuardExplanation:
    """A guard's verdict on a context, the minimal reason and where the inputs came from."""

    root: Explanation
    notes: tuple[str, ...] = ()

    @property
    def truth(self) -> Truth:
        return self.root.truth

    @property
    def holds(self) -> bool | None:
        """True or False when the known inputs decide it, None when they do not."""
        return {Truth.TRUE: True, Truth.FALSE: False}.get(self.truth)

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.root.reasons

    def __str__(self) -> str:
        return f"guard is {self.truth.value}: {'; '.join(self.reasons)}"


def _key(key: Pubkey) -> str:
    return f'"{key}"'


def _unknown(what: str) -> tuple[Truth, str]:
    return Truth.UNKNOWN, f"{what} is not known (unknown)"


def _time(leaf: NotBefore | NotAfter, now: int | None) -> tuple[Truth, str]:
    if now is None:
        return _unknown("the cluster time")
    holds = now >= leaf.t if isinstance(leaf, NotBefore) else now <= leaf.t
    return Truth.of(holds), f"now is {now}"


def _discriminator(leaf: DiscriminatorIn, data: bytes) -> tuple[Truth, str]:
    if len(data) < leaf.width:
        return Truth.FALSE, f"the data has {len(data)} bytes, fewer than {leaf.width}"
    prefix = data[: leaf.width]
    return Truth.of(prefix in leaf.prefixes), f"the data starts with {prefix!r}"


def _arg(leaf: Arg, data: bytes) -> tuple[Truth, str]:
    end = leaf.offset + leaf.width
    if end > len(data):
        return Truth.FALSE, f"the data has {len(data)} bytes, fewer than {end}"
    read = int.from_bytes(data[leaf.offset : end], "little")
    return Truth.of(_COMPARE[leaf.cmp](read, leaf.value)), f"reads {read}"


def _account(leaf: AccountIs, keys: tuple[Pubkey, ...]) -> tuple[Truth, str]:
    if leaf.index >= len(keys):
        return Truth.FALSE, f"the instruction has {len(keys)} accounts"
    key = keys[leaf.index]
    return Truth.of(key == leaf.key), f"account {leaf.index} is {_key(key)}"


def _token(leaf: TokenAtMost, spends: tuple[TokenSpend, ...] | None) -> tuple[Truth, str]:
    if spends is None:
        return _unknown("the signer's token outflow (measured on-chain)")
    spent = sum(s.amount for s in spends if s.mint == leaf.mint)
    return Truth.of(min(spent, _U64_MAX) <= leaf.x), f"{spent} of this mint left the signer"


def _leaf(leaf: GuardLeaf, ctx: ExecutionContext) -> tuple[Truth, str]:
    """The leaf's truth and the actual value it read (guard.c's leaf, case by case)."""
    if isinstance(leaf, SignerIs):
        return Truth.of(ctx.caller == leaf.key), f"the caller is {_key(ctx.caller)}"
    if isinstance(leaf, SignerIsOwner):
        if ctx.caller == ctx.owner:
            return Truth.TRUE, f"the caller {_key(ctx.caller)} is the owner"
        return Truth.FALSE, f"the caller {_key(ctx.caller)} is not the owner {_key(ctx.owner)}"
    if isinstance(leaf, NotBefore | NotAfter):
        return _time(leaf, ctx.now)
    if isinstance(leaf, UsageAtMost):
        return Truth.of(ctx.usage_after <= leaf.n), f"this would be execution {ctx.usage_after}"
    if isinstance(leaf, RateLimit):
        count = ctx.window_count_after
        if count is None:
            return _unknown("the rate window's count (it depends on the cluster time)")
        return Truth.of(count <= leaf.n), f"this would be call {count} in the window"
    if isinstance(leaf, ProgramIn):
        return Truth.of(ctx.program_id in leaf.ids), f"the program is {_key(ctx.program_id)}"
    if isinstance(leaf, DiscriminatorIn):
        return _discriminator(leaf, ctx.data)
    if isinstance(leaf, Arg):
        return _arg(leaf, ctx.data)
    if isinstance(leaf, AccountIs):
        return _account(leaf, ctx.account_keys)
    if isinstance(leaf, LamportsAtMost):
        out = ctx.lamports_out
        if out is None:
            return _unknown("the signer's lamport outflow (measured on-chain)")
        return Truth.of(out <= leaf.x), f"{out} lamports left the signer"
    if isinstance(leaf, TokenAtMost):
        return _token(leaf, ctx.token_spends)
    raise TypeError(f"not a guard leaf: {leaf!r}")


def _and(expr: And, a: Explanation, b: Explanation) -> Explanation:
    falses = [c for c in (a, b) if c.truth is Truth.FALSE]
    if falses:
        return Explanation(expr, Truth.FALSE, because=(falses[0],))
    unknowns = tuple(c for c in (a, b) if c.truth is Truth.UNKNOWN)
    if unknowns:
        return Explanation(expr, Truth.UNKNOWN, because=unknowns)
    return Explanation(expr, Truth.TRUE, because=(a, b))


def _or(expr: Or, a: Explanation, b: Explanation) -> Explanation:
    trues = [c for c in (a, b) if c.truth is Truth.TRUE]
    if trues:
        return Explanation(expr, Truth.TRUE, because=(trues[0],))
    unknown = Truth.UNKNOWN in (a.truth, b.truth)
    return Explanation(expr, Truth.UNKNOWN if unknown else Truth.FALSE, because=(a, b))


def explain_expr(expr: GuardExpr, ctx: ExecutionContext) -> Explanation:
    """The explanation of one node (iterative postfix walk: a guard may be 16 deep, and a
    tree built by hand deeper, so no recursion limit applies)."""
    done: dict[int, Explanation] = {}
    pending: list[tuple[GuardExpr, bool]] = [(expr, False)]
    while pending:
        node, expanded = pending.pop()
        if isinstance(node, GuardLeaf):
            truth, detail = _leaf(node, ctx)
            done[id(node)] = Explanation(node, truth, detail)
        elif not expanded:
            pending.append((node, True))
            children = (node.a,) if isinstance(node, Not) else _pair(node)
            pending += [(child, False) for child in children]
        elif isinstance(node, Not):
            child = done[id(node.a)]
            done[id(node)] = Explanation(node, ~child.truth, because=(child,))
        elif isinstance(node, And):
            done[id(node)] = _and(node, done[id(node.a)], done[id(node.b)])
        elif isinstance(node, Or):
            done[id(node)] = _or(node, done[id(node.a)], done[id(node.b)])
    return done[id(expr)]


def _pair(node: GuardExpr) -> tuple[GuardExpr, GuardExpr]:
    if isinstance(node, And | Or):
        return node.a, node.b
    raise TypeError(f"not a guard expression: {node!r}")


def explain_context(expr: GuardExpr, ctx: ExecutionContext) -> GuardExplanation:
    """``expr``'s verdict on ``ctx`` with its minimal reason and the context's notes."""
    return GuardExplanation(explain_expr(expr, ctx), ctx.notes)
