"""Constructors for the hot path: the client mirror's event classes, filled slot by slot.

A frozen, slotted dataclass's generated ``__init__`` sets every field through
``object.__setattr__``; these constructors build the very same class and write each slot
through its descriptor, which is about twice as fast and yields equal values (the same
bytes when encoded). The events carry no ``__post_init__`` to skip; a test holds every
constructor equal to the class's own. :mod:`simulator.emit`, generated from the event
types by ``sessions codegen``, holds one typed constructor per event.
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
    names = [f.name for f in dataclasses.fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    event = _new(_cls)"]
    for name in names:
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        lines.append(f"    _set_{name}(event, {name})")
    lines.append("    return event")
    exec("\n".join(lines), namespace)  # generated from the mirror's own field list
    return cast(Callable[..., E], namespace["make"])
