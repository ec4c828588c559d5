"""Generate ``program/include/sessions_layout.h`` from the Python schema.

The program never spells an offset, size, discriminator or error number by
hand: it uses these macros. Because the header is generated from the same
dataclasses as the IDL and the client codecs, and a test fails when the
committed header differs from a fresh generation, the three cannot drift.
Multi-byte fields of accounts and instruction arguments are asserted to be
naturally aligned here, so the program may read them with single loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from solders import sysvar
from solders.pubkey import Pubkey

from sessions_client import constants, spl_token
from sessions_client import guard_schema as gs
from sessions_client.accounts import INIT_SPACE, SESSION_ACCOUNT_SIZE, SESSION_DISCRIMINATOR
from sessions_client.borsh import ByteArray, PubkeyType
from sessions_client.codec import Layout, layout_of
from sessions_client.discriminators import DISCRIMINATOR_LEN, event_discriminator
from sessions_client.errors import ErrorCode
from sessions_client.events import EVENT_TYPES
from sessions_client.instructions import INSTRUCTIONS
from sessions_client.sysvar_layouts import ClockSysvar, RentSysvar
from sessions_client.types import ENUM_TYPES, STRUCT_TYPES, Session

HEADER_PATH = "program/include/sessions_layout.h"


def macro(name: str) -> str:
    """``borrowed[3].until`` / ``SessionConfig`` -> ``BORROWED_3_UNTIL`` / ``SESSION_CONFIG``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def _u64_le(disc: bytes) -> str:
    return f"0x{int.from_bytes(disc, 'little'):016x}ULL"


def _check_aligned(owner: str, layout: Layout[Any], base: int) -> None:
    for leaf in layout.leaves:
        align = 8 if isinstance(leaf.type, PubkeyType) else getattr(leaf.type, "size", 1)
        if isinstance(leaf.type, ByteArray):
            align = 1
        if (base + leaf.offset) % align:
            raise ValueError(f"{owner}.{leaf.path} at {base + leaf.offset} is not {align}-aligned")


def _offsets(prefix: str, layout: Layout[Any], base: int) -> Iterable[str]:
    """Offsets of every field and nested field; arrays get a base, stride and element size."""
    for spec in layout.fields:
        name = f"{prefix}_OFF_{macro(spec.name)}"
        yield f"#define {name} {base + spec.offset}"
        yield f"#define {prefix}_SIZE_{macro(spec.name)} {spec.size}"
    for leaf in layout.leaves:
        if "[" in leaf.path or "." not in leaf.path:
            continue
        yield f"#define {prefix}_OFF_{macro(leaf.path)} {base + leaf.offset}"


def _struct_section() -> Iterable[str]:
    yield "/* ---- nested struct sizes and field offsets (relative to the struct) ---- */"
    for cls in STRUCT_TYPES:
        if cls is Session:
            continue
        layout: Layout[Any] = layout_of(cls)
        prefix = macro(cls.__name__)
        yield f"#define {prefix}_SIZE {layout.size}"
        for spec in layout.fields:
            yield f"#define {prefix}_OFF_{macro(spec.name)} {spec.offset}"
    yield ""


def _account_section() -> Iterable[str]:
    layout = layout_of(Session)
    _check_aligned("Session", layout, 8)
    yield "/* ---- the Session account (offsets from the start of account data) ---- */"
    yield f"#define SESSION_DISCRIMINATOR {_u64_le(SESSION_DISCRIMINATOR)}"
    yield f"#define SESSION_INIT_SPACE {INIT_SPACE}"
    yield f"#define SESSION_ACCOUNT_SIZE {SESSION_ACCOUNT_SIZE}"
    yield from _offsets("SESSION", layout, 8)
    yield ""


def _enum_section() -> Iterable[str]:
    yield "/* ---- enums (borsh u8 variant indices) ---- */"
    for cls in ENUM_TYPES:
        for member in sorted(cls, key=int):
            yield f"#define {macro(cls.__name__)}_{member.name} {int(member)}"
    yield ""


