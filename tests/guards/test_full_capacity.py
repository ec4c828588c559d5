"""Guards that fill the whole code array, with every opcode byte right after it.

guard.c's pass stops at the zero byte after the program instead of comparing each node with
the end; a program of exactly GUARD_CAPACITY bytes has no zero of its own after it, so the
pass runs on a copy with one appended. Without that copy the byte that follows the array
(in the session account, the next field; in the probe below, the caller key's first byte)
would be read as a node: an AND there would turn a two-operand program that is malformed
into a valid one. Each case runs guard.c for SBF (the probe in LiteSVM) and for the host
against the simulator, with the following byte set to 0, to every combinator and to every
leaf opcode.
"""

from __future__ import annotations

import pytest
from solders.pubkey import Pubkey

from sessions_client import guards as g
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.errors import ErrorCode
from sessions_client.guard_codec import encode
from sessions_client.guard_nodes import GuardExpr
from sessions_client.guard_schema import GuardOp
from simulator import guard_eval as sim
from simulator.guard_eval import GuardContext

from .support import (
    MODE_EVALUATE,
    MODE_EXECUTE,
    MODE_VALIDATE,
    NativeGuard,
    Probe,
    code_of,
)

pytestmark = pytest.mark.differential

#: What may follow the code array: the end (0), each combinator and each leaf opcode.
_FOLLOWING = (0, *(int(op) for op in GuardOp))
_LEAF = g.usage_at_most(100)
_JOINED = g.not_after(1 << 40)


def _ending_with(prefix: bytes, tail: bytes) -> bytes:
    """``prefix`` padded with NOT bytes so that appending ``tail`` fills the capacity."""
    padding = GUARD_CAPACITY - len(prefix) - len(tail)
    assert padding >= 0, "the prefix and tail do not fit"
    return prefix + bytes([GuardOp.NOT]) * padding + tail


def _conjunction(room: int) -> bytes:
    """A valid program (one bool) of leaves joined by AND, at most ``room`` bytes long."""
    expr: GuardExpr = _LEAF
    while len(encode(expr & _JOINED)) <= room:
        expr = expr & _JOINED
    return encode(expr)


def _full_valid() -> bytes:
    """A valid program of exactly GUARD_CAPACITY bytes (leaves, ANDs, then NOTs)."""
    return _ending_with(_conjunction(GUARD_CAPACITY), b"")


def _full_missing_its_and() -> bytes:
    """GUARD_CAPACITY bytes that leave two bools: malformed, unless an AND followed it."""
    leaf = encode(_LEAF)
    prefix = _conjunction(GUARD_CAPACITY - len(leaf))
    return _ending_with(prefix, leaf)


def _full_single_leaf() -> bytes:
    """One DISCRIMINATOR_IN whose one-byte prefixes fill the capacity."""
    header = len(encode(g.discriminator_in(b"\x00")))
    count = GUARD_CAPACITY - header + 1
    return encode(g.discriminator_in(*(bytes([i]) for i in range(count))))


_PROGRAMS = {
    "valid": _full_valid(),
    "missing its AND": _full_missing_its_and(),
    "single leaf": _full_single_leaf(),
}


def test_the_programs_fill_the_capacity_exactly() -> None:
    for name, code in _PROGRAMS.items():
        assert len(code) == GUARD_CAPACITY, name
    assert sim.validate(_PROGRAMS["valid"], GUARD_CAPACITY) is None
    assert sim.validate(_PROGRAMS["single leaf"], GUARD_CAPACITY) is None
    assert sim.validate(_PROGRAMS["missing its AND"], GUARD_CAPACITY) is not None


def _context(following: int, data: bytes) -> GuardContext:
    """The probe lays the caller key right after the code array: its first byte follows."""
    caller = Pubkey(bytes([following]) + bytes(Pubkey.new_unique())[1:])
    return GuardContext(
        caller=caller,
        owner=caller,
        program_id=Pubkey.new_unique(),
        now=5,
        usage_after=3,
        window_start=0,
        window_count=0,
        data=data,
        account_keys=(),
        lamports_out=0,
        token_spends=(),
    )


@pytest.mark.parametrize("name", sorted(_PROGRAMS))
@pytest.mark.parametrize("following", _FOLLOWING)
def test_a_full_guard_ends_at_its_capacity(
    name: str, following: int, probe: Probe, native: NativeGuard
) -> None:
    code = _PROGRAMS[name]
    for data in (b"\x05", b"\xfe"):
        ctx = _context(following, data)
        expected_validate = code_of(sim.validate(code, GUARD_CAPACITY))
        expected_evaluate = code_of(sim.evaluate(code, GUARD_CAPACITY, ctx))
        expected_execute = code_of(sim.execute(code, GUARD_CAPACITY, ctx)[0])
        assert probe.run(MODE_VALIDATE, code, GUARD_CAPACITY, ctx).result == expected_validate
        assert probe.run(MODE_EVALUATE, code, GUARD_CAPACITY, ctx).result == expected_evaluate
        assert probe.run(MODE_EXECUTE, code, GUARD_CAPACITY, ctx).result == expected_execute
        assert native.validate(code, GUARD_CAPACITY) == expected_validate
        assert native.evaluate(code, GUARD_CAPACITY, ctx) == expected_evaluate
        assert native.execute(code, GUARD_CAPACITY, ctx)[0] == expected_execute
    if name == "missing its AND":
        assert expected_evaluate == int(ErrorCode.GUARD_MALFORMED)
        assert expected_validate == int(ErrorCode.INVALID_CONFIGURATION)
