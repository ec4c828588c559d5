"""Constructors for the hot path: the client mirror's event classes, built without their
frozen ``__init__``.

A frozen, slotted dataclass's generated ``__init__`` sets every field through
``object.__setattr__``, the slowest way to fill a slot. A constructor here is a layout
twin of the event class: a plain class with the very same ``__slots__`` (so the same
memory layout) whose ``__init__`` stores each slot with an ordinary attribute store, the
interpreter's fastest, and then re-types the object to the event class (``__class__``
assignment, which CPython allows between classes of one layout). What comes out is an
instance of the event class itself, frozen like any other, about twice as cheap to build
as one filled through its slot descriptors. The events carry no ``__post_init__`` to
skip; a test holds every constructor equal to the class's own. :mod:`simulator.emit`,
generated from the event types by ``sessions codegen``, holds one typed constructor per
event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

E = TypeVar("E")


def slot_constructor(cls: type[E]) -> Callable[..., E]:
    """A positional constructor for the slotted dataclass ``cls`` that skips ``__init__``."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a plain dataclass")
    names = tuple(f.name for f in dataclasses.fields(cls))
    if cls.__bases__ != (object,) or tuple(getattr(cls, "__slots__", ())) != names:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass of its own fields")
    lines = [f"def __init__(self, {', '.join(names)}):"]
    lines += [f"    self.{name} = {name}" for name in names]
    lines.append("    self.__class__ = _cls")
    namespace: dict[str, Any] = {}
    # generated from the mirror's own field list, like dataclasses' own __init__
    exec("\n".join(lines), {"_cls": cls}, namespace)
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": names, **namespace})
    twin(*(None,) * len(names))  # a layout mismatch fails here, at import, not on a hot path
    return cast(Callable[..., E], twin)
