"""The guard builder, compiler and decoder: round trips, printing, and every validation rule."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_client import guards as g
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.guard_codec import encode
from sessions_client.guard_schema import GuardOp, GuardRule
from sessions_client.types import Guard
from simulator import guard_eval as sim

from .strategies import exprs, stored_guards

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUILDER_NAMESPACE = {name: getattr(g, name) for name in g.__all__ if name.islower()}
DEX = Pubkey.from_string("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin")
ADMIN = Pubkey.from_string("AdminAdminAdminAdminAdminAdminAdminAdminAdm")


def _stored(program: bytes) -> bytes:
    return program + bytes(GUARD_CAPACITY - len(program))


@SETTINGS
@given(expr=exprs)
def test_expression_bytes_expression(expr: g.GuardExpr) -> None:
    guard = g.compile_guard(expr)
    assert guard.code[: guard.len] == encode(expr)
    assert g.decode_guard(guard) == expr
    assert g.decode_guard(guard.code[: guard.len]) == expr


@SETTINGS
@given(expr=exprs)
def test_names_a_signer_agrees_with_the_bytes(expr: g.GuardExpr) -> None:
    guard = g.compile_guard(expr)
    assert g.names_a_signer(expr) == sim.has_signer_leaf(guard.code, guard.len)


@SETTINGS
@given(expr=exprs)
def test_str_is_the_builder_expression(expr: g.GuardExpr) -> None:
    """str() prints builder syntax: evaluating it rebuilds the same expression."""
    assert eval(str(expr), dict(BUILDER_NAMESPACE)) == expr


@SETTINGS
@given(stored=stored_guards())
def test_bytes_expression_bytes(stored: tuple[bytes, int]) -> None:
    """Any stored guard the validator accepts decodes to an expression that compiles back to
    the very same bytes (the encoding is canonical)."""
    code, length = stored
    assume(sim.check(code, length) is None)
    expr = g.decode_guard(Guard(length, code))
    assert g.compile_guard(expr) == Guard(length, code)


@SETTINGS
@given(stored=stored_guards())
def test_client_and_simulator_name_the_same_rule(stored: tuple[bytes, int]) -> None:
    """Two independent readers of the bytes (the client's decoder, the simulator's evaluator)
    agree on acceptance, and on the offset and rule of every refusal."""
    code, length = stored
    assert client_fault(Guard(length, code)) == sim_fault(code, length)


def client_fault(guard: Guard | bytes) -> tuple[int, GuardRule] | None:
    """The client's answer: None, or the (offset, rule) its GuardEncodingError names."""
    try:
        g.validate_guard(guard)
    except g.GuardEncodingError as err:
        return err.offset, err.rule
    return None


def sim_fault(code: bytes, length: int) -> tuple[int, GuardRule] | None:
    fault = sim.check(code, length)
    return None if fault is None else (fault.offset, fault.rule)


def _rule(code: bytes, length: int | None = None) -> tuple[int, GuardRule]:
    length = len(code) if length is None else length
    stored = code[:GUARD_CAPACITY] + bytes(max(0, GUARD_CAPACITY - len(code)))
    with pytest.raises(g.GuardEncodingError) as caught:
        g.validate_guard(Guard(length, stored))
    fault = sim.check(stored, length)
    assert fault is not None
    assert (fault.offset, fault.rule) == (
        caught.value.offset,
        caught.value.rule,
    )
    return caught.value.offset, caught.value.rule


OWNER = bytes([GuardOp.SIGNER_IS_OWNER])
AND, OR, NOT = bytes([GuardOp.AND]), bytes([GuardOp.OR]), bytes([GuardOp.NOT])
RATE = bytes([GuardOp.RATE_LIMIT]) + struct.pack("<II", 10, 60)


def arg_node(offset: int, width: int, cmp: int, value: int) -> bytes:
    return bytes([GuardOp.ARG]) + struct.pack("<HBBQ", offset, width, cmp, value)


