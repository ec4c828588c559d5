"""Guards at creation: the program accepts what the guard language allows, stores it byte for
byte, and refuses every broken rule with InvalidConfiguration (nothing created)."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest
from solders.pubkey import Pubkey

from sessions_client import guards as g
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.errors import ErrorCode
from sessions_client.guard_schema import GuardOp
from sessions_client.types import Guard

from .support import Harness, params
from .test_rejections import create_ix, request_ix

DEX = Pubkey.new_unique()
BOT = Pubkey.new_unique()
ADMIN = Pubkey.new_unique()

POLICIES = {
    "trading_bot": g.program_is(DEX)
    & g.discriminator_in(bytes(range(8)))
    & g.calls_per(60, 10)
    & g.lamports_at_most(1_000_000_000)
    & g.not_after(1_900_000_000)
    & g.signer_is(BOT),
    "admin_override": (g.program_is(DEX) & g.calls_per(60, 10)) | g.signer_is(ADMIN),
    "not_denylist": ~g.program_is(DEX, ADMIN) & g.signer_is_owner(),
    "every_leaf": g.signer_is(BOT)
    & g.signer_is_owner()
    & g.not_before(0)
    & g.not_after(1)
    & g.usage_at_most(2)
    & g.calls_per(3, 4)
    & g.program_is(DEX)
    & g.discriminator_in(b"\x01", b"\x02")
    & g.arg(8, 8, ">=", 5)
    & g.account_is(0, DEX)
    & g.lamports_at_most(6)
    & g.token_at_most(DEX, 7),
    "deepest": g.signer_is_owner()
    & (
        g.signer_is_owner()
        | (
            g.signer_is_owner()
            & (g.signer_is_owner() | (g.signer_is_owner() & ~(g.signer_is_owner())))
        )
    ),
}


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("name", list(POLICIES))
def test_valid_guards_are_stored_byte_for_byte(h: Harness, kind: str, name: str) -> None:
    guard = g.compile_guard(POLICIES[name])
    p = params(guard=guard)
    made = h.create(p) if kind == "create" else h.request(p)
    stored = h.session(made.address).guard
    assert stored == guard
    assert g.decode_guard(stored) == POLICIES[name]


def _raw(program: bytes, length: int | None = None) -> Guard:
    code = program[:GUARD_CAPACITY] + bytes(max(0, GUARD_CAPACITY - len(program)))
    return Guard(len(program) if length is None else length, code)


OWNER = bytes([GuardOp.SIGNER_IS_OWNER])
BROKEN = {
    "unknown_opcode": _raw(b"\x13"),
    "opcode_zero": _raw(b"\x00"),
    "operands_past_len": _raw(bytes([GuardOp.NOT_BEFORE]) + bytes(7)),
    "program_in_zero_keys": _raw(bytes([GuardOp.PROGRAM_IN, 0])),
    "program_in_eight_keys": _raw(bytes([GuardOp.PROGRAM_IN, 8]) + bytes(200)),
    "discriminator_width_9": _raw(bytes([GuardOp.DISCRIMINATOR_IN, 9, 1]) + bytes(9)),
    "discriminator_no_entry": _raw(bytes([GuardOp.DISCRIMINATOR_IN, 1, 0])),
    "arg_width_3": _raw(bytes([GuardOp.ARG]) + struct.pack("<HBBQ", 0, 3, 0, 0)),
    "arg_cmp_6": _raw(bytes([GuardOp.ARG]) + struct.pack("<HBBQ", 0, 8, 6, 0)),
    "rate_window_0": _raw(bytes([GuardOp.RATE_LIMIT]) + struct.pack("<II", 1, 0)),
    "two_rate_limits": _raw(
        (bytes([GuardOp.RATE_LIMIT]) + struct.pack("<II", 1, 1)) * 2 + bytes([GuardOp.AND])
    ),
    "underflow": _raw(OWNER + bytes([GuardOp.AND])),
    "depth_17": _raw(OWNER * 17 + bytes([GuardOp.AND]) * 16),
    "two_results": _raw(OWNER * 2),
    "trailing_byte": _raw(OWNER + b"\x02", 1),
    "len_over_capacity": _raw(OWNER, GUARD_CAPACITY + 1),
    "len_u16_max": _raw(OWNER, 0xFFFF),
}


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_guards_are_refused(h: Harness, kind: str, name: str) -> None:
    p = replace(params(), guard=BROKEN[name])
    instruction, signers = create_ix(h, p) if kind == "create" else request_ix(h, p)
    h.reject(instruction, signers, ErrorCode.INVALID_CONFIGURATION)