def _key_bytes(key: Pubkey) -> str:
    return "{{" + ", ".join(str(b) for b in bytes(key)) + "}}"


def _constant_section() -> Iterable[str]:
    yield "/* ---- well-known addresses (from solders), as SolPubkey initializers ---- */"
    yield f"#define SYSVAR_CLOCK_ID {_key_bytes(sysvar.CLOCK)}"
    yield f"#define SYSVAR_RENT_ID {_key_bytes(sysvar.RENT)}"
    yield f"#define SYSVAR_INSTRUCTIONS_ID {_key_bytes(sysvar.INSTRUCTIONS)}"
    yield f"#define TOKEN_PROGRAM_ID {_key_bytes(spl_token.TOKEN_PROGRAM_ID)}"
    yield f"#define TOKEN_2022_PROGRAM_ID {_key_bytes(spl_token.TOKEN_2022_PROGRAM_ID)}"
    yield f"#define COMPUTE_BUDGET_PROGRAM_ID {_key_bytes(spl_token.COMPUTE_BUDGET_PROGRAM_ID)}"
    yield f"#define SET_COMPUTE_UNIT_LIMIT_TAG {spl_token.SET_COMPUTE_UNIT_LIMIT_TAG}"
    yield "/* byte offsets of the fields the program reads with sol_get_sysvar */"
    clock, rent = layout_of(ClockSysvar), layout_of(RentSysvar)
    yield f"#define CLOCK_OFF_UNIX_TIMESTAMP {clock.field('unix_timestamp').offset}"
    yield f"#define RENT_OFF_LAMPORTS_PER_BYTE_YEAR {rent.field('lamports_per_byte_year').offset}"
    yield f"#define RENT_OFF_EXEMPTION_THRESHOLD {rent.field('exemption_threshold').offset}"
    yield ""
    yield "/* ---- program constants ---- */"
    yield f"#define SESSION_VERSION {constants.SESSION_VERSION}"
    yield f'#define SESSION_SEED "{constants.SESSION_SEED.decode()}"'
    yield f"#define SESSION_SEED_LEN {len(constants.SESSION_SEED)}"
    yield f'#define SIGNER_SEED "{constants.SIGNER_SEED.decode()}"'
    yield f"#define SIGNER_SEED_LEN {len(constants.SIGNER_SEED)}"
    yield f"#define MAX_SESSION_DURATION {constants.MAX_SESSION_DURATION}"
    yield f"#define MAX_INNER_INSTRUCTIONS {constants.MAX_INNER_INSTRUCTIONS}"
    yield f"#define MAX_INNER_ACCOUNTS {constants.MAX_INNER_ACCOUNTS}"
    yield f"#define MAX_INSTRUCTION_ACCOUNTS {constants.MAX_INSTRUCTION_ACCOUNTS}"
    yield f"#define MAX_TOKEN_SNAPSHOTS {constants.MAX_TOKEN_SNAPSHOTS}"
    yield f"#define DEFAULT_INSTRUCTION_COMPUTE_UNITS {constants.DEFAULT_INSTRUCTION_COMPUTE_UNITS}"
    yield f"#define BUILTIN_INSTRUCTION_COMPUTE_UNITS {constants.BUILTIN_INSTRUCTION_COMPUTE_UNITS}"
    yield f"#define MAX_TRANSACTION_COMPUTE_UNITS {constants.MAX_TRANSACTION_COMPUTE_UNITS}"
    yield "/* the runtime's builtin programs (default limit), initializer of SolPubkey[count] */"
    yield f"#define BUILTIN_PROGRAM_COUNT {len(constants.BUILTIN_PROGRAM_IDS)}"
    builtins = ", ".join(_key_bytes(key) for key in constants.BUILTIN_PROGRAM_IDS)
    yield f"#define BUILTIN_PROGRAM_IDS {{{builtins}}}"
    first = max(bytes(key)[0] for key in constants.BUILTIN_PROGRAM_IDS)
    yield "/* a key whose first byte is higher is no builtin */"
    yield f"#define BUILTIN_PROGRAM_MAX_FIRST_BYTE {first}"
    yield f"#define MAX_REQUEST_TTL {constants.MAX_REQUEST_TTL}"
    yield f"#define GUARD_CAPACITY {constants.GUARD_CAPACITY}"
    yield f"#define BORROW_CAPACITY {constants.BORROW_CAPACITY}"
    yield f"#define SHARED_DATA_CAPACITY {constants.SHARED_DATA_CAPACITY}"
    for flag in constants.Permission:
        yield f"#define PERMISSION_{flag.name} {int(flag)}u"
    for setting in constants.Setting:
        yield f"#define SETTING_{setting.name} {int(setting)}u"
    yield f"#define ALL_PERMISSIONS {constants.ALL_PERMISSIONS}u"
    yield f"#define ALL_SETTINGS {constants.ALL_SETTINGS}u"
    yield ""