@pytest.mark.parametrize(
    ("code", "length", "expected"),
    [
        (OWNER, GUARD_CAPACITY + 1, (0, GuardRule.LENGTH)),
        (b"\x00", None, (0, GuardRule.UNKNOWN_OPCODE)),
        (OWNER + b"\x0d" + AND, None, (1, GuardRule.UNKNOWN_OPCODE)),
        (OWNER + b"\xff", None, (1, GuardRule.UNKNOWN_OPCODE)),
        (bytes([GuardOp.SIGNER_IS]) + bytes(31), None, (0, GuardRule.TRUNCATED)),
        (bytes([GuardOp.NOT_BEFORE]) + bytes(7), None, (0, GuardRule.TRUNCATED)),
        (bytes([GuardOp.PROGRAM_IN, 0]), None, (1, GuardRule.COUNT_RANGE)),
        (bytes([GuardOp.PROGRAM_IN, 8]) + bytes(8 * 32), None, (0, GuardRule.LENGTH)),
        (bytes([GuardOp.PROGRAM_IN, 8]) + bytes(200), None, (1, GuardRule.COUNT_RANGE)),
        (bytes([GuardOp.PROGRAM_IN, 2]) + bytes(63), None, (0, GuardRule.TRUNCATED)),
        (bytes([GuardOp.DISCRIMINATOR_IN, 0, 1]), None, (1, GuardRule.WIDTH_RANGE)),
        (bytes([GuardOp.DISCRIMINATOR_IN, 9, 1]) + bytes(9), None, (1, GuardRule.WIDTH_RANGE)),
        (bytes([GuardOp.DISCRIMINATOR_IN, 1, 0]), None, (2, GuardRule.COUNT_RANGE)),
        (bytes([GuardOp.DISCRIMINATOR_IN, 2, 2, 1, 2, 3]), None, (0, GuardRule.TRUNCATED)),
        (arg_node(0, 3, 0, 0), None, (3, GuardRule.WIDTH_RANGE)),
        (arg_node(0, 16, 0, 0), None, (3, GuardRule.WIDTH_RANGE)),
        (arg_node(0, 8, 6, 0), None, (4, GuardRule.CMP_RANGE)),
        (RATE[:5] + bytes(4), None, (5, GuardRule.RATE_WINDOW_ZERO)),
        (AND, None, (0, GuardRule.STACK_UNDERFLOW)),
        (OWNER + OR, None, (1, GuardRule.STACK_UNDERFLOW)),
        (NOT, None, (0, GuardRule.STACK_UNDERFLOW)),
        (OWNER * 17, None, (16, GuardRule.STACK_OVERFLOW)),
        (RATE + RATE + AND, None, (9, GuardRule.DUPLICATE_RATE_LIMIT)),
        (OWNER + OWNER, None, (2, GuardRule.FINAL_DEPTH)),
        (OWNER + b"\x07", 1, (1, GuardRule.TRAILING_BYTES)),
        (b"\x00\x00\x05", 0, (2, GuardRule.TRAILING_BYTES)),
    ],
)
def test_each_rule_is_named_with_its_offset(
    code: bytes, length: int | None, expected: tuple[int, GuardRule]
) -> None:
    assert _rule(code, length) == expected


def test_deepest_and_longest_guards_are_accepted() -> None:
    deep = OWNER * 16 + AND * 15
    assert sim.check(_stored(deep), len(deep)) is None
    longest = (
        g.program_is(*[Pubkey.new_unique() for _ in range(7)])
        & g.not_before(0)
        & g.not_after(0)
        & g.signer_is_owner()
        & g.signer_is_owner()
        & g.signer_is_owner()
        & g.signer_is_owner()
    )
    assert g.compile_guard(longest).len == GUARD_CAPACITY
    with pytest.raises(g.GuardEncodingError) as caught:
        g.compile_guard(longest & g.signer_is_owner())
    assert caught.value.rule is GuardRule.LENGTH


def test_no_guard() -> None:
    assert g.compile_guard(None) == Guard()
    assert g.decode_guard(Guard()) is None
    g.validate_guard(Guard())


