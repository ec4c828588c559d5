"""Generate ``idl/sessions.json`` (Anchor 0.30+ IDL, spec 0.1.0) from the Python schema."""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from typing import Any

from sessions_client import constants
from sessions_client import guard_schema as gs
from sessions_client.accounts import SESSION_DISCRIMINATOR
from sessions_client.borsh import ArrayOf, ByteArray, EnumType, Primitive, PubkeyType
from sessions_client.codec import layout_of
from sessions_client.discriminators import event_discriminator
from sessions_client.errors import ERROR_MESSAGES
from sessions_client.events import EVENT_TYPES
from sessions_client.instructions import INSTRUCTIONS, AccountSpec, InstructionSpec
from sessions_client.types import ENUM_TYPES, STRUCT_TYPES

IDL_VERSION = "0.1.0"


def pascal(name: str) -> str:
    """``TIMED_OUT`` -> ``TimedOut`` (Anchor variant names)."""
    return "".join(part.capitalize() for part in name.split("_"))


def idl_type(tp: object) -> Any:
    """The IDL type expression of a borsh field type."""
    if isinstance(tp, Primitive):
        return tp.idl_name
    if isinstance(tp, PubkeyType):
        return "pubkey"
    if isinstance(tp, ByteArray):
        return {"array": ["u8", tp.length]}
    if isinstance(tp, ArrayOf):
        return {"array": [{"defined": {"name": tp.element.__name__}}, tp.length]}
    if isinstance(tp, EnumType):
        return {"defined": {"name": tp.enum_cls.__name__}}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return {"defined": {"name": tp.__name__}}
    raise TypeError(f"no IDL type for {tp!r}")


def _docs(obj: object) -> list[str]:
    doc = typing.cast(str | None, getattr(obj, "__doc__", None))
    if not doc or doc.startswith(f"{getattr(obj, '__name__', '')}("):
        return []
    return [" ".join(doc.strip().split("\n\n")[0].split())]


def struct_def(cls: type) -> dict[str, Any]:
    fields = [{"name": f.name, "type": idl_type(f.type)} for f in layout_of(cls).fields]
    out: dict[str, Any] = {"name": cls.__name__}
    docs = _docs(cls)
    if docs:
        out["docs"] = docs
    out["type"] = {"kind": "struct", "fields": fields}
    return out


def enum_def(cls: type[enum.IntEnum]) -> dict[str, Any]:
    variants = sorted(cls, key=int)
    assert [int(v) for v in variants] == list(range(len(variants))), cls
    return {
        "name": cls.__name__,
        "type": {"kind": "enum", "variants": [{"name": pascal(v.name)} for v in variants]},
    }


def account_def(spec: AccountSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name}
    if spec.docs:
        out["docs"] = [spec.docs]
    if spec.writable:
        out["writable"] = True
    if spec.signer:
        out["signer"] = True
    if spec.address is not None:
        out["address"] = str(spec.address)
    if spec.pda is not None:
        out["pda"] = {"seeds": spec.pda.idl_seeds()}
    return out


def instruction_def(spec: InstructionSpec) -> dict[str, Any]:
    args = (
        [{"name": f.name, "type": idl_type(f.type)} for f in layout_of(spec.args).fields]
        if spec.args is not None
        else []
    )
    out: dict[str, Any] = {
        "name": spec.name,
        "docs": [spec.docs],
        "discriminator": list(spec.discriminator),
        "accounts": [account_def(a) for a in spec.accounts],
        "args": args,
    }
    if spec.returns is not None:
        out["returns"] = idl_type(spec.returns)
    return out


def _constants() -> list[dict[str, str]]:
    ints = {
        "SESSION_VERSION": ("u8", constants.SESSION_VERSION),
        "MAX_SESSION_DURATION": ("i64", constants.MAX_SESSION_DURATION),
        "MAX_REQUEST_TTL": ("i64", constants.MAX_REQUEST_TTL),
        "GUARD_CAPACITY": ("u16", constants.GUARD_CAPACITY),
        "SHARED_DATA_CAPACITY": ("u16", constants.SHARED_DATA_CAPACITY),
        "BORROW_CAPACITY": ("u8", constants.BORROW_CAPACITY),
    }
    flags = {f"PERMISSION_{p.name}": ("u32", int(p)) for p in constants.Permission}
    flags |= {f"SETTING_{s.name}": ("u32", int(s)) for s in constants.Setting}
    out = [{"name": "SESSION_SEED", "type": "bytes", "value": str(list(constants.SESSION_SEED))}]
    out += [{"name": k, "type": t, "value": str(v)} for k, (t, v) in (ints | flags).items()]
    return out + _guard_constants()


def _guard_constants() -> list[dict[str, Any]]:
    """The guard language's opcode table and limits: each opcode documents its operands."""
    out: list[dict[str, Any]] = []
    for op, spec in gs.OPS.items():
        operands = (
            ", ".join(f"{f.name}: {idl_type(f.type)}" for f in layout_of(spec.operands).fields)
            if spec.operands is not None
            else "none"
        )
        if spec.entry_size:
            operands += "; then count entries"
        docs = [f"operands: {operands}; true when {spec.meaning}"]
        out.append({"name": f"GUARD_OP_{op.name}", "docs": docs, "type": "u8", "value": str(op)})
    out += [
        {"name": f"GUARD_CMP_{c.name}", "docs": [c.symbol], "type": "u8", "value": str(int(c))}
        for c in gs.GuardCmp
    ]
    limits = {
        "GUARD_MAX_DEPTH": gs.GUARD_MAX_DEPTH,
        "GUARD_PROGRAM_IN_MAX_KEYS": gs.PROGRAM_IN_MAX_KEYS,
        "GUARD_DISCRIMINATOR_MAX_WIDTH": gs.DISCRIMINATOR_MAX_WIDTH,
    }
    out += [{"name": k, "type": "u8", "value": str(v)} for k, v in limits.items()]
    return out


def build_idl() -> dict[str, Any]:
    """The whole IDL as a JSON-ready dict."""
    types = [struct_def(cls) for cls in STRUCT_TYPES]
    types += [enum_def(cls) for cls in ENUM_TYPES]
    types += [struct_def(cls) for cls in EVENT_TYPES]
    return {
        "address": str(constants.PROGRAM_ID),
        "metadata": {
            "name": "sessions",
            "version": IDL_VERSION,
            "spec": "0.1.0",
            "description": "Bounded, guarded execution contexts that act for their owner",
        },
        "instructions": [instruction_def(ix) for ix in INSTRUCTIONS],
        "accounts": [{"name": "Session", "discriminator": list(SESSION_DISCRIMINATOR)}],
        "events": [
            {"name": cls.__name__, "discriminator": list(event_discriminator(cls.__name__))}
            for cls in EVENT_TYPES
        ],
        "errors": [
            {"code": int(code), "name": code.pascal_name, "msg": msg}
            for code, msg in ERROR_MESSAGES.items()
        ],
        "types": types,
        "constants": _constants(),
    }


def render_idl() -> str:
    """The IDL file's exact text (stable key order, two-space indent, trailing newline)."""
    return json.dumps(build_idl(), indent=2) + "\n"