def _guard_section() -> Iterable[str]:
    """Opcodes, comparisons, limits, per-opcode node sizes and operand offsets of the guard
    language: guard.c decodes nodes with these alone."""
    yield "/* ---- guard language (sessions_client/guard_schema.py) ---- */"
    for op in gs.GuardOp:
        yield f"#define GUARD_OP_{op.name} {int(op)}"
    for cmp in gs.GuardCmp:
        yield f"#define GUARD_CMP_{cmp.name} {int(cmp)}"
    yield f"#define GUARD_OPCODE_SIZE {gs.OPCODE_SIZE}"
    yield f"#define GUARD_KEY_SIZE {gs.KEY_SIZE}"
    yield f"#define GUARD_MAX_DEPTH {gs.GUARD_MAX_DEPTH}"
    yield f"#define GUARD_PROGRAM_IN_MAX_KEYS {gs.PROGRAM_IN_MAX_KEYS}"
    yield f"#define GUARD_DISCRIMINATOR_MAX_WIDTH {gs.DISCRIMINATOR_MAX_WIDTH}"
    yield f"#define GUARD_ARG_MAX_WIDTH {max(gs.ARG_WIDTHS)}"
    yield "/* bit w is set for each width w that ARG may read */"
    yield f"#define GUARD_ARG_WIDTHS_MASK 0x{gs.ARG_WIDTHS_MASK:x}u"
    yield f"#define GUARD_CMP_LAST {max(gs.GuardCmp)}"
    limit = max(gs.GuardOp) + 1
    sizes = [gs.OPS[gs.GuardOp(v)].fixed_size if v in set(gs.GuardOp) else 0 for v in range(limit)]
    yield "/* node size before entries (opcode + fixed operands), by opcode; 0 = unknown opcode */"
    yield f"#define GUARD_OP_LIMIT {limit}"
    yield "#define GUARD_FIXED_SIZES {" + ", ".join(str(v) for v in sizes) + "}"
    yield "/* operand offsets from the start of the node (the opcode byte is at 0) */"
    for op, spec in gs.OPS.items():
        yield f"#define GUARD_{op.name}_SIZE {spec.fixed_size}"
        if spec.operands is not None:
            for field in layout_of(spec.operands).fields:
                offset = gs.OPCODE_SIZE + field.offset
                yield f"#define GUARD_{op.name}_OFF_{macro(field.name)} {offset}"
        if spec.entry_size > 0:
            yield f"#define GUARD_{op.name}_ENTRY_SIZE {spec.entry_size}"
    yield ""


