"""Section classification and merging: all code into one .text, all constants into one .rodata.

The SBPF v0 loader wants exactly one ``.text`` and maps only ``.text`` and
``.rodata`` (plus ``.data.rel.ro``/``.eh_frame``, which we do not emit), so
every loadable input section ends up in one of those two blocks.  Writable
data has no place in a v0 program -- the loader refuses ``.data``/``.bss`` --
and is refused here with the names of the offending globals.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .bpf import INSN_SIZE
from .objfile import InputSection, ObjectFile
from .toolchain_errors import InvalidObjectError, Location, WritableSectionError

IGNORED_PREFIXES = (
    ".eh_frame",
    ".llvm_addrsig",
    ".llvm",
    ".BTF",
    ".debug",
    ".comment",
    ".note",
)
"""Sections dropped even when allocatable: v0 loads no unwind tables, BTF or debug info."""


class OutputKind(enum.Enum):
    """Which output block an input section is merged into."""

    TEXT = ".text"
    RODATA = ".rodata"


@dataclass(frozen=True)
class Placement:
    """Where one input section landed, relative to the start of its output block."""

    obj_index: int
    section_index: int
    kind: OutputKind
    offset: int
    size: int
    file: str
    section: str


@dataclass(frozen=True)
class ElfLayout:
    """The merged contents of .text and .rodata before relocation."""

    text: bytes
    rodata: bytes
    text_align: int
    rodata_align: int
    placements: Mapping[tuple[int, int], Placement]
    text_placements: tuple[Placement, ...]

    def placement(self, obj_index: int, section_index: int) -> Placement | None:
        """Placement of an input section, or None if it is not loaded."""
        return self.placements.get((obj_index, section_index))

    def text_origin(self, text_offset: int) -> Placement:
        """The input section that contributed the .text byte at ``text_offset``."""
        starts = [p.offset for p in self.text_placements]
        position = bisect.bisect_right(starts, text_offset) - 1
        return self.text_placements[max(position, 0)]


def classify(obj: ObjectFile, section: InputSection) -> OutputKind | None:
    """Decide the output block of a section; None means it is not loaded.

    Raises WritableSectionError for non-empty writable data, which v0 cannot map.
    """
    if not section.is_alloc or section.name.startswith(IGNORED_PREFIXES):
        return None
    if section.is_exec:
        return OutputKind.TEXT
    if section.is_writable:
        if section.size == 0:
            return None
        if section.name.startswith(".data.rel.ro"):
            # Only pointers that the linker resolves statically: read-only after linking.
            return OutputKind.RODATA
        names = [s.name for s in obj.symbols_in(section.index)]
        shown = ", ".join(repr(n) for n in names) if names else "no named symbol"
        raise WritableSectionError(
            f"writable section of {section.size} bytes ({shown}): SBPF v0 programs cannot "
            "have mutable globals (.data/.bss); make the object const or keep state in an account",
            Location(file=obj.name, section=section.name, symbol=names[0] if names else None),
        )
    return OutputKind.RODATA


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


_TEXT_FILLER: Final = bytes([0x05, 0, 0, 0, 0, 0, 0, 0])
"""``ja +0``: a no-op, so alignment gaps between functions still verify as code."""


def _padding(kind: OutputKind, length: int) -> bytes:
    if kind is OutputKind.TEXT:
        return _TEXT_FILLER * (length // INSN_SIZE)
    return bytes(length)


def _section_bytes(obj: ObjectFile, section: InputSection, kind: OutputKind) -> bytes:
    data = bytes(section.size) if section.is_nobits else section.data
    if kind is OutputKind.TEXT and len(data) % INSN_SIZE:
        raise InvalidObjectError(
            f"code section size {len(data)} is not a multiple of {INSN_SIZE}",
            Location(file=obj.name, section=section.name),
        )
    return data


def lay_out(objects: tuple[ObjectFile, ...]) -> ElfLayout:
    """Concatenate loadable sections in input order, honouring each section's alignment."""
    blocks = {OutputKind.TEXT: bytearray(), OutputKind.RODATA: bytearray()}
    aligns = {OutputKind.TEXT: INSN_SIZE, OutputKind.RODATA: 1}
    placements: dict[tuple[int, int], Placement] = {}
    text_placements: list[Placement] = []
    for obj_index, obj in enumerate(objects):
        for section in obj.sections:
            kind = classify(obj, section)
            if kind is None:
                continue
            data = _section_bytes(obj, section, kind)
            alignment = max(section.align, INSN_SIZE if kind is OutputKind.TEXT else 1)
            block = blocks[kind]
            block.extend(_padding(kind, _align(len(block), alignment) - len(block)))
            placed = Placement(
                obj_index=obj_index,
                section_index=section.index,
                kind=kind,
                offset=len(block),
                size=len(data),
                file=obj.name,
                section=section.name,
            )
            block.extend(data)
            aligns[kind] = max(aligns[kind], alignment)
            placements[(obj_index, section.index)] = placed
            if kind is OutputKind.TEXT:
                text_placements.append(placed)
    return ElfLayout(
        text=bytes(blocks[OutputKind.TEXT]),
        rodata=bytes(blocks[OutputKind.RODATA]),
        text_align=aligns[OutputKind.TEXT],
        rodata_align=aligns[OutputKind.RODATA],
        placements=MappingProxyType(placements),
        text_placements=tuple(text_placements),
    )
