"""The program's event writers are generated from the schema (``sessions_events.h``): one
struct of each event's fields in order and a writer that stores every field once, at its
generated offset; and an emitter that leaves a field out, or passes one too many, does not
compile, which is what keeps ``program/src/events.c`` from drifting from the schema."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pytest
from solders.pubkey import Pubkey

from sessions_client.borsh import F64
from sessions_client.codec import layout_of
from sessions_client.events import EVENT_TYPES, SessionClosed
from sessions_tools.codegen.c_events import EVENTS_HEADER_PATH, event_writer
from sessions_tools.codegen.c_header import macro
from sessions_tools.codegen.py_events import constructor_name
from sessions_tools.sbf import CompileError, compile_c

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "program" / "include"
HEADER = (REPO / EVENTS_HEADER_PATH).read_text()


def _block(start: str, end: str) -> str:
    at = HEADER.index(start)
    return HEADER[at : HEADER.index(end, at)]


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_each_event_has_its_fields_in_order_and_a_writer_storing_each_once(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    struct = _block("typedef struct {", f"}} {cls.__name__}Fields;")
    struct = struct[struct.rindex("typedef struct {") :]
    declared = re.findall(r"\b(\w+);", struct)
    assert declared == names
    writer = _block(f"void log_{constructor_name(cls)}(", "\n}\n")
    prefix = f"EVENT_{macro(cls.__name__)}"
    for name in names:
        assert len(re.findall(rf"\b{prefix}_OFF_{macro(name)}\b", writer)) == 1, name
        assert len(re.findall(rf"\bf->{name}\b", writer)) == 1, name
    assert f"store_u64(ev, {prefix});" in writer
    assert f"SolBytes record = {{ev, {prefix}_SIZE}};" in writer
    assert writer.count("sol_log_data(&record, 1);") == 1


def _emitter(values: list[str]) -> str:
    return "\n".join(
        [
            '#include "sessions_events.h"',
            "void emit(const SolPubkey *key) {",
            f"    log_session_closed(&(SessionClosedFields){{{', '.join(values)}}});",
            "}",
        ]
    )


# SessionClosed(session, owner, rent_receiver, lamports_returned, swept_to_owner, closed_at, reason)
_CLOSED = ["key", "key", "key", "1", "2", "3", "4"]


def _compile(tmp_path: Path, values: list[str]) -> None:
    source = tmp_path / "emitter.c"
    source.write_text(_emitter(values) + "\n")
    compile_c(source, tmp_path / "emitter.o", include_dirs=[INCLUDE])


def test_an_emitter_giving_every_field_compiles(tmp_path: Path) -> None:
    assert len(_CLOSED) == len(dataclasses.fields(SessionClosed))
    _compile(tmp_path, _CLOSED)


@pytest.mark.parametrize(
    ("values", "diagnostic"),
    [
        (_CLOSED[:-1], "missing field 'reason' initializer"),
        ([*_CLOSED, "5"], "excess elements in struct initializer"),
        (["key", "key", "7", *_CLOSED[3:]], "int-conversion"),
    ],
    ids=["a_field_left_out", "one_too_many", "a_value_for_a_key"],
)
def test_an_emitter_out_of_step_with_the_schema_does_not_compile(
    tmp_path: Path, values: list[str], diagnostic: str
) -> None:
    with pytest.raises(CompileError, match=re.escape(diagnostic)):
        _compile(tmp_path, values)


def test_a_field_type_without_a_writer_is_refused() -> None:
    @dataclass(frozen=True)
    class Measured:
        session: Pubkey
        ratio: Annotated[float, F64]

    assert layout_of(Measured).size == 40
    with pytest.raises(TypeError, match=r"Measured\.ratio"):
        list(event_writer(Measured))
