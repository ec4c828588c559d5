"""The hot path's event constructors build exactly the mirror's events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from solders.pubkey import Pubkey

from sessions_client.events import EVENT_TYPES, encode_event
from sessions_client.types import CloseReason, ResourceQuotas, SessionStatus
from simulator import emit, slots


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


#: The generated module's constructors, found by the event's name (not listed by hand).
CONSTRUCTORS: dict[str, Callable[..., object]] = {
    cls.__name__: getattr(emit, snake(cls.__name__)) for cls in EVENT_TYPES
}


def sample(field: dataclasses.Field[Any], i: int) -> object:
    if field.type in ("Pubkey", Pubkey):
        return Pubkey(bytes([i + 1]) * 32)
    if "SessionStatus" in str(field.type):
        return SessionStatus.PAUSED
    if "CloseReason" in str(field.type):
        return CloseReason.EXPIRED
    if "ResourceQuotas" in str(field.type):
        return ResourceQuotas(1, 2, 3, 4, 5)
    if "U8" in str(field.type):
        return i
    return 1_000 + i


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_same_value_same_bytes(cls: type) -> None:
    values = [sample(f, i) for i, f in enumerate(dataclasses.fields(cls))]
    fast = CONSTRUCTORS[cls.__name__](*values)
    slow = cls(*values)
    assert type(fast) is cls
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert encode_event(fast) == encode_event(slow)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, "session", values[0])  # noqa: B010 - the frozen guard is the point


def test_every_event_has_a_constructor_and_nothing_else_is_one() -> None:
    generated = {name for name in vars(emit) if name.startswith("session_")}
    assert generated == {snake(cls.__name__) for cls in EVENT_TYPES}


def test_refuses_what_it_cannot_build() -> None:
    class NotADataclass:
        pass

    with pytest.raises(TypeError):
        slots.slot_constructor(NotADataclass)
