"""Guard expressions: frozen nodes that combine with ``&``, ``|`` and ``~`` and print as the
builder call that makes them.

Each leaf knows its opcode and how its operands encode (through the borsh operand structs of
:mod:`sessions_client.guard_schema`, so the bytes are the ones the C evaluator reads). The
compiler and the decoder live in :mod:`sessions_client.guard_codec`; the builder functions
in :mod:`sessions_client.guards`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from solders.pubkey import Pubkey

from sessions_client.codec import layout_of
from sessions_client.exceptions import SessionsClientError
from sessions_client.guard_schema import (
    ARG_WIDTHS,
    CMP_SYMBOLS,
    DISCRIMINATOR_MAX_WIDTH,
    PROGRAM_IN_MAX_KEYS,
    AccountIsOperands,
    AmountOperand,
    ArgOperands,
    DiscriminatorInHead,
    GuardCmp,
    GuardOp,
    KeyOperand,
    ProgramInHead,
    RateLimitOperands,
    TimeOperand,
    TokenAtMostOperands,
)

_U32_MAX: Final = (1 << 32) - 1
_U64_MAX: Final = (1 << 64) - 1
_I64_MIN: Final = -(1 << 63)
_I64_MAX: Final = (1 << 63) - 1
_U8_MAX: Final = 255
_U16_MAX: Final = (1 << 16) - 1

# Printing precedence, as Python parses the operators: | below & below ~ below a call.
_OR_LEVEL: Final = 1
_AND_LEVEL: Final = 2
_NOT_LEVEL: Final = 3
_LEAF_LEVEL: Final = 4


class GuardError(SessionsClientError):
    """Base of the guard language's errors."""


class GuardBuildError(GuardError, ValueError):
    """A builder call with operands the language cannot express (e.g. 8 program ids)."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise GuardBuildError(message)


def _check_range(name: str, value: int, low: int, high: int) -> None:
    _check(low <= value <= high, f"{name} = {value} is outside {low}..{high}")


class GuardExpr:
    """A guard expression: ``a & b``, ``a | b`` and ``~a`` build AND, OR and NOT."""

    __slots__ = ()
    level: ClassVar[int] = _LEAF_LEVEL

    def __and__(self, other: GuardExpr) -> And:
        return And(self, other)

    def __or__(self, other: GuardExpr) -> Or:
        return Or(self, other)

    def __invert__(self) -> Not:
        return Not(self)

    def render(self) -> str:
        """The builder expression that makes this node."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render()


def _nested(expr: GuardExpr, level: int) -> str:
    text = expr.render()
    return f"({text})" if expr.level < level else text


class GuardLeaf(GuardExpr):
    """A predicate over the execution context: one opcode and its operands."""

    __slots__ = ()
    op: ClassVar[GuardOp]

    def operands(self) -> bytes:
        """The bytes after the opcode."""
        raise NotImplementedError


def _key(key: Pubkey) -> str:
    return f'"{key}"'


@dataclass(frozen=True, slots=True)
class SignerIs(GuardLeaf):
    key: Pubkey
    op: ClassVar[GuardOp] = GuardOp.SIGNER_IS

    def operands(self) -> bytes:
        return layout_of(KeyOperand).encode(KeyOperand(self.key))

    def render(self) -> str:
        return f"signer_is({_key(self.key)})"


@dataclass(frozen=True, slots=True)
class SignerIsOwner(GuardLeaf):
    op: ClassVar[GuardOp] = GuardOp.SIGNER_IS_OWNER

    def operands(self) -> bytes:
        return b""

    def render(self) -> str:
        return "signer_is_owner()"


@dataclass(frozen=True, slots=True)
class NotBefore(GuardLeaf):
    t: int
    op: ClassVar[GuardOp] = GuardOp.NOT_BEFORE

    def __post_init__(self) -> None:
        _check_range("not_before t", self.t, _I64_MIN, _I64_MAX)

    def operands(self) -> bytes:
        return layout_of(TimeOperand).encode(TimeOperand(self.t))

    def render(self) -> str:
        return f"not_before({self.t})"


@dataclass(frozen=True, slots=True)
class NotAfter(GuardLeaf):
    t: int
    op: ClassVar[GuardOp] = GuardOp.NOT_AFTER

    def __post_init__(self) -> None:
        _check_range("not_after t", self.t, _I64_MIN, _I64_MAX)

    def operands(self) -> bytes:
        return layout_of(TimeOperand).encode(TimeOperand(self.t))

    def render(self) -> str:
        return f"not_after({self.t})"


@dataclass(frozen=True, slots=True)
class UsageAtMost(GuardLeaf):
    n: int
    op: ClassVar[GuardOp] = GuardOp.USAGE_AT_MOST

    def __post_init__(self) -> None:
        _check_range("usage_at_most n", self.n, 0, _U64_MAX)

    def operands(self) -> bytes:
        return layout_of(AmountOperand).encode(AmountOperand(self.n))

    def render(self) -> str:
        return f"usage_at_most({self.n})"


@dataclass(frozen=True, slots=True)
class RateLimit(GuardLeaf):
    """At most ``n`` executions per fixed window of ``seconds``: ``calls_per(seconds, n)``."""

    seconds: int
    n: int
    op: ClassVar[GuardOp] = GuardOp.RATE_LIMIT

    def __post_init__(self) -> None:
        _check_range("calls_per seconds", self.seconds, 1, _U32_MAX)
        _check_range("calls_per n", self.n, 0, _U32_MAX)

    def operands(self) -> bytes:
        return layout_of(RateLimitOperands).encode(RateLimitOperands(self.n, self.seconds))

    def render(self) -> str:
        return f"calls_per({self.seconds}, {self.n})"


