"""The borsh codecs: exact round trips, and typed errors naming the field on bad input."""

from __future__ import annotations

import base64
import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from sessions_client.accounts import (
    INIT_SPACE,
    SESSION_ACCOUNT_SIZE,
    SESSION_DISCRIMINATOR,
    decode_session,
    decode_session_layout,
    encode_session,
)
from sessions_client.borsh import EnumType
from sessions_client.codec import layout_of
from sessions_client.constants import PROGRAM_ID
from sessions_client.events import (
    EVENT_TYPES,
    SessionPaused,
    decode_event,
    encode_event,
    parse_events,
)
from sessions_client.exceptions import DecodeError, EncodeError
from sessions_client.instructions import CreateSessionArgs, RequestSessionArgs
from sessions_client.types import STRUCT_TYPES, Session, SessionConfig, SessionStatus

ALL_TYPES = (*STRUCT_TYPES, *EVENT_TYPES, CreateSessionArgs, RequestSessionArgs)


def valid_bytes(cls: type, raw: bytes) -> bytes:
    """Patch random bytes so every enum field holds a valid variant."""
    layout = layout_of(cls)
    buf = bytearray(raw)
    for leaf in layout.leaves:
        if isinstance(leaf.type, EnumType):
            variants = sorted(int(v) for v in leaf.type.enum_cls)
            buf[leaf.offset] = variants[buf[leaf.offset] % len(variants)]
    return bytes(buf)


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_bytes_round_trip_exactly(cls: type, data: st.DataObject) -> None:
    size = layout_of(cls).size
    raw = valid_bytes(cls, data.draw(st.binary(min_size=size, max_size=size)))
    decoded = layout_of(cls).decode(raw)
    assert layout_of(cls).encode(decoded) == raw


def test_session_size_is_init_space_plus_discriminator() -> None:
    assert SESSION_ACCOUNT_SIZE == 8 + INIT_SPACE == 1288


def test_short_buffer_is_a_decode_error_with_sizes() -> None:
    with pytest.raises(DecodeError, match=r"SessionConfig: need 16 bytes at offset 0, got 15"):
        layout_of(SessionConfig).decode(bytes(15))


def test_invalid_enum_variant_names_the_field() -> None:
    raw = bytearray(encode_session(_session()))
    raw[8 + layout_of(Session).leaf("status").offset] = 200
    with pytest.raises(DecodeError, match=r"Session\.status: invalid SessionStatus variant 200"):
        decode_session_layout(bytes(raw))


def test_wrong_discriminator_and_size_are_refused() -> None:
    good = encode_session(_session())
    with pytest.raises(DecodeError, match="not a Session account"):
        decode_session(b"\x00" * 8 + good[8:])
    with pytest.raises(DecodeError, match=f"must be {SESSION_ACCOUNT_SIZE} bytes, got 100"):
        decode_session(good[:100])


def test_wrong_byte_length_is_an_encode_error_not_silent_padding() -> None:
    session = dataclasses.replace(_session(), metadata=b"short")
    with pytest.raises(EncodeError, match=r"Session\.metadata: expected 64 bytes, got 5"):
        encode_session(session)


def test_out_of_range_integer_names_the_field() -> None:
    bad = SessionConfig(max_duration=1 << 70, permissions=0, settings=0)
    with pytest.raises(EncodeError, match=r"SessionConfig\.max_duration"):
        layout_of(SessionConfig).encode(bad)
    with pytest.raises(EncodeError, match=r"SessionConfig\.permissions"):
        layout_of(SessionConfig).encode(SessionConfig(1, -1, 0))


def test_session_fields_land_at_their_layout_offsets() -> None:
    session = _session()
    raw = encode_session(session)
    assert raw[:8] == SESSION_DISCRIMINATOR
    owner = layout_of(Session).leaf("owner").offset + 8
    assert raw[owner : owner + 32] == bytes(session.owner)
    expires = layout_of(Session).leaf("expires_at").offset + 8
    assert struct.unpack_from("<q", raw, expires)[0] == session.expires_at


def test_event_round_trip_and_strict_size() -> None:
    event = SessionPaused(Pubkey.new_unique(), Pubkey.new_unique(), 1234)
    payload = encode_event(event)
    assert decode_event(payload) == event
    with pytest.raises(DecodeError, match="SessionPaused: expected"):
        decode_event(payload + b"\x00")
    assert decode_event(b"\x01" * 8 + payload[8:]) is None


def _logs(program: Pubkey, payload: bytes) -> list[str]:
    line = "Program data: " + base64.b64encode(payload).decode()
    return [f"Program {program} invoke [1]", line, f"Program {program} success"]


def test_events_only_count_when_logged_by_the_program() -> None:
    payload = encode_event(SessionPaused(Pubkey.new_unique(), Pubkey.new_unique(), 7))
    assert len(parse_events(_logs(PROGRAM_ID, payload))) == 1
    forged = _logs(Pubkey.new_unique(), payload)
    assert parse_events(forged) == []


def test_malformed_event_base64_is_a_decode_error() -> None:
    logs = [f"Program {PROGRAM_ID} invoke [1]", "Program data: !!!notbase64", "x"]
    with pytest.raises(DecodeError, match="not base64"):
        parse_events(logs)


def _session() -> Session:
    raw = valid_bytes(Session, bytes(range(256)) * 5)[: layout_of(Session).size]
    session = layout_of(Session).decode(raw)
    return dataclasses.replace(session, status=SessionStatus.ACTIVE, expires_at=1_800_000_000)
