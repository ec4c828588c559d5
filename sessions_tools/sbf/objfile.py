"""Reading BPF relocatable objects into plain, immutable records.

pyelftools is untyped and lazily parses from a file object; converting each
input once into frozen dataclasses keeps the rest of the linker typed, free of
I/O and easy to test with hand-made inputs.
"""

from __future__ import annotations

import enum
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from .bpf import EM_BPF
from .toolchain_errors import InvalidObjectError, Location

SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4

SHN_UNDEF = 0
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2


class SymbolBinding(enum.Enum):
    """ELF symbol binding, reduced to what linking needs."""

    LOCAL = "local"
    GLOBAL = "global"
    WEAK = "weak"


class SymbolType(enum.Enum):
    """ELF symbol type, reduced to what linking needs."""

    NOTYPE = "notype"
    OBJECT = "object"
    FUNC = "func"
    SECTION = "section"
    FILE = "file"
    OTHER = "other"


@dataclass(frozen=True)
class InputSection:
    """One section header of an input object, with its bytes (empty for NOBITS)."""

    index: int
    name: str
    sh_type: str
    flags: int
    size: int
    align: int
    data: bytes

    @property
    def is_alloc(self) -> bool:
        """Whether the section occupies memory at run time."""
        return bool(self.flags & SHF_ALLOC)

    @property
    def is_exec(self) -> bool:
        """Whether the section holds code."""
        return bool(self.flags & SHF_EXECINSTR)

    @property
    def is_writable(self) -> bool:
        """Whether the section is writable at run time (a mutable global)."""
        return bool(self.flags & SHF_WRITE)

    @property
    def is_nobits(self) -> bool:
        """Whether the section has no file contents (``.bss``-like)."""
        return self.sh_type == "SHT_NOBITS"


@dataclass(frozen=True)
class InputSymbol:
    """One ``.symtab`` entry of an input object."""

    index: int
    name: str
    binding: SymbolBinding
    sym_type: SymbolType
    shndx: int
    value: int
    size: int

    @property
    def is_undefined(self) -> bool:
        """Whether another input (or the runtime) must provide the symbol."""
        return self.shndx == SHN_UNDEF

    @property
    def is_common(self) -> bool:
        """Whether this is a tentative definition (``-fcommon``)."""
        return self.shndx == SHN_COMMON


@dataclass(frozen=True)
class InputRelocation:
    """One ``Elf64_Rel`` entry (BPF objects use REL: addends live in the patched bytes)."""

    offset: int
    reloc_type: int
    symbol_index: int


@dataclass(frozen=True)
class RelocationTable:
    """The relocations that patch one input section."""

    name: str
    target_index: int
    relocations: tuple[InputRelocation, ...]


@dataclass(frozen=True)
class ObjectFile:
    """A parsed BPF relocatable object."""

    name: str
    sections: tuple[InputSection, ...]
    symbols: tuple[InputSymbol, ...]
    relocation_tables: tuple[RelocationTable, ...]

    def section_name(self, index: int) -> str:
        """Name of section ``index``, or a placeholder for special indices."""
        if 0 <= index < len(self.sections):
            return self.sections[index].name
        return f"<section {index:#x}>"

    def symbols_in(self, section_index: int) -> tuple[InputSymbol, ...]:
        """Named data/function symbols defined in a section (for diagnostics)."""
        return tuple(
            s
            for s in self.symbols
            if s.shndx == section_index
            and s.name
            and s.sym_type in (SymbolType.OBJECT, SymbolType.FUNC, SymbolType.NOTYPE)
        )


_BINDINGS = {
    "STB_LOCAL": SymbolBinding.LOCAL,
    "STB_GLOBAL": SymbolBinding.GLOBAL,
    "STB_WEAK": SymbolBinding.WEAK,
}
_TYPES = {
    "STT_NOTYPE": SymbolType.NOTYPE,
    "STT_OBJECT": SymbolType.OBJECT,
    "STT_FUNC": SymbolType.FUNC,
    "STT_SECTION": SymbolType.SECTION,
    "STT_FILE": SymbolType.FILE,
}
_SPECIAL_SHNDX = {"SHN_UNDEF": SHN_UNDEF, "SHN_ABS": SHN_ABS, "SHN_COMMON": SHN_COMMON}