@dataclass(frozen=True, slots=True)
class ProgramIn(GuardLeaf):
    ids: tuple[Pubkey, ...]
    op: ClassVar[GuardOp] = GuardOp.PROGRAM_IN

    def __post_init__(self) -> None:
        _check_range("program_is: number of ids", len(self.ids), 1, PROGRAM_IN_MAX_KEYS)

    def operands(self) -> bytes:
        head = layout_of(ProgramInHead).encode(ProgramInHead(len(self.ids)))
        return head + b"".join(bytes(k) for k in self.ids)

    def render(self) -> str:
        return f"program_is({', '.join(_key(k) for k in self.ids)})"


@dataclass(frozen=True, slots=True)
class DiscriminatorIn(GuardLeaf):
    prefixes: tuple[bytes, ...]
    op: ClassVar[GuardOp] = GuardOp.DISCRIMINATOR_IN

    def __post_init__(self) -> None:
        _check_range("discriminator_in: number of prefixes", len(self.prefixes), 1, _U8_MAX)
        width = len(self.prefixes[0])
        _check_range("discriminator_in: prefix width", width, 1, DISCRIMINATOR_MAX_WIDTH)
        _check(
            all(len(p) == width for p in self.prefixes),
            "discriminator_in: every prefix must have the same width",
        )

    @property
    def width(self) -> int:
        return len(self.prefixes[0])

    def operands(self) -> bytes:
        head = layout_of(DiscriminatorInHead).encode(
            DiscriminatorInHead(self.width, len(self.prefixes))
        )
        return head + b"".join(self.prefixes)

    def render(self) -> str:
        return f"discriminator_in({', '.join(repr(p) for p in self.prefixes)})"


@dataclass(frozen=True, slots=True)
class Arg(GuardLeaf):
    """``width`` bytes at ``offset`` of the CPI data, unsigned LE, compared with ``value``."""

    offset: int
    width: int
    cmp: GuardCmp
    value: int
    op: ClassVar[GuardOp] = GuardOp.ARG

    def __post_init__(self) -> None:
        _check_range("arg offset", self.offset, 0, _U16_MAX)
        _check(self.width in ARG_WIDTHS, f"arg width {self.width} is not one of {ARG_WIDTHS}")
        _check_range("arg value", self.value, 0, _U64_MAX)

    def operands(self) -> bytes:
        fields = ArgOperands(self.offset, self.width, int(self.cmp), self.value)
        return layout_of(ArgOperands).encode(fields)

    def render(self) -> str:
        symbol = CMP_SYMBOLS[self.cmp]
        return f'arg({self.offset}, {self.width}, "{symbol}", {self.value})'


@dataclass(frozen=True, slots=True)
class AccountIs(GuardLeaf):
    index: int
    key: Pubkey
    op: ClassVar[GuardOp] = GuardOp.ACCOUNT_IS

    def __post_init__(self) -> None:
        _check_range("account_is index", self.index, 0, _U8_MAX)

    def operands(self) -> bytes:
        return layout_of(AccountIsOperands).encode(AccountIsOperands(self.index, self.key))

    def render(self) -> str:
        return f"account_is({self.index}, {_key(self.key)})"


@dataclass(frozen=True, slots=True)
class LamportsAtMost(GuardLeaf):
    x: int
    op: ClassVar[GuardOp] = GuardOp.LAMPORTS_AT_MOST

    def __post_init__(self) -> None:
        _check_range("lamports_at_most x", self.x, 0, _U64_MAX)

    def operands(self) -> bytes:
        return layout_of(AmountOperand).encode(AmountOperand(self.x))

    def render(self) -> str:
        return f"lamports_at_most({self.x})"


@dataclass(frozen=True, slots=True)
class TokenAtMost(GuardLeaf):
    mint: Pubkey
    x: int
    op: ClassVar[GuardOp] = GuardOp.TOKEN_AT_MOST

    def __post_init__(self) -> None:
        _check_range("token_at_most x", self.x, 0, _U64_MAX)

    def operands(self) -> bytes:
        return layout_of(TokenAtMostOperands).encode(TokenAtMostOperands(self.mint, self.x))

    def render(self) -> str:
        return f"token_at_most({_key(self.mint)}, {self.x})"


@dataclass(frozen=True, slots=True)
class And(GuardExpr):
    a: GuardExpr
    b: GuardExpr
    level: ClassVar[int] = _AND_LEVEL

    def render(self) -> str:
        # & is left-associative: a right operand of the same level needs parentheses
        return f"{_nested(self.a, _AND_LEVEL)} & {_nested(self.b, _AND_LEVEL + 1)}"


@dataclass(frozen=True, slots=True)
class Or(GuardExpr):
    a: GuardExpr
    b: GuardExpr
    level: ClassVar[int] = _OR_LEVEL

    def render(self) -> str:
        return f"{_nested(self.a, _OR_LEVEL)} | {_nested(self.b, _OR_LEVEL + 1)}"


@dataclass(frozen=True, slots=True)
class Not(GuardExpr):
    a: GuardExpr
    level: ClassVar[int] = _NOT_LEVEL

    def render(self) -> str:
        return f"~{_nested(self.a, _NOT_LEVEL)}"


#: The leaf class of each leaf opcode.
LEAF_TYPES: Final[dict[GuardOp, type[GuardLeaf]]] = {
    cls.op: cls
    for cls in (
        SignerIs,
        SignerIsOwner,
        NotBefore,
        NotAfter,
        UsageAtMost,
        RateLimit,
        ProgramIn,
        DiscriminatorIn,
        Arg,
        AccountIs,
        LamportsAtMost,
        TokenAtMost,
    )
}
