"""Fast borsh codecs compiled from annotated dataclasses.

A layout is fixed-size, so the whole record is one ``struct.Struct`` unpack
followed by one generated constructor expression. That is what makes decoding
a Session account an order of magnitude faster than construct-based decoders,
while the flattened leaf list (path, offset, type) is what the IDL and C header
generators and the consistency tests consume.

Malformed input never yields silent wrong data: short buffers, bad enum
variants, wrong byte-array lengths and out-of-range integers raise
:class:`DecodeError` / :class:`EncodeError` naming the offending field.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from solders.pubkey import Pubkey

from sessions_client.borsh import (
    PUBKEY,
    ArrayOf,
    ByteArray,
    EnumType,
    FieldType,
    Primitive,
    PubkeyType,
)
from sessions_client.exceptions import DecodeError, EncodeError

T = TypeVar("T")

ScalarType = Primitive | PubkeyType | ByteArray | EnumType


@dataclass(frozen=True, slots=True)
class Leaf:
    """One scalar of a flattened layout: where it lives and what it is."""

    path: str
    offset: int
    type: ScalarType

    @property
    def size(self) -> int:
        return self.type.size


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One declared field of a struct (possibly a nested struct or array)."""

    name: str
    type: FieldType | type
    offset: int
    size: int


def is_struct(tp: object) -> bool:
    """Whether ``tp`` is a dataclass used as a nested borsh struct."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _field_type(owner: type, name: str, hint: Any) -> FieldType | type:
    """Resolve a dataclass field annotation to its borsh type."""
    if typing.get_origin(hint) is typing.Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, Primitive | PubkeyType | ByteArray | ArrayOf | EnumType):
                return meta
        raise TypeError(f"{owner.__name__}.{name}: Annotated without a borsh type")
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return EnumType(hint)
    if hint is Pubkey:
        return PUBKEY
    if is_struct(hint):
        return typing.cast(type, hint)
    raise TypeError(f"{owner.__name__}.{name}: unsupported field type {hint!r}")


def _size_of(tp: FieldType | type) -> int:
    if isinstance(tp, ArrayOf):
        return layout_of(tp.element).size * tp.length
    if isinstance(tp, type):
        return layout_of(tp).size
    return tp.size


class Layout(Generic[T]):
    """The compiled codec of one dataclass: size, fields, leaves, encode, decode."""

    def __init__(self, cls: type[T]) -> None:
        self.cls = cls
        hints = typing.get_type_hints(cls, include_extras=True)
        specs: list[FieldSpec] = []
        offset = 0
        for f in dataclasses.fields(typing.cast(Any, cls)):
            tp = _field_type(cls, f.name, hints[f.name])
            size = _size_of(tp)
            specs.append(FieldSpec(f.name, tp, offset, size))
            offset += size
        self.fields: tuple[FieldSpec, ...] = tuple(specs)
        self.size: int = offset
        self.leaves: tuple[Leaf, ...] = tuple(self._flatten("", 0))
        self._struct = struct.Struct("<" + "".join(leaf.type.fmt for leaf in self.leaves))
        assert self._struct.size == self.size, (cls, self._struct.size, self.size)
        self._build = self._compile_builder()
        self._flat = self._compile_flattener()

    def _flatten(self, prefix: str, base: int) -> list[Leaf]:
        out: list[Leaf] = []
        for spec in self.fields:
            path = f"{prefix}{spec.name}"
            if isinstance(spec.type, ArrayOf):
                el: Layout[Any] = layout_of(spec.type.element)
                for i in range(spec.type.length):
                    out.extend(el._flatten(f"{path}[{i}].", base + spec.offset + i * el.size))
            elif isinstance(spec.type, type):
                out.extend(layout_of(spec.type)._flatten(f"{path}.", base + spec.offset))
            else:
                out.append(Leaf(path, base + spec.offset, spec.type))
        return out

    # -- code generation -------------------------------------------------------------------
    # Generated once per class, like dataclasses' own __init__: one expression that builds
    # the nested objects from the flat unpacked tuple, and one that flattens them back.

    def _builder_expr(self, ns: dict[str, Any], counter: list[int]) -> str:
        ns[self.cls.__name__] = self.cls
        args: list[str] = []
        for spec in self.fields:
            if isinstance(spec.type, ArrayOf):
                el: Layout[Any] = layout_of(spec.type.element)
                items = [el._builder_expr(ns, counter) for _ in range(spec.type.length)]
                args.append("(" + ", ".join(items) + ",)")
            elif isinstance(spec.type, type):
                args.append(layout_of(spec.type)._builder_expr(ns, counter))
            else:
                i = counter[0]
                counter[0] += 1
                if isinstance(spec.type, PubkeyType):
                    args.append(f"_Pubkey(v[{i}])")
                elif isinstance(spec.type, EnumType):
                    # A tuple indexed by value: no enum constructor call on the hot path;
                    # an out-of-range or unassigned value raises and is explained below.
                    name = f"_{spec.type.enum_cls.__name__}_by_value"
                    ns[name] = _members_by_value(spec.type.enum_cls)
                    args.append(f"{name}[v[{i}]]")
                else:
                    args.append(f"v[{i}]")
        return f"{self.cls.__name__}(" + ", ".join(args) + ")"

    def _compile_builder(self) -> Callable[[tuple[Any, ...]], T]:
        ns: dict[str, Any] = {"_Pubkey": Pubkey}
        expr = self._builder_expr(ns, [0])
        exec(f"def build(v):\n    return {expr}\n", ns)
        return typing.cast(Callable[[tuple[Any, ...]], T], ns["build"])

    def _compile_flattener(self) -> Callable[[T], tuple[Any, ...]]:
        parts: list[str] = []
        for leaf in self.leaves:
            access = "o." + leaf.path
            if isinstance(leaf.type, PubkeyType):
                parts.append(f"bytes({access})")
            elif isinstance(leaf.type, EnumType):
                parts.append(f"int({access})")
            else:
                parts.append(access)
        ns: dict[str, Any] = {}
        exec("def flat(o):\n    return (" + ", ".join(parts) + ",)\n", ns)
        return typing.cast(Callable[[T], tuple[Any, ...]], ns["flat"])

    # -- public API -----------------------------------------------------------------------

    def decode(self, data: bytes | bytearray | memoryview, offset: int = 0) -> T:
        """Decode one record at ``offset``; raises DecodeError naming the bad field."""
        if len(data) - offset < self.size:
            raise DecodeError(
                f"{self.cls.__name__}: need {self.size} bytes at offset {offset}, "
                f"got {max(len(data) - offset, 0)}"
            )
        values = self._struct.unpack_from(data, offset)
        try:
            return self._build(values)
        except (ValueError, TypeError, IndexError) as exc:
            raise DecodeError(self._explain_decode_failure(values) or str(exc)) from exc

    def _explain_decode_failure(self, values: tuple[Any, ...]) -> str | None:
        for leaf, value in zip(self.leaves, values, strict=True):
            if isinstance(leaf.type, EnumType) and value >= len(
                _members_by_value(leaf.type.enum_cls)
            ):
                return (
                    f"{self.cls.__name__}.{leaf.path}: invalid "
                    f"{leaf.type.enum_cls.__name__} variant {value}"
                )
        return None

    def encode(self, obj: T) -> bytes:
        """Encode one record; raises EncodeError naming the bad field."""
        try:
            values = self._flat(obj)
        except (AttributeError, IndexError, TypeError) as exc:
            raise EncodeError(f"{self.cls.__name__}: malformed value: {exc}") from exc
        self._check_lengths(values)
        try:
            return self._struct.pack(*values)
        except struct.error as exc:
            raise EncodeError(self._explain_encode_failure(values) or str(exc)) from exc

    def _check_lengths(self, values: tuple[Any, ...]) -> None:
        # struct's "Ns" pads or truncates silently; a wrong length must be an error instead.
        for leaf, value in zip(self.leaves, values, strict=True):
            if isinstance(leaf.type, ByteArray | PubkeyType) and len(value) != leaf.type.size:
                raise EncodeError(
                    f"{self.cls.__name__}.{leaf.path}: expected {leaf.type.size} bytes, "
                    f"got {len(value)}"
                )

    def _explain_encode_failure(self, values: tuple[Any, ...]) -> str | None:
        for leaf, value in zip(self.leaves, values, strict=True):
            try:
                struct.pack("<" + leaf.type.fmt, value)
            except struct.error as exc:
                return f"{self.cls.__name__}.{leaf.path}: {value!r} does not fit: {exc}"
        return None

    def leaf(self, path: str) -> Leaf:
        """The leaf at a dotted path such as ``config.max_duration``."""
        for leaf in self.leaves:
            if leaf.path == path:
                return leaf
        raise KeyError(f"{self.cls.__name__} has no field {path!r}")

    def leaf_struct(self, path: str) -> struct.Struct:
        """The ``struct.Struct`` of the scalar at ``path`` (read it in place, no decode)."""
        return struct.Struct("<" + self.leaf(path).type.fmt)

    def field_struct(self, name: str) -> struct.Struct:
        """The ``struct.Struct`` of every scalar of the top-level field ``name``, in order
        (a nested struct such as ``config`` reads as one unpack of its leaves)."""
        spec = self.field(name)
        inside = [
            leaf for leaf in self.leaves if spec.offset <= leaf.offset < spec.offset + spec.size
        ]
        return struct.Struct("<" + "".join(leaf.type.fmt for leaf in inside))

    def field(self, name: str) -> FieldSpec:
        """The top-level field spec named ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.cls.__name__} has no field {name!r}")


