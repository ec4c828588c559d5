"""The IDL, the C layout header and the Python mirror agree on every byte, code and event.

(a) the committed artifacts equal a fresh generation;
(b) an independent interpreter of the IDL JSON (written here, not the generator's code)
    computes every offset and size and is compared with ``sessions_client.codec``;
    discriminators are recomputed with sha256; errors compared with ErrorCode;
(c) the C header's #defines are parsed and every one of them is checked against the
    Python layout (a define nobody accounts for fails the test);
(d) behaviour: a Session with distinctive values written at the Python offsets is read by the
    program at those offsets, and bytes the program writes decode (by Python and by the IDL
    interpreter) to the expected values, field by field.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK, INSTRUCTIONS, RENT

from sessions_client import constants, spl_token
from sessions_client import instructions as ix
from sessions_client.accounts import (
    INIT_SPACE,
    SESSION_ACCOUNT_SIZE,
    SESSION_DISCRIMINATOR,
    decode_session,
    encode_session,
)
from sessions_client.borsh import ByteArray, EnumType, Primitive, PubkeyType
from sessions_client.codec import Layout, layout_of
from sessions_client.errors import ERROR_MESSAGES, ErrorCode
from sessions_client.events import (
    EVENT_TYPES,
    Event,
    SessionActivated,
    SessionClosed,
    SessionCreated,
    SessionExpired,
    SessionPaused,
    encode_event,
)
from sessions_client.execute import execute_instruction
from sessions_client.instructions import INSTRUCTIONS as IX_SPECS
from sessions_client.pda import find_session_address
from sessions_client.types import (
    ENUM_TYPES,
    STRUCT_TYPES,
    BorrowedAccount,
    BorrowMode,
    CloseReason,
    Guard,
    ProtocolState,
    ResourceQuotas,
    Session,
    SessionConfig,
    SessionParams,
    SessionScope,
    SessionStatus,
    SharedData,
    UsageStats,
)
from sessions_tools.codegen.artifacts import stale_artifacts
from sessions_tools.svm import DEFAULT_START_TIME

from .support import Harness, expected_session, field_diff, replace

REPO = Path(__file__).resolve().parents[2]
IDL: dict[str, Any] = json.loads((REPO / "idl" / "sessions.json").read_text())
HEADER_TEXT = (REPO / "program" / "include" / "sessions_layout.h").read_text()
ERROR_TABLE_TEXT = (REPO / "program" / "include" / "sessions_error_table.h").read_text()
T0 = DEFAULT_START_TIME
E = ErrorCode


def sha8(preimage: str) -> bytes:
    return hashlib.sha256(preimage.encode()).digest()[:8]


def pascal(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:].lower() for p in snake.split("_"))


def upper_snake(name: str) -> str:
    """``SessionConfig`` -> ``SESSION_CONFIG``, ``a.max_b`` -> ``A_MAX_B``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


# ============================================================================================
# (a) committed artifacts are current
# ============================================================================================


def test_committed_artifacts_equal_a_fresh_generation() -> None:
    assert stale_artifacts(REPO) == []


# ============================================================================================
# (b) an independent IDL interpreter
# ============================================================================================

PRIMITIVE_SIZES = {
    "bool": 1,
    "u8": 1,
    "i8": 1,
    "u16": 2,
    "i16": 2,
    "u32": 4,
    "i32": 4,
    "u64": 8,
    "i64": 8,
    "u128": 16,
    "i128": 16,
    "pubkey": 32,
}
PRIMITIVE_FORMATS = {"bool": "?", "u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i64": "q"}


