"""Borsh type descriptors for fixed-size layouts.

Every on-chain record of the sessions program (the Session account, instruction
arguments, events) has a fixed size, so each one compiles to a single
``struct.Struct`` format. The descriptors here are attached to dataclass fields
with ``typing.Annotated``; the same descriptors drive the codec
(:mod:`sessions_client.codec`), the Anchor IDL generator and the C header
generator, which is what keeps the four views of a layout from drifting apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Primitive:
    """A scalar borsh type: its IDL name, ``struct`` format code, size and alignment."""

    idl_name: str
    fmt: str
    size: int
    c_type: str

    @property
    def align(self) -> int:
        """Natural alignment; the program reads these with aligned loads."""
        return self.size


U8 = Primitive("u8", "B", 1, "u8")
U16 = Primitive("u16", "H", 2, "u16")
U32 = Primitive("u32", "I", 4, "u32")
U64 = Primitive("u64", "Q", 8, "u64")
I64 = Primitive("i64", "q", 8, "i64")
BOOL = Primitive("bool", "?", 1, "u8")
F64 = Primitive("f64", "d", 8, "f64")


@dataclass(frozen=True, slots=True)
class PubkeyType:
    """A 32-byte public key; decoded to :class:`solders.pubkey.Pubkey`.

    Aligned to 8 so the program can compare keys with four u64 loads.
    """

    size: int = 32
    align: int = 8
    fmt: str = "32s"


PUBKEY = PubkeyType()


@dataclass(frozen=True, slots=True)
class ByteArray:
    """``[u8; N]``: decoded to ``bytes`` of exactly N bytes."""

    length: int

    @property
    def size(self) -> int:
        return self.length

    @property
    def fmt(self) -> str:
        return f"{self.length}s"

    align: int = 1


@dataclass(frozen=True, slots=True)
class ArrayOf:
    """``[T; N]`` of a struct type: decoded to a tuple of N dataclass instances."""

    element: type
    length: int


@dataclass(frozen=True, slots=True)
class EnumType:
    """A field-less borsh enum stored as its u8 variant index."""

    enum_cls: type[enum.IntEnum]

    size: int = 1
    align: int = 1
    fmt: str = "B"


FieldType = Primitive | PubkeyType | ByteArray | ArrayOf | EnumType
