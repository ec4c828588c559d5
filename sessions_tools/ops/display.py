"""Turning the schema's records into JSON and into rows an operator can read.

Both forms are derived from the dataclasses themselves (field names, nested
records, enums), so a field added to the schema shows up here without an edit.
JSON keeps every value exact (addresses base58, enums by name, bytes as hex,
integers as integers); the table form also spells timestamps as UTC dates,
permission and setting bits by name, and leaves out what is empty (reserved
bytes, zero keys, unused borrow slots), because a Session is mostly zeros.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

from solders.pubkey import Pubkey

from sessions_client.constants import Permission, Setting

_ZERO_KEY: Final = Pubkey.default()
_FLAG_FIELDS: Final[dict[str, type[enum.IntFlag]]] = {
    "permissions": Permission,
    "effective_permissions": Permission,
    "settings": Setting,
}
_TIME_SUFFIXES: Final = ("_at", "_deadline", "until", "window_start")


def to_json(value: object) -> Any:
    """A JSON-ready form of a schema value (dataclass, enum, key, bytes, tuple, int)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    return value


def timestamp(seconds: int) -> str:
    """``seconds`` since the epoch as a UTC date, with the raw number; ``-`` for zero."""
    if seconds == 0:
        return "-"
    try:
        moment = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(seconds)
    return f"{moment} ({seconds})"


def flags(value: int, kind: type[enum.IntFlag]) -> str:
    """Set bits by name (``EXECUTE|COMPOSE``), unknown bits in hex; ``-`` for none."""
    names = [member.name or "" for member in kind if member.value & value]
    unknown = value & ~sum(int(member.value) for member in kind)
    if unknown:
        names.append(hex(unknown))
    return "|".join(names) if names else "-"


def _is_empty(value: object) -> bool:
    if isinstance(value, bytes):
        return not any(value)
    if isinstance(value, Pubkey):
        return value == _ZERO_KEY
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_is_empty(getattr(value, f.name)) for f in dataclasses.fields(value))
    return value == 0  # enums too: a zero variant (BorrowMode.NONE) is the empty slot


def _readable(name: str, value: object) -> str:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int) and name in _FLAG_FIELDS:
        return flags(value, _FLAG_FIELDS[name])
    if isinstance(value, int) and name.endswith(_TIME_SUFFIXES):
        return timestamp(value)
    return str(value)


def readable_rows(record: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted field name, readable value): every top-level field, non-empty nested leaves."""
    for f in dataclasses.fields(record):  # type: ignore[arg-type]
        if f.name == "reserved":
            continue
        value = getattr(record, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from readable_rows(value, f"{name}.")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if not _is_empty(item):
                    yield from readable_rows(item, f"{name}[{index}].")
        elif not _is_empty(value):
            yield name, _readable(f.name, value)
        elif not prefix:  # top-level fields always get a row, so the table's shape is fixed
            yield name, "-" if isinstance(value, bytes | Pubkey) else _readable(f.name, value)