def _members_by_value(enum_cls: type[enum.IntEnum]) -> tuple[enum.IntEnum, ...]:
    """The members indexed by value; borsh enums are numbered 0..n-1 without gaps."""
    members = tuple(sorted(enum_cls, key=int))
    if [int(m) for m in members] != list(range(len(members))):
        raise TypeError(f"{enum_cls.__name__}: borsh enum values must be 0..n-1")
    return members


class _LayoutRegistry:
    """Compiles each class's layout once; holds no state beyond that memo."""

    def __init__(self) -> None:
        self._cache: dict[type, Layout[Any]] = {}

    def get(self, cls: type[T]) -> Layout[T]:
        found = self._cache.get(cls)
        if found is None:
            found = Layout(cls)
            self._cache[cls] = found
        return typing.cast(Layout[T], found)


_REGISTRY = _LayoutRegistry()


def scalar_struct(primitive: Primitive) -> struct.Struct:
    """The little-endian ``struct.Struct`` of one borsh scalar, for code that reads
    operands in place (the simulator's guard evaluator) without a layout of its own."""
    return struct.Struct("<" + primitive.fmt)


def layout_of(cls: type[T]) -> Layout[T]:
    """The compiled layout of a schema dataclass (memoized: layouts are immutable)."""
    return _REGISTRY.get(cls)
