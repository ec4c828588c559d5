"""The guard builder: policies that read like the policy, compiled to the stored bytes.

>>> from sessions_client.guards import program_is, calls_per, signer_is, compile_guard
>>> policy = (program_is(dex) & calls_per(60, 10)) | signer_is(admin)  # doctest: +SKIP
>>> params = SessionParams(config, guard=compile_guard(policy))       # doctest: +SKIP

``str(policy)`` prints the same builder expression (keys as base58 strings, which every
builder accepts), and ``decode_guard(compile_guard(policy)) == policy``. The encoding is
:mod:`sessions_client.guard_schema`'s; the program validates the same bytes at creation
(InvalidConfiguration) and fails closed on them at execution.
"""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import GUARD_CAPACITY
from sessions_client.guard_codec import GuardEncodingError, encode, read
from sessions_client.guard_explain import (
    ExecutionContext,
    Explanation,
    GuardExplanation,
    TokenSpend,
    Truth,
    explain_context,
)
from sessions_client.guard_nodes import (
    AccountIs,
    And,
    Arg,
    DiscriminatorIn,
    GuardBuildError,
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
from sessions_client.guard_schema import CMP_SYMBOLS, GuardCmp, GuardRule
from sessions_client.types import Guard

KeyLike = Pubkey | str
_CMP_BY_SYMBOL: Final = {symbol: cmp for cmp, symbol in CMP_SYMBOLS.items()}


def _pubkey(key: KeyLike) -> Pubkey:
    return key if isinstance(key, Pubkey) else Pubkey.from_string(key)


def signer_is(key: KeyLike) -> SignerIs:
    """The execute caller is ``key`` (a session key: a bot or dapp acting for the owner)."""
    return SignerIs(_pubkey(key))


def signer_is_owner() -> SignerIsOwner:
    """The execute caller is the session's owner."""
    return SignerIsOwner()


def not_before(t: int) -> NotBefore:
    """The clock's unix time is >= ``t``."""
    return NotBefore(t)


def not_after(t: int) -> NotAfter:
    """The clock's unix time is <= ``t``."""
    return NotAfter(t)


def usage_at_most(n: int) -> UsageAtMost:
    """The session's usage count after this execution is <= ``n``."""
    return UsageAtMost(n)


def calls_per(seconds: int, n: int) -> RateLimit:
    """At most ``n`` executions in each fixed window of ``seconds`` (one rate limit per guard)."""
    return RateLimit(seconds, n)


def program_is(*ids: KeyLike) -> ProgramIn:
    """The CPI's program is one of ``ids`` (1 to 7)."""
    return ProgramIn(tuple(_pubkey(k) for k in ids))


def discriminator_in(*prefixes: bytes) -> DiscriminatorIn:
    """The CPI data starts with one of ``prefixes`` (all of one width, 1 to 8 bytes)."""
    return DiscriminatorIn(tuple(bytes(p) for p in prefixes))


def arg(offset: int, width: int, op: str, value: int) -> Arg:
    """``width`` (1, 2, 4, 8) bytes at ``offset`` of the CPI data, unsigned little-endian,
    compared with ``value`` by ``op`` (``= != < <= > >=``); false when the data is shorter."""
    if op not in _CMP_BY_SYMBOL:
        raise GuardBuildError(f"arg op {op!r} is not one of {' '.join(_CMP_BY_SYMBOL)}")
    return Arg(offset, width, _CMP_BY_SYMBOL[op], value)


def account_is(index: int, key: KeyLike) -> AccountIs:
    """The CPI's account at position ``index`` is ``key``."""
    return AccountIs(index, _pubkey(key))


def lamports_at_most(x: int) -> LamportsAtMost:
    """At most ``x`` lamports left the session signer during this execute (gross outflow)."""
    return LamportsAtMost(x)


def token_at_most(mint: KeyLike, x: int) -> TokenAtMost:
    """The signer's token accounts of ``mint`` lost at most ``x`` during this execute."""
    return TokenAtMost(_pubkey(mint), x)


def names_a_signer(expr: GuardExpr | None) -> bool:
    """Whether ``expr`` has a ``signer_is`` or ``signer_is_owner`` predicate: a narrowing
    update_guard by anyone but the owner may not add one (it could widen admission)."""
    pending = [] if expr is None else [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, SignerIs | SignerIsOwner):
            return True
        if isinstance(node, And | Or):
            pending += (node.a, node.b)
        elif isinstance(node, Not):
            pending.append(node.a)
    return False


def compile_guard(expr: GuardExpr | None) -> Guard:
    """The schema's ``Guard`` struct holding ``expr``'s postfix program (None: no guard).

    Raises :class:`GuardEncodingError` when the program breaks a whole-program rule (longer
    than the capacity, deeper than the stack, more than one rate limit).
    """
    if expr is None:
        return Guard()
    program = encode(expr)
    if len(program) > GUARD_CAPACITY:
        raise GuardEncodingError(GUARD_CAPACITY, GuardRule.LENGTH)
    code = program + bytes(GUARD_CAPACITY - len(program))
    read(code, len(program))
    return Guard(len(program), code)


def _code(guard: Guard | bytes) -> tuple[bytes, int]:
    if isinstance(guard, Guard):
        return guard.code, guard.len
    return bytes(guard), len(guard)


def decode_guard(guard: Guard | bytes) -> GuardExpr | None:
    """The expression a stored ``Guard`` (or a bare program) holds; None when it has none.

    Raises :class:`GuardEncodingError` naming the offset and rule of malformed bytes.
    """
    code, length = _code(guard)
    return read(code, length)


def validate_guard(guard: Guard | bytes) -> None:
    """Raise :class:`GuardEncodingError` (offset, rule) unless the program accepts the guard."""
    code, length = _code(guard)
    read(code, length)


def explain(
    expr_or_guard: GuardExpr | Guard | bytes, context: ExecutionContext
) -> GuardExplanation:
    """Whether the guard holds on ``context`` and the minimal reason, each deciding predicate
    printed in builder syntax with the value it read (``calls_per(60, 10): this would be call
    11 in the window``). Stored bytes are decoded first (GuardEncodingError when malformed);
    an empty guard (which always holds) has nothing to explain: ValueError. Inputs
    ``context`` marks unknown (None) make their leaves UNKNOWN.
    """
    expr = expr_or_guard if isinstance(expr_or_guard, GuardExpr) else decode_guard(expr_or_guard)
    if expr is None:
        raise ValueError("an empty guard always holds: there is nothing to explain")
    return explain_context(expr, context)


__all__ = [
    "AccountIs",
    "And",
    "Arg",
    "DiscriminatorIn",
    "ExecutionContext",
    "Explanation",
    "GuardBuildError",
    "GuardCmp",
    "GuardEncodingError",
    "GuardError",
    "GuardExplanation",
    "GuardExpr",
    "GuardLeaf",
    "GuardRule",
    "LamportsAtMost",
    "Not",
    "NotAfter",
    "NotBefore",
    "Or",
    "ProgramIn",
    "RateLimit",
    "SignerIs",
    "SignerIsOwner",
    "TokenAtMost",
    "TokenSpend",
    "Truth",
    "UsageAtMost",
    "account_is",
    "arg",
    "calls_per",
    "compile_guard",
    "decode_guard",
    "discriminator_in",
    "explain",
    "lamports_at_most",
    "names_a_signer",
    "not_after",
    "not_before",
    "program_is",
    "signer_is",
    "signer_is_owner",
    "token_at_most",
    "usage_at_most",
    "validate_guard",
]