def test_worked_policies_print_as_written() -> None:
    bot = (
        g.program_is(DEX)
        & g.discriminator_in(bytes.fromhex("f8c69e91e17587c8"))
        & g.calls_per(60, 10)
        & g.lamports_at_most(1_000_000_000)
    )
    assert str(bot) == (
        f'program_is("{DEX}") & discriminator_in('
        + repr(bytes.fromhex("f8c69e91e17587c8"))
        + ") & calls_per(60, 10) & lamports_at_most(1000000000)"
    )
    admin = (g.program_is(DEX) & g.calls_per(60, 10)) | g.signer_is(ADMIN)
    assert str(admin) == f'program_is("{DEX}") & calls_per(60, 10) | signer_is("{ADMIN}")'
    deny = ~g.account_is(1, ADMIN) & g.arg(8, 8, "<=", 5_000)
    assert str(deny) == f'~account_is(1, "{ADMIN}") & arg(8, 8, "<=", 5000)'
    nested = g.signer_is_owner() | (g.not_before(1) | g.not_after(2))
    assert str(nested) == "signer_is_owner() | (not_before(1) | not_after(2))"
    negated = ~(g.usage_at_most(3) & g.signer_is_owner())
    assert str(negated) == "~(usage_at_most(3) & signer_is_owner())"
    for policy in (bot, admin, deny, nested):
        assert g.decode_guard(g.compile_guard(policy)) == policy


def test_builder_keys_as_strings() -> None:
    assert g.program_is(str(DEX)) == g.program_is(DEX)
    assert g.token_at_most(str(DEX), 5) == g.TokenAtMost(DEX, 5)


@pytest.mark.parametrize(
    "build",
    [
        g.program_is,
        lambda: g.program_is(*[Pubkey.new_unique() for _ in range(8)]),
        g.discriminator_in,
        lambda: g.discriminator_in(b"ab", b"c"),
        lambda: g.discriminator_in(bytes(9)),
        lambda: g.discriminator_in(b""),
        lambda: g.arg(0, 3, "=", 1),
        lambda: g.arg(0, 8, "=<", 1),
        lambda: g.arg(70_000, 8, "=", 1),
        lambda: g.arg(0, 8, "=", -1),
        lambda: g.calls_per(0, 10),
        lambda: g.calls_per(60, -1),
        lambda: g.usage_at_most(1 << 64),
        lambda: g.not_before(1 << 63),
        lambda: g.account_is(256, DEX),
    ],
)
def test_builder_refuses_what_the_language_cannot_say(build: object) -> None:
    with pytest.raises(g.GuardBuildError):
        build()  # type: ignore[operator]


def test_compile_refuses_whole_program_rules() -> None:
    with pytest.raises(g.GuardEncodingError) as caught:
        g.compile_guard(g.calls_per(60, 1) & g.calls_per(1, 1))
    assert caught.value.rule is GuardRule.DUPLICATE_RATE_LIMIT
    right_leaning: g.GuardExpr = g.signer_is_owner()
    for _ in range(16):
        right_leaning = g.signer_is_owner() & right_leaning  # postfix depth grows on the left
    with pytest.raises(g.GuardEncodingError) as caught:
        g.compile_guard(right_leaning)
    assert caught.value.rule is GuardRule.STACK_OVERFLOW
    wide = g.program_is(*[Pubkey.new_unique() for _ in range(7)])
    with pytest.raises(g.GuardEncodingError) as caught:
        g.compile_guard(wide & wide)
    assert caught.value.rule is GuardRule.LENGTH


def test_left_leaning_chains_stay_shallow() -> None:
    """a & b & c & ... (Python's left association) needs a stack of 2 however long."""
    chain: g.GuardExpr = g.signer_is_owner()
    for _ in range(60):
        chain = chain & g.signer_is_owner()
    assert g.decode_guard(g.compile_guard(chain)) == chain


@given(data=st.binary(max_size=GUARD_CAPACITY))
@SETTINGS
def test_random_bytes_never_crash_the_readers(data: bytes) -> None:
    assert client_fault(data) == sim_fault(_stored(data), len(data))


@pytest.mark.parametrize("last", [0, 1])
def test_validate_agrees_with_check_on_an_empty_guard(last: int) -> None:
    """validate's shortcut for no guard (length 0, all zero) must still refuse a stray byte
    anywhere in the stored array, as the full pass does."""
    code = bytes(GUARD_CAPACITY - 1) + bytes([last])
    fault = sim.check(code, 0)
    assert (fault is None) == (last == 0)
    assert (sim.validate(code, 0) is None) == (fault is None)