def _shndx(raw: Any) -> int:
    if isinstance(raw, int):
        return raw
    return _SPECIAL_SHNDX.get(str(raw), 0xFFFF)


def _read_sections(elf: Any) -> tuple[InputSection, ...]:
    sections: list[InputSection] = []
    for index, sec in enumerate(elf.iter_sections()):
        header = sec.header
        nobits = header["sh_type"] == "SHT_NOBITS"
        sections.append(
            InputSection(
                index=index,
                name=str(sec.name),
                sh_type=str(header["sh_type"]),
                flags=int(header["sh_flags"]),
                size=int(header["sh_size"]),
                align=max(1, int(header["sh_addralign"])),
                data=b"" if nobits else bytes(sec.data()),
            )
        )
    return tuple(sections)


def _read_symbols(elf: Any) -> tuple[InputSymbol, ...]:
    symtab = elf.get_section_by_name(".symtab")
    if symtab is None:
        return ()
    symbols: list[InputSymbol] = []
    for index, sym in enumerate(symtab.iter_symbols()):
        info = sym["st_info"]
        symbols.append(
            InputSymbol(
                index=index,
                name=str(sym.name),
                binding=_BINDINGS.get(str(info["bind"]), SymbolBinding.LOCAL),
                sym_type=_TYPES.get(str(info["type"]), SymbolType.OTHER),
                shndx=_shndx(sym["st_shndx"]),
                value=int(sym["st_value"]),
                size=int(sym["st_size"]),
            )
        )
    return tuple(symbols)


def _read_relocations(elf: Any, name: str) -> tuple[RelocationTable, ...]:
    tables: list[RelocationTable] = []
    for sec in elf.iter_sections():
        if not isinstance(sec, RelocationSection):
            continue
        if sec.is_RELA():
            raise InvalidObjectError(
                "RELA relocations are not used by BPF objects; refusing to guess addends",
                Location(file=name, section=str(sec.name)),
            )
        relocations = tuple(
            InputRelocation(
                offset=int(rel["r_offset"]),
                reloc_type=int(rel["r_info_type"]),
                symbol_index=int(rel["r_info_sym"]),
            )
            for rel in sec.iter_relocations()
        )
        tables.append(
            RelocationTable(
                name=str(sec.name), target_index=int(sec["sh_info"]), relocations=relocations
            )
        )
    return tuple(tables)


def read_object(data: bytes, name: str) -> ObjectFile:
    """Parse one relocatable BPF object; ``name`` is used in every diagnostic."""
    try:
        elf = ELFFile(io.BytesIO(data))
        if elf.elfclass != 64 or not elf.little_endian:
            raise InvalidObjectError("not a 64-bit little-endian ELF", Location(file=name))
        if elf["e_machine"] not in ("EM_BPF", EM_BPF):
            raise InvalidObjectError(
                f"machine is {elf['e_machine']}, expected EM_BPF", Location(file=name)
            )
        if elf["e_type"] != "ET_REL":
            raise InvalidObjectError(
                f"ELF type is {elf['e_type']}, expected a relocatable object (ET_REL)",
                Location(file=name),
            )
        return ObjectFile(
            name=name,
            sections=_read_sections(elf),
            symbols=_read_symbols(elf),
            relocation_tables=_read_relocations(elf, name),
        )
    except ELFError as exc:
        raise InvalidObjectError(f"malformed ELF: {exc}", Location(file=name)) from exc


def load_objects(objects: tuple[bytes | Path, ...]) -> tuple[ObjectFile, ...]:
    """Read every input; paths are named by their path, raw bytes as ``<object #i>``."""
    parsed: list[ObjectFile] = []
    for position, item in enumerate(objects):
        if isinstance(item, str):
            # A str is ambiguous (path or contents?) and bytes(str) fails obscurely.
            raise TypeError(f"object #{position}: pass a pathlib.Path or the object's bytes")
        if isinstance(item, Path):
            parsed.append(read_object(item.read_bytes(), str(item)))
        else:
            parsed.append(read_object(bytes(item), f"<object #{position}>"))
    return tuple(parsed)