class IdlLayouts:
    """Sizes, offsets and leaves of IDL types, computed only from the JSON."""

    def __init__(self, idl: dict[str, Any]) -> None:
        self.types = {t["name"]: t["type"] for t in idl["types"]}

    def size(self, ty: Any) -> int:
        if isinstance(ty, str):
            return PRIMITIVE_SIZES[ty]
        if "array" in ty:
            element, length = ty["array"]
            return self.size(element) * int(length)
        if "defined" in ty:
            definition = self.types[ty["defined"]["name"]]
            if definition["kind"] == "struct":
                return sum(self.size(f["type"]) for f in definition["fields"])
            assert definition["kind"] == "enum"
            assert all("fields" not in v for v in definition["variants"])
            assert len(definition["variants"]) <= 256
            return 1
        raise AssertionError(f"unknown IDL type {ty!r}")

    def fields(self, fields: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
        """(name, offset, size) of each field of a struct given as an IDL field list."""
        out, offset = [], 0
        for f in fields:
            size = self.size(f["type"])
            out.append((f["name"], offset, size))
            offset += size
        return out

    def struct_fields(self, name: str) -> list[dict[str, Any]]:
        definition = self.types[name]
        assert definition["kind"] == "struct", name
        fields: list[dict[str, Any]] = definition["fields"]
        return fields

    def leaves(
        self, fields: list[dict[str, Any]], prefix: str = "", base: int = 0
    ) -> Iterator[tuple[str, int, int, Any]]:
        """(path, offset, size, kind) of every scalar, arrays of structs expanded."""
        offset = base
        for f in fields:
            ty, path = f["type"], f"{prefix}{f['name']}"
            size = self.size(ty)
            if isinstance(ty, str):
                yield path, offset, size, ty
            elif "array" in ty and ty["array"][0] == "u8":
                yield path, offset, size, ("bytes", ty["array"][1])
            elif "array" in ty:
                element, length = ty["array"]
                stride = self.size(element)
                sub = self.struct_fields(element["defined"]["name"])
                for i in range(length):
                    yield from self.leaves(sub, f"{path}[{i}].", offset + i * stride)
            else:
                name = ty["defined"]["name"]
                if self.types[name]["kind"] == "enum":
                    yield path, offset, 1, ("enum", name)
                else:
                    yield from self.leaves(self.struct_fields(name), f"{path}.", offset)
            offset += size

    def decode(self, fields: list[dict[str, Any]], data: bytes, base: int) -> dict[str, Any]:
        """Decode every leaf of ``data`` at ``base`` using only IDL offsets."""
        out: dict[str, Any] = {}
        for path, offset, size, kind in self.leaves(fields, "", base):
            raw = data[offset : offset + size]
            if kind == "pubkey":
                out[path] = Pubkey(raw)
            elif isinstance(kind, tuple) and kind[0] == "bytes":
                out[path] = bytes(raw)
            elif isinstance(kind, tuple):
                out[path] = raw[0]
            else:
                (out[path],) = struct.unpack("<" + PRIMITIVE_FORMATS[kind], raw)
        return out


IDL_LAYOUTS = IdlLayouts(IDL)


def python_kind(leaf_type: object) -> Any:
    if isinstance(leaf_type, Primitive):
        return leaf_type.idl_name
    if isinstance(leaf_type, PubkeyType):
        return "pubkey"
    if isinstance(leaf_type, ByteArray):
        return ("bytes", leaf_type.length)
    assert isinstance(leaf_type, EnumType)
    return ("enum", leaf_type.enum_cls.__name__)


def assert_same_layout(idl_fields: list[dict[str, Any]], layout: Layout[Any]) -> None:
    assert IDL_LAYOUTS.fields(idl_fields) == [(f.name, f.offset, f.size) for f in layout.fields]
    assert sum(IDL_LAYOUTS.size(f["type"]) for f in idl_fields) == layout.size
    assert list(IDL_LAYOUTS.leaves(idl_fields)) == [
        (leaf.path, leaf.offset, leaf.size, python_kind(leaf.type)) for leaf in layout.leaves
    ]


PY_STRUCTS = {cls.__name__: cls for cls in (*STRUCT_TYPES, *EVENT_TYPES)}
PY_ENUMS = {cls.__name__: cls for cls in ENUM_TYPES}


def test_idl_names_exactly_the_python_types() -> None:
    assert set(IDL_LAYOUTS.types) == set(PY_STRUCTS) | set(PY_ENUMS)


@pytest.mark.parametrize("name", sorted(PY_STRUCTS))
def test_idl_struct_layout_matches_python(name: str) -> None:
    assert_same_layout(IDL_LAYOUTS.struct_fields(name), layout_of(PY_STRUCTS[name]))


@pytest.mark.parametrize("name", sorted(PY_ENUMS))
def test_idl_enum_variants_match_python(name: str) -> None:
    variants = [v["name"] for v in IDL_LAYOUTS.types[name]["variants"]]
    members = sorted(PY_ENUMS[name], key=int)
    assert [int(m) for m in members] == list(range(len(members)))
    assert variants == [pascal(m.name) for m in members]


def test_idl_account_session() -> None:
    (account,) = IDL["accounts"]
    assert account["name"] == "Session"
    assert bytes(account["discriminator"]) == sha8("account:Session") == SESSION_DISCRIMINATOR
    size = IDL_LAYOUTS.size({"defined": {"name": "Session"}})
    assert size == INIT_SPACE == layout_of(Session).size
    assert 8 + size == SESSION_ACCOUNT_SIZE


@pytest.mark.parametrize("spec", IX_SPECS, ids=lambda s: s.name)
def test_idl_instruction_matches_python(spec: Any) -> None:
    (entry,) = [i for i in IDL["instructions"] if i["name"] == spec.name]
    disc = sha8(f"global:{spec.name}")
    assert bytes(entry["discriminator"]) == disc == spec.discriminator
    if spec.args is None:
        assert entry["args"] == []
        args_size = 0
    else:
        assert_same_layout(entry["args"], layout_of(spec.args))
        args_size = layout_of(spec.args).size
    assert 8 + sum(IDL_LAYOUTS.size(a["type"]) for a in entry["args"]) == spec.data_size
    assert spec.data_size == 8 + args_size
    idl_accounts = [
        (a["name"], a.get("writable", False), a.get("signer", False), a.get("address"))
        for a in entry["accounts"]
    ]
    py_accounts = [
        (a.name, a.writable, a.signer, str(a.address) if a.address else None) for a in spec.accounts
    ]
    assert idl_accounts == py_accounts


def test_idl_instruction_list_matches_python() -> None:
    assert [i["name"] for i in IDL["instructions"]] == [s.name for s in IX_SPECS]


def builder_instructions() -> dict[str, tuple[Any, dict[str, Any]]]:
    """Every builder's output with the argument values the IDL's PDA seeds refer to."""
    creator, owner = Pubkey.new_unique(), Pubkey.new_unique()
    session, sid = Pubkey.new_unique(), 0x0012_0304_0506_0708
    p = SessionParams(SessionConfig(60, 1, 0))
    accounts = {"creator": creator, "requester": creator, "owner": owner, "authority": owner}
    return {
        "create_session": (ix.create_session(creator, sid, p), {"session_id": sid, **accounts}),
        "request_session": (
            ix.request_session(creator, owner, sid, p, 60),
            {"session_id": sid, **accounts},
        ),
        "approve_session": (ix.approve_session(owner, session), {"session": session}),
        "activate_session": (ix.activate_session(owner, session), {"session": session}),
        "pause_session": (ix.pause_session(owner, session), {"session": session}),
        "resume_session": (ix.resume_session(owner, session), {"session": session}),
        "expire_session": (ix.expire_session(session, creator, owner), {"session": session}),
        "close_session": (ix.close_session(owner, session, creator, owner), {"session": session}),
        "execute": (
            execute_instruction(
                owner,
                session,
                [Instruction(creator, b"\x01", [AccountMeta(Pubkey.new_unique(), False, True)])],
            ),
            {"session": session},
        ),
        "validate_session": (ix.validate_session(session, owner), {"session": session}),
        "update_guard": (ix.update_guard(owner, session, Guard()), {"session": session}),
        "update_permissions": (ix.update_permissions(owner, session, 1), {"session": session}),
        "update_quotas": (
            ix.update_quotas(owner, session, ResourceQuotas()),
            {"session": session},
        ),
    }


@pytest.mark.parametrize("name", [s.name for s in IX_SPECS])
def test_builders_follow_the_idl(name: str) -> None:
    """Builders emit the IDL's discriminator, data size, account order and flags, and PDAs."""
    instruction, values = builder_instructions()[name]
    (entry,) = [i for i in IDL["instructions"] if i["name"] == name]
    data = bytes(instruction.data)
    assert data[:8] == sha8(f"global:{name}")
    fixed = 8 + sum(IDL_LAYOUTS.size(a["type"]) for a in entry["args"])
    spec = ix.INSTRUCTIONS_BY_NAME[name]
    # execute's inner instructions and their accounts follow the declared args and accounts
    assert len(data) >= fixed if spec.variable_data else len(data) == fixed
    assert instruction.program_id == Pubkey.from_string(IDL["address"])
    n_declared = len(entry["accounts"])
    if spec.variable_data:
        assert len(instruction.accounts) >= n_declared
    else:
        assert len(instruction.accounts) == n_declared
    for meta, account in zip(instruction.accounts[:n_declared], entry["accounts"], strict=True):
        assert meta.is_signer == account.get("signer", False), account["name"]
        assert meta.is_writable == account.get("writable", False), account["name"]
        if "address" in account:
            assert meta.pubkey == Pubkey.from_string(account["address"])
        if "pda" in account:  # derive the PDA from the IDL's seed description
            seeds = []
            for seed in account["pda"]["seeds"]:
                if seed["kind"] == "const":
                    seeds.append(bytes(seed["value"]))
                elif seed["kind"] == "account":
                    seeds.append(bytes(values[seed["path"]]))
                else:
                    assert seed["kind"] == "arg"
                    arg_type = next(a["type"] for a in entry["args"] if a["name"] == seed["path"])
                    assert arg_type == "u64"
                    seeds.append(values[seed["path"]].to_bytes(8, "little"))
            address, _ = Pubkey.find_program_address(seeds, Pubkey.from_string(IDL["address"]))
            assert meta.pubkey == address
        elif account["name"] == "session":
            assert meta.pubkey == values["session"]
    # argument values land at the IDL offsets
    if entry["args"] and "session_id" in values:
        decoded = IDL_LAYOUTS.decode(entry["args"], data, 8)
        assert decoded["session_id"] == values["session_id"]
        if "owner" in decoded:
            assert decoded["owner"] == values["owner"]
        _pda, canonical = find_session_address(values["creator"], values["session_id"])
        assert decoded["bump"] == canonical


def test_idl_events_match_python() -> None:
    assert [e["name"] for e in IDL["events"]] == [cls.__name__ for cls in EVENT_TYPES]
    for entry, cls in zip(IDL["events"], EVENT_TYPES, strict=True):
        assert bytes(entry["discriminator"]) == sha8(f"event:{cls.__name__}")
        assert_same_layout(IDL_LAYOUTS.struct_fields(cls.__name__), layout_of(cls))


def test_idl_errors_match_error_code() -> None:
    idl_errors = [(e["code"], e["name"], e["msg"]) for e in IDL["errors"]]
    assert idl_errors == [(int(c), pascal(c.name), ERROR_MESSAGES[c]) for c in ErrorCode]
    assert all(
        c.pascal_name == pascal(c.name) and c.message == ERROR_MESSAGES[c] for c in ErrorCode
    )
    assert [int(c) for c in ErrorCode] == list(range(6000, 6000 + len(ErrorCode)))


# The guard encoding as issue 8's design contract writes it (opcode, operand offsets from
# the node's start, node size before entries, entry size): an oracle spelled independently
# of sessions_client/guard_schema.py.
CONTRACT_GUARD_OPS: dict[str, tuple[int, dict[str, int], int, int]] = {
    "SIGNER_IS": (0x01, {"KEY": 1}, 33, 0),
    "SIGNER_IS_OWNER": (0x02, {}, 1, 0),
    "NOT_BEFORE": (0x03, {"T": 1}, 9, 0),
    "NOT_AFTER": (0x04, {"T": 1}, 9, 0),
    "USAGE_AT_MOST": (0x05, {"X": 1}, 9, 0),
    "RATE_LIMIT": (0x06, {"N": 1, "SECONDS": 5}, 9, 0),
    "PROGRAM_IN": (0x07, {"COUNT": 1}, 2, 32),
    "DISCRIMINATOR_IN": (0x08, {"WIDTH": 1, "COUNT": 2}, 3, 0),
    "ARG": (0x09, {"OFFSET": 1, "WIDTH": 3, "CMP": 4, "VALUE": 5}, 13, 0),
    "ACCOUNT_IS": (0x0A, {"INDEX": 1, "KEY": 2}, 34, 0),
    "LAMPORTS_AT_MOST": (0x0B, {"X": 1}, 9, 0),
    "TOKEN_AT_MOST": (0x0C, {"MINT": 1, "X": 33}, 41, 0),
    "AND": (0x10, {}, 1, 0),
    "OR": (0x11, {}, 1, 0),
    "NOT": (0x12, {}, 1, 0),
}
CONTRACT_CMPS = {"EQ": 0, "NE": 1, "LT": 2, "LE": 3, "GT": 4, "GE": 5}
CONTRACT_GUARD_LIMITS = {
    "GUARD_MAX_DEPTH": 16,
    "GUARD_PROGRAM_IN_MAX_KEYS": 7,
    "GUARD_DISCRIMINATOR_MAX_WIDTH": 8,
}


def contract_guard_defines() -> dict[str, int]:
    want = {f"GUARD_OP_{name}": op for name, (op, _, _, _) in CONTRACT_GUARD_OPS.items()}
    want |= {f"GUARD_CMP_{name}": value for name, value in CONTRACT_CMPS.items()}
    want |= CONTRACT_GUARD_LIMITS
    want |= {
        "GUARD_OPCODE_SIZE": 1,
        "GUARD_KEY_SIZE": 32,
        "GUARD_ARG_MAX_WIDTH": 8,
        "GUARD_ARG_WIDTHS_MASK": (1 << 1) | (1 << 2) | (1 << 4) | (1 << 8),
        "GUARD_CMP_LAST": 5,
        "GUARD_OP_LIMIT": 0x13,
    }
    for name, (_, fields, size, entry) in CONTRACT_GUARD_OPS.items():
        want[f"GUARD_{name}_SIZE"] = size
        want |= {f"GUARD_{name}_OFF_{field}": offset for field, offset in fields.items()}
        if entry:
            want[f"GUARD_{name}_ENTRY_SIZE"] = entry
    return want


def test_header_guard_node_sizes_by_opcode() -> None:
    sizes = [int(v) for v in re.findall(r"\d+", header_defines()["GUARD_FIXED_SIZES"])]
    expected = [0] * 0x13
    for op, _, size, _ in CONTRACT_GUARD_OPS.values():
        expected[op] = size
    assert sizes == expected


def test_idl_constants_and_address() -> None:
    assert Pubkey.from_string(IDL["address"]) == constants.PROGRAM_ID
    values = {c["name"]: c for c in IDL["constants"]}
    assert json.loads(values["SESSION_SEED"]["value"]) == list(constants.SESSION_SEED)
    expected = {
        "SESSION_VERSION": constants.SESSION_VERSION,
        "MAX_SESSION_DURATION": constants.MAX_SESSION_DURATION,
        "MAX_REQUEST_TTL": constants.MAX_REQUEST_TTL,
        "GUARD_CAPACITY": constants.GUARD_CAPACITY,
        "SHARED_DATA_CAPACITY": constants.SHARED_DATA_CAPACITY,
        "BORROW_CAPACITY": constants.BORROW_CAPACITY,
        **{f"PERMISSION_{p.name}": int(p) for p in constants.Permission},
        **{f"SETTING_{s.name}": int(s) for s in constants.Setting},
        **{f"GUARD_OP_{name}": op for name, (op, _, _, _) in CONTRACT_GUARD_OPS.items()},
        **{f"GUARD_CMP_{name}": value for name, value in CONTRACT_CMPS.items()},
        **CONTRACT_GUARD_LIMITS,
    }
    assert {k: int(v["value"]) for k, v in values.items() if k != "SESSION_SEED"} == expected
    assert all(values[f"GUARD_OP_{name}"]["docs"] for name in CONTRACT_GUARD_OPS)


# ============================================================================================
# (c) the C header, define by define
# ============================================================================================


def header_defines() -> dict[str, str]:
    defines: dict[str, str] = {}
    for line in HEADER_TEXT.splitlines():
        m = re.match(r"#define\s+(\w+)\s+(.+?)\s*$", line)
        if m:
            assert m.group(1) not in defines, f"{m.group(1)} defined twice"
            defines[m.group(1)] = m.group(2)
    return defines


def c_int(text: str) -> int:
    return int(re.sub(r"[uUlL]+$", "", text), 0)


def c_key(text: str) -> bytes:
    return bytes(int(b) for b in re.findall(r"\d+", text))


def expected_defines() -> dict[str, int]:
    """Every numeric define the header must have, computed from the Python layout."""
    want: dict[str, int] = {
        "SESSION_VERSION": constants.SESSION_VERSION,
        "SESSION_SEED_LEN": len(constants.SESSION_SEED),
        "MAX_SESSION_DURATION": constants.MAX_SESSION_DURATION,
        "MAX_REQUEST_TTL": constants.MAX_REQUEST_TTL,
        "GUARD_CAPACITY": constants.GUARD_CAPACITY,
        "BORROW_CAPACITY": constants.BORROW_CAPACITY,
        "SHARED_DATA_CAPACITY": constants.SHARED_DATA_CAPACITY,
        "ALL_PERMISSIONS": constants.ALL_PERMISSIONS,
        "ALL_SETTINGS": constants.ALL_SETTINGS,
        # the bincode layouts of Clock and Rent (checked against the SVM's sysvars below)
        "CLOCK_OFF_UNIX_TIMESTAMP": 32,
        "RENT_OFF_LAMPORTS_PER_BYTE_YEAR": 0,
        "RENT_OFF_EXEMPTION_THRESHOLD": 8,
        "SIGNER_SEED_LEN": len(constants.SIGNER_SEED),
        "MAX_INNER_INSTRUCTIONS": constants.MAX_INNER_INSTRUCTIONS,
        "MAX_INNER_ACCOUNTS": constants.MAX_INNER_ACCOUNTS,
        "MAX_INSTRUCTION_ACCOUNTS": constants.MAX_INSTRUCTION_ACCOUNTS,
        "MAX_TOKEN_SNAPSHOTS": constants.MAX_TOKEN_SNAPSHOTS,
        "DEFAULT_INSTRUCTION_COMPUTE_UNITS": constants.DEFAULT_INSTRUCTION_COMPUTE_UNITS,
        "MAX_TRANSACTION_COMPUTE_UNITS": constants.MAX_TRANSACTION_COMPUTE_UNITS,
        "BUILTIN_INSTRUCTION_COMPUTE_UNITS": constants.BUILTIN_INSTRUCTION_COMPUTE_UNITS,
        "BUILTIN_PROGRAM_COUNT": len(constants.BUILTIN_PROGRAM_IDS),
        "BUILTIN_PROGRAM_MAX_FIRST_BYTE": max(bytes(k)[0] for k in constants.BUILTIN_PROGRAM_IDS),
        "SET_COMPUTE_UNIT_LIMIT_TAG": spl_token.SET_COMPUTE_UNIT_LIMIT_TAG,
        # the SPL token account layout (the token program's, not ours)
        "TOKEN_ACCOUNT_SIZE": 165,
        "TOKEN_OFF_MINT": 0,
        "TOKEN_OFF_OWNER": 32,
        "TOKEN_OFF_AMOUNT": 64,
        "TOKEN_OFF_DELEGATE": 72,
        "TOKEN_OFF_STATE": 108,
        "TOKEN_OFF_DELEGATED_AMOUNT": 121,
        "TOKEN_OFF_CLOSE_AUTHORITY": 129,
        "TOKEN_COPTION_KEY_SIZE": 36,
        "TOKEN_STATE_UNINITIALIZED": 0,
        "TOKEN_OFF_ACCOUNT_TYPE": 165,
        "TOKEN_ACCOUNT_TYPE_ACCOUNT": 2,
    }
    want |= {f"PERMISSION_{p.name}": int(p) for p in constants.Permission}
    want |= {f"SETTING_{s.name}": int(s) for s in constants.Setting}
    for enum_cls in ENUM_TYPES:
        want |= {f"{upper_snake(enum_cls.__name__)}_{m.name}": int(m) for m in enum_cls}
    for cls in STRUCT_TYPES:
        if cls is Session:
            continue
        layout: Layout[Any] = layout_of(cls)
        prefix = upper_snake(cls.__name__)
        want[f"{prefix}_SIZE"] = layout.size
        want |= {f"{prefix}_OFF_{upper_snake(f.name)}": f.offset for f in layout.fields}
    session = layout_of(Session)
    want["SESSION_DISCRIMINATOR"] = int.from_bytes(sha8("account:Session"), "little")
    want["SESSION_INIT_SPACE"] = session.size
    want["SESSION_ACCOUNT_SIZE"] = 8 + session.size
    for f in session.fields:
        want[f"SESSION_OFF_{upper_snake(f.name)}"] = 8 + f.offset
        want[f"SESSION_SIZE_{upper_snake(f.name)}"] = f.size
    for leaf in session.leaves:  # nested fields of non-array structs
        if "." in leaf.path and "[" not in leaf.path:
            want[f"SESSION_OFF_{upper_snake(leaf.path)}"] = 8 + leaf.offset
    for spec in IX_SPECS:
        prefix = f"IX_{upper_snake(spec.name)}"
        want[prefix] = int.from_bytes(sha8(f"global:{spec.name}"), "little")
        want[f"{prefix}_DATA_SIZE"] = spec.data_size
        want[f"{prefix}_NUM_ACCOUNTS"] = len(spec.accounts)
        want |= {f"{prefix}_ACC_{upper_snake(a.name)}": i for i, a in enumerate(spec.accounts)}
        if spec.args is not None:
            layout = layout_of(spec.args)
            want |= {f"{prefix}_ARG_{upper_snake(f.name)}": 8 + f.offset for f in layout.fields}
            for leaf in layout.leaves:
                if "." in leaf.path:
                    want[f"{prefix}_ARG_{upper_snake(leaf.path)}"] = 8 + leaf.offset
    for cls in EVENT_TYPES:
        layout = layout_of(cls)
        prefix = f"EVENT_{upper_snake(cls.__name__)}"
        want[prefix] = int.from_bytes(sha8(f"event:{cls.__name__}"), "little")
        want[f"{prefix}_SIZE"] = 8 + layout.size
        want |= {f"{prefix}_OFF_{upper_snake(f.name)}": 8 + f.offset for f in layout.fields}
    want |= {f"ERR_{c.name}": int(c) for c in ErrorCode}
    want["ERR_FIRST"] = min(int(c) for c in ErrorCode)
    want["ERR_LAST"] = max(int(c) for c in ErrorCode)
    return want | contract_guard_defines()


NON_NUMERIC = {
    "SESSION_SEED",
    "SIGNER_SEED",
    "SYSVAR_CLOCK_ID",
    "SYSVAR_RENT_ID",
    "SYSVAR_INSTRUCTIONS_ID",
    "TOKEN_PROGRAM_ID",
    "TOKEN_2022_PROGRAM_ID",
    "COMPUTE_BUDGET_PROGRAM_ID",
    "BUILTIN_PROGRAM_IDS",
    "GUARD_FIXED_SIZES",
}


def test_header_has_exactly_the_expected_defines() -> None:
    """No define is missing, none is unaccounted for, every value equals Python's."""
    defines = header_defines()
    want = expected_defines()
    numeric = {k: c_int(v) for k, v in defines.items() if k not in NON_NUMERIC}
    assert sorted(set(want) - set(numeric)) == [], "missing from the header"
    assert sorted(set(numeric) - set(want)) == [], "in the header but not in the Python layout"
    wrong = {k: (numeric[k], want[k]) for k in want if numeric[k] != want[k]}
    assert wrong == {}


@pytest.mark.parametrize("family", ["SESSION_OFF_", "IX_", "EVENT_", "ERR_"])
def test_header_families_are_present(family: str) -> None:
    """Guard against the exhaustive test passing vacuously on an empty header."""
    names = [k for k in header_defines() if k.startswith(family)]
    minimum = {"SESSION_OFF_": 40, "IX_": 60, "EVENT_": 40, "ERR_": len(ErrorCode)}[family]
    assert len(names) >= minimum


def test_header_non_numeric_defines() -> None:
    defines = header_defines()
    assert defines["SESSION_SEED"] == json.dumps(constants.SESSION_SEED.decode())
    assert c_key(defines["SYSVAR_CLOCK_ID"]) == bytes(CLOCK)
    assert c_key(defines["SYSVAR_RENT_ID"]) == bytes(RENT)
    assert c_key(defines["SYSVAR_INSTRUCTIONS_ID"]) == bytes(INSTRUCTIONS)
    assert defines["SIGNER_SEED"] == json.dumps(constants.SIGNER_SEED.decode())
    assert c_key(defines["TOKEN_PROGRAM_ID"]) == bytes(spl_token.TOKEN_PROGRAM_ID)
    assert c_key(defines["TOKEN_2022_PROGRAM_ID"]) == bytes(spl_token.TOKEN_2022_PROGRAM_ID)
    assert c_key(defines["COMPUTE_BUDGET_PROGRAM_ID"]) == bytes(spl_token.COMPUTE_BUDGET_PROGRAM_ID)
    builtins = b"".join(bytes(key) for key in constants.BUILTIN_PROGRAM_IDS)
    assert c_key(defines["BUILTIN_PROGRAM_IDS"]) == builtins


def test_header_sysvar_offsets_against_the_svm(h: Harness) -> None:
    defines = {k: c_int(v) for k, v in header_defines().items() if k not in NON_NUMERIC}
    h.s.set_time(0x0123_4567_89AB)
    clock = h.s.account_data(CLOCK)
    assert clock is not None
    off = defines["CLOCK_OFF_UNIX_TIMESTAMP"]
    assert struct.unpack_from("<q", clock, off)[0] == 0x0123_4567_89AB
    rent_data = h.s.account_data(RENT)
    assert rent_data is not None
    rent = h.s.svm.get_rent()
    lamports_off = defines["RENT_OFF_LAMPORTS_PER_BYTE_YEAR"]
    threshold_off = defines["RENT_OFF_EXEMPTION_THRESHOLD"]
    assert struct.unpack_from("<Q", rent_data, lamports_off)[0] == rent.lamports_per_byte
    (multiplier,) = struct.unpack_from("<d", rent_data, threshold_off)
    assert multiplier == rent.exemption_threshold
    # and the program's rent formula on those fields is the runtime's minimum balance
    assert (128 + SESSION_ACCOUNT_SIZE) * rent.lamports_per_byte * int(multiplier) == h.rent


def test_error_table_matches_error_code() -> None:
    strings = re.findall(r'^\s*"(.*)",$', ERROR_TABLE_TEXT, flags=re.MULTILINE)
    assert strings == [
        f"AnchorError occurred. Error Code: {pascal(c.name)}. Error Number: {int(c)}. "
        f"Error Message: {ERROR_MESSAGES[c]}."
        for c in ErrorCode
    ]


def test_events_encode_with_idl_discriminators() -> None:
    key = Pubkey.new_unique()
    samples: dict[str, Event] = {
        "SessionPaused": SessionPaused(key, key, 5),
        "SessionActivated": SessionActivated(key, key, 1, 2),
        "SessionClosed": SessionClosed(key, key, key, 3, 5, 4, CloseReason.EXPIRED),
    }
    by_name = {e["name"]: bytes(e["discriminator"]) for e in IDL["events"]}
    for name, event in samples.items():
        payload = encode_event(event)
        assert payload[:8] == by_name[name]
        assert len(payload) == 8 + IDL_LAYOUTS.size({"defined": {"name": name}})


# ============================================================================================
# (d) behaviour: the program reads and writes at the Python/IDL offsets
# ============================================================================================


def distinctive_session(owner: Pubkey, creator: Pubkey, status: SessionStatus) -> Session:
    """Every field nonzero and different, so a misplaced read or write cannot go unseen."""
    return Session(
        version=constants.SESSION_VERSION,
        bump=0xFB,
        status=status,
        depth=3,
        effective_permissions=0x0000_000B,
        owner=owner,
        creator=creator,
        creator_program=Pubkey.new_unique(),
        session_id=0x1122_3344_5566_7788,
        config=SessionConfig(max_duration=0x0012_0304, permissions=0b1011, settings=0b110),
        scope=SessionScope(Pubkey.new_unique(), bytes(range(32, 64))),
        bound_to=Pubkey.new_unique(),
        created_at=T0 - 12_345,
        updated_at=T0 - 1,
        activated_at=T0 - 3 if status in (SessionStatus.ACTIVE, SessionStatus.PAUSED) else 0,
        expires_at=T0 + 777,
        request_deadline=T0 + 555,
        usage_count=0xDEAD_BEEF,
        quotas=ResourceQuotas(1, 2, 3, 4, 5, b"\x09\x08\x07\x06"),
        usage=UsageStats(6, 7, 8, 9, 10, 11, 12),
        guard=Guard(len=5, code=bytes(i % 251 + 1 for i in range(254))),
        protocol=ProtocolState(Pubkey.new_unique(), 13, 14, b"\x0f\x10\x11"),
        shared=SharedData(15, 16, 17, bytes(range(100, 220))),
        metadata=bytes(range(150, 214)),
        borrowed=tuple(
            BorrowedAccount(
                Pubkey.new_unique(),
                1000 + i,
                BorrowMode.READ if i % 2 else BorrowMode.WRITE,
                bytes([i + 1] * 7),
            )
            for i in range(8)
        ),
        signer=Pubkey.new_unique(),
        signer_bump=0xFE,
        reserved=bytes(range(1, 32)),
    )


def plant(h: Harness, session: Session, lamports: int | None = None) -> Pubkey:
    """Write ``session`` (Python encoding) into the SVM at its PDA, owned by the program."""
    address, _ = find_session_address(session.creator, session.session_id)
    data = encode_session(session)
    h.s.svm.set_account(address, Account(lamports or h.rent, data, constants.PROGRAM_ID, False))
    return address


def assert_bytes(h: Harness, address: Pubkey, expected: Session) -> None:
    raw = h.raw(address)
    want = encode_session(expected)
    assert raw == want, field_diff(raw, want)


def test_program_reads_owner_status_and_expiry_at_python_offsets(h: Harness) -> None:
    owner, creator, stranger = (h.s.funded_keypair() for _ in range(3))
    planted = distinctive_session(owner.pubkey(), creator.pubkey(), SessionStatus.CREATED)
    lamports = h.rent + 4242
    address = plant(h, planted, lamports)

    # owner field: only the stored owner may act (not the creator, not a stranger)
    for wrong in (stranger, creator):
        h.reject(ix.activate_session(wrong.pubkey(), address), [wrong], E.UNAUTHORIZED)
    out = h.ok(ix.activate_session(owner.pubkey(), address), [owner])
    # expires_at field: carried into the event; only status/updated_at/activated_at change
    assert out.events == (SessionActivated(address, owner.pubkey(), T0, T0 + 777),)
    state = replace(planted, status=SessionStatus.ACTIVE, updated_at=T0, activated_at=T0)
    assert_bytes(h, address, state)

    # expiry triggers exactly at the stored expires_at
    h.s.set_time(T0 + 776)
    out = h.ok(ix.pause_session(owner.pubkey(), address), [owner])
    assert out.events == (SessionPaused(address, owner.pubkey(), T0 + 776),)
    state = replace(state, status=SessionStatus.PAUSED, updated_at=T0 + 776)
    assert_bytes(h, address, state)
    early = ix.expire_session(address, creator.pubkey(), owner.pubkey(), signer=planted.signer)
    h.reject(early, [], E.SESSION_NOT_EXPIRED)
    h.s.set_time(T0 + 777)
    h.reject(ix.resume_session(owner.pubkey(), address), [owner], E.SESSION_EXPIRED)

    # creator field: the rent receiver must be the stored creator
    wrong_receiver = ix.expire_session(
        address, owner.pubkey(), owner.pubkey(), signer=planted.signer
    )
    h.reject(wrong_receiver, [], E.INVALID_RENT_RECEIVER)
    # signer field: the recorded signer is compared, so the derived PDA is refused
    derived = ix.expire_session(address, creator.pubkey(), owner.pubkey())
    h.reject(derived, [], E.INVALID_SESSION_SIGNER)
    out = h.ok(ix.expire_session(address, creator.pubkey(), owner.pubkey(), signer=planted.signer))
    assert out.events == (
        SessionExpired(address, owner.pubkey(), T0 + 777, T0 + 777, SessionStatus.PAUSED),
    )
    state = replace(state, status=SessionStatus.EXPIRED, updated_at=T0 + 777)
    assert_bytes(h, address, state)

    # the creator may close an Expired session; every lamport goes back to it
    (c0,) = h.balances(creator.pubkey())
    closing = ix.close_session(
        creator.pubkey(), address, creator.pubkey(), owner.pubkey(), signer=planted.signer
    )
    out = h.ok(closing, [creator])
    assert out.events == (
        SessionClosed(
            address, owner.pubkey(), creator.pubkey(), lamports, 0, T0 + 777, CloseReason.EXPIRED
        ),
    )
    assert h.balances(creator.pubkey()) == [c0 + lamports]
    h.assert_gone(address)


def test_program_reads_request_fields_at_python_offsets(h: Harness) -> None:
    owner, creator = h.s.funded_keypair(), h.s.funded_keypair()
    planted = distinctive_session(owner.pubkey(), creator.pubkey(), SessionStatus.REQUESTED)
    address = plant(h, planted)
    h.s.set_time(T0 + 554)  # request_deadline - 1
    out = h.ok(ix.approve_session(owner.pubkey(), address), [owner])
    expires_at = T0 + 554 + 0x0012_0304  # config.max_duration read at its offset
    assert out.events == (
        SessionCreated(
            session=address,
            owner=owner.pubkey(),
            creator=creator.pubkey(),
            session_id=0x1122_3344_5566_7788,
            permissions=0b1011,
            settings=0b110,
            created_at=T0 - 12_345,
            expires_at=expires_at,
        ),
    )
    assert_bytes(
        h,
        address,
        replace(planted, status=SessionStatus.CREATED, updated_at=T0 + 554, expires_at=expires_at),
    )

    # the deadline is the stored request_deadline, exactly
    late = distinctive_session(owner.pubkey(), creator.pubkey(), SessionStatus.REQUESTED)
    late = replace(late, session_id=late.session_id + 1)
    late_address = plant(h, late)
    h.s.set_time(T0 + 555)
    h.reject(ix.approve_session(owner.pubkey(), late_address), [owner], E.REQUEST_TIMED_OUT)


@pytest.mark.parametrize("settings", [0b001, 0b111, 0b110, 0b000])
def test_program_reads_auto_expire_from_settings_offset(h: Harness, settings: int) -> None:
    owner, creator = h.s.funded_keypair(), h.s.funded_keypair()
    planted = distinctive_session(owner.pubkey(), creator.pubkey(), SessionStatus.ACTIVE)
    planted = replace(planted, config=replace(planted.config, settings=settings))
    address = plant(h, planted)
    h.s.set_time(T0 + 777)
    out = h.ok(ix.expire_session(address, creator.pubkey(), owner.pubkey(), signer=planted.signer))
    if settings & constants.Setting.AUTO_EXPIRE:
        assert [type(e) for e in out.events] == [SessionExpired, SessionClosed]
        h.assert_gone(address)
    else:
        assert [type(e) for e in out.events] == [SessionExpired]
        assert_bytes(
            h, address, replace(planted, status=SessionStatus.EXPIRED, updated_at=T0 + 777)
        )


def test_program_reads_version_and_discriminator_at_python_offsets(h: Harness) -> None:
    owner, creator = h.s.funded_keypair(), h.s.funded_keypair()
    planted = distinctive_session(owner.pubkey(), creator.pubkey(), SessionStatus.CREATED)
    address = plant(h, replace(planted, version=constants.SESSION_VERSION + 1))
    h.reject(ix.activate_session(owner.pubkey(), address), [owner], E.UNSUPPORTED_VERSION)
    # the byte after the version (bump) is not the version: changing it is accepted
    address = plant(h, replace(planted, session_id=7, bump=0))
    h.ok(ix.activate_session(owner.pubkey(), address), [owner])


def test_bytes_written_by_the_program_decode_field_by_field(h: Harness) -> None:
    """Created by the program; decoded by Python and, independently, by the IDL interpreter."""
    creator = h.s.funded_keypair()
    owner = h.s.funded_keypair()
    sid = 0x0A0B_0C0D_0E0F_1011
    p = SessionParams(
        config=SessionConfig(0x0001_2345, 0b1101, 0b011),
        scope=SessionScope(Pubkey.new_unique(), bytes(range(200, 232))),
        quotas=ResourceQuotas(21, 22, 23, 7, 25),
        metadata=bytes(range(64, 128)),
    )
    h.ok(ix.request_session(creator.pubkey(), owner.pubkey(), sid, p, 1234), [creator])
    address, bump = find_session_address(creator.pubkey(), sid)
    raw = h.raw(address)
    want = expected_session(
        owner=owner.pubkey(),
        creator=creator.pubkey(),
        session_id=sid,
        bump=bump,
        p=p,
        status=SessionStatus.REQUESTED,
        created_at=T0,
        request_deadline=T0 + 1234,
    )
    decoded = decode_session(raw)
    for name in (f.name for f in layout_of(Session).fields):
        assert getattr(decoded, name) == getattr(want, name), name

    # the IDL interpreter reads the same bytes at its own offsets
    assert raw[:8] == bytes(IDL["accounts"][0]["discriminator"])
    by_idl = IDL_LAYOUTS.decode(IDL_LAYOUTS.struct_fields("Session"), raw, 8)
    expected_leaves = {
        leaf.path: value
        for leaf, value in zip(
            layout_of(Session).leaves, layout_of(Session)._flat(want), strict=True
        )
    }
    for path, value in by_idl.items():
        expected = expected_leaves[path]
        if isinstance(value, Pubkey):
            expected = Pubkey(expected)
        assert value == expected, path
    assert set(by_idl) == set(expected_leaves)


def test_events_emitted_by_the_program_decode_with_the_idl(h: Harness) -> None:
    """Raw ``Program data`` payloads, decoded with IDL offsets only, match Python's decoding."""
    made = h.create()
    out = h.ok(ix.activate_session(made.owner_key, made.address), [made.owner])
    payloads = [
        base64.b64decode(line.split(": ", 1)[1])
        for line in out.logs
        if line.startswith("Program data: ")
    ]
    assert len(payloads) == 1 == len(out.events)
    payload, event = payloads[0], out.events[0]
    entry = next(e for e in IDL["events"] if e["name"] == type(event).__name__)
    assert payload[:8] == bytes(entry["discriminator"])
    fields = IDL_LAYOUTS.struct_fields(entry["name"])
    assert len(payload) == 8 + IDL_LAYOUTS.size({"defined": {"name": entry["name"]}})
    by_idl = IDL_LAYOUTS.decode(fields, payload, 8)
    assert by_idl == {
        "session": made.address,
        "owner": made.owner_key,
        "activated_at": T0,
        "expires_at": T0 + 3600,
    }
    assert by_idl == {f: getattr(event, f) for f in by_idl}