def _token_section() -> Iterable[str]:
    yield "/* ---- the SPL token account layout (SPL Token, Token-2022): spl_token.py ---- */"
    for name in (
        "TOKEN_ACCOUNT_SIZE",
        "OFF_MINT",
        "OFF_OWNER",
        "OFF_AMOUNT",
        "OFF_DELEGATE",
        "OFF_STATE",
        "OFF_DELEGATED_AMOUNT",
        "OFF_CLOSE_AUTHORITY",
        "COPTION_KEY_SIZE",
        "STATE_UNINITIALIZED",
        "OFF_ACCOUNT_TYPE",
        "ACCOUNT_TYPE_ACCOUNT",
    ):
        prefix = "" if name.startswith("TOKEN_") else "TOKEN_"
        yield f"#define {prefix}{name} {getattr(spl_token, name)}"
    yield ""


def _error_section() -> Iterable[str]:
    yield "/* ---- custom error codes ---- */"
    for code in ErrorCode:
        yield f"#define ERR_{code.name} {int(code)}"
    first, last = min(ErrorCode), max(ErrorCode)
    yield f"#define ERR_FIRST {int(first)}"
    yield f"#define ERR_LAST {int(last)}"
    yield ""


def _instruction_section() -> Iterable[str]:
    yield "/* ---- instructions: discriminators, account indices, argument offsets ---- */"
    yield "/* argument offsets are from the start of instruction data (after the 8-byte */"
    yield "/* discriminator), so IX_*_ARG_* can index the data pointer directly. */"
    for ix in INSTRUCTIONS:
        prefix = f"IX_{macro(ix.name)}"
        yield f"#define {prefix} {_u64_le(ix.discriminator)}"
        yield f"#define {prefix}_DATA_SIZE {ix.data_size}"
        yield f"#define {prefix}_NUM_ACCOUNTS {len(ix.accounts)}"
        for i, acc in enumerate(ix.accounts):
            yield f"#define {prefix}_ACC_{macro(acc.name)} {i}"
        if ix.args is not None:
            _check_aligned(ix.name, layout_of(ix.args), DISCRIMINATOR_LEN)
        for path, offset in ix.arg_offsets().items():
            yield f"#define {prefix}_ARG_{macro(path)} {offset}"
        yield ""


def _event_section() -> Iterable[str]:
    yield "/* ---- events: sol_log_data(discriminator + borsh); offsets include the 8-byte tag */"
    for cls in EVENT_TYPES:
        layout: Layout[Any] = layout_of(cls)
        _check_aligned(cls.__name__, layout, 8)
        prefix = f"EVENT_{macro(cls.__name__)}"
        yield f"#define {prefix} {_u64_le(event_discriminator(cls.__name__))}"
        yield f"#define {prefix}_SIZE {8 + layout.size}"
        for spec in layout.fields:
            yield f"#define {prefix}_OFF_{macro(spec.name)} {8 + spec.offset}"
        yield ""


def render_header() -> str:
    """The header file's exact text."""
    lines = [
        "/* GENERATED by `sessions codegen` from the sessions_client schema. Do not edit: */",
        "/* change sessions_client/types.py (or events/errors/instructions) and regenerate. */",
        "#pragma once",
        "",
    ]
    for section in (
        _constant_section(),
        _enum_section(),
        _token_section(),
        _struct_section(),
        _account_section(),
        _instruction_section(),
        _event_section(),
        _guard_section(),
        _error_section(),
    ):
        lines.extend(section)
    return "\n".join(lines).rstrip() + "\n"


def render_error_table() -> str:
    """A C table of the Anchor-format lines (:attr:`ErrorCode.log_line`) logged on failure."""
    lines = [
        "/* GENERATED by `sessions codegen`: error messages, indexed by code - ERR_FIRST. */",
        "#pragma once",
        "",
        "static const char *const ERROR_MESSAGES[] = {",
    ]
    codes = sorted(ErrorCode)
    assert [int(c) for c in codes] == list(range(int(codes[0]), int(codes[-1]) + 1))
    for code in codes:
        lines.append(f'    "{code.log_line}",')
    lines.append("};")
    return "\n".join(lines) + "\n"


ERROR_TABLE_PATH = "program/include/sessions_error_table.h"
