"""Writing the SBPF v0 shared object.

The output follows the rules solana-sbpf's lenient (v0) loader checks:
ELF64 LE, ``ET_DYN``, ``EM_BPF``, ``e_flags`` 0 (which *is* the v0 marker),
exactly one ``.text``, ``sh_addr == sh_offset`` for every loaded section,
ascending ``PT_LOAD`` headers and sections in file order without overlap.

File layout::

    ELF header | program headers | .text | .rodata
    | .dynamic | .dynsym | .dynstr | .rel.dyn      (only when syscalls are imported)
    | .symtab | .strtab | .shstrtab | section headers

The dynamic part is omitted entirely for a program without syscalls: the
loader rejects a ``DT_REL`` whose size is zero.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .bpf import (
    DYN_SIZE,
    ELF_HEADER_SIZE,
    EM_BPF,
    INSN_SIZE,
    PROGRAM_HEADER_SIZE,
    REL_SIZE,
    SECTION_HEADER_SIZE,
    SYMBOL_SIZE,
    RelocType,
)
from .relocate import OutputAddresses, SyscallSite

ET_DYN = 3
EV_CURRENT = 1
PT_LOAD = 1
PT_DYNAMIC = 2
PF_X, PF_W, PF_R = 1, 2, 4
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_DYNAMIC, SHT_REL, SHT_DYNSYM = 1, 2, 3, 6, 9, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT = 0, 5, 6, 10, 11
DT_REL, DT_RELSZ, DT_RELENT = 17, 18, 19
STB_GLOBAL = 1
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2
SEGMENT_ALIGN = 0x1000
MAX_SYMTAB_NAME = 254
"""The loader reads .symtab names (debug labels) up to 255 bytes including the NUL."""
MAX_DYNSYM_NAME = 63
"""The loader reads .dynsym names up to 64 bytes including the NUL."""

_DYNAMIC_ENTRIES = 8  # seven tags plus DT_NULL


@dataclass(frozen=True)
class OutputSymbol:
    """A .symtab entry of the output, for disassemblers and debuggers."""

    name: str
    vaddr: int
    size: int
    is_function: bool


@dataclass(frozen=True)
class ElfImage:
    """Everything that goes into the output file."""

    text: bytes
    rodata: bytes
    addresses: OutputAddresses
    entry_vaddr: int
    syscalls: tuple[str, ...]
    syscall_sites: tuple[SyscallSite, ...]
    symbols: tuple[OutputSymbol, ...]


@dataclass(frozen=True)
class _Section:
    name: str
    sh_type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int = 0
    info: int = 0
    align: int = 1
    entsize: int = 0


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def program_header_count(has_rodata: bool, has_dynamic: bool) -> int:
    """PT_LOAD text, PT_LOAD rodata (if any), PT_LOAD + PT_DYNAMIC (if syscalls)."""
    return 1 + int(has_rodata) + 2 * int(has_dynamic)


def plan_addresses(
    text_size: int, text_align: int, rodata_size: int, rodata_align: int, has_dynamic: bool
) -> OutputAddresses:
    """File offsets (== vaddrs) of .text and .rodata, known before relocation."""
    headers = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE * program_header_count(
        rodata_size > 0, has_dynamic
    )
    text_offset = _align(headers, max(INSN_SIZE, text_align))
    rodata_offset = _align(text_offset + text_size, max(INSN_SIZE, rodata_align))
    return OutputAddresses(text_offset=text_offset, rodata_offset=rodata_offset)


class _StringTable:
    """An ELF string table; identical names share one entry."""

    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self._index: dict[str, int] = {"": 0}

    def add(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self.data)
            self.data += name.encode() + b"\0"
        return self._index[name]


class _File:
    """Append-only output buffer that hands back each blob's file offset."""

    def __init__(self, reserved: int) -> None:
        self.data = bytearray(reserved)

    def append(self, blob: bytes, alignment: int) -> int:
        self.data += bytes(_align(len(self.data), alignment) - len(self.data))
        offset = len(self.data)
        self.data += blob
        return offset

    def place_at(self, offset: int, blob: bytes) -> None:
        self.data += bytes(offset - len(self.data))
        self.data += blob


def _symbol(name: int, info: int, shndx: int, value: int, size: int) -> bytes:
    return struct.pack("<IBBHQQ", name, info, 0, shndx, value, size)


def _symtab(image: ElfImage, text_index: int, rodata_index: int) -> tuple[bytes, bytes]:
    strtab = _StringTable()
    entries = bytearray(SYMBOL_SIZE)
    for sym in image.symbols:
        if len(sym.name.encode()) > MAX_SYMTAB_NAME:
            continue  # the loader would refuse the whole file over a debug label
        kind, shndx = (STT_FUNC, text_index) if sym.is_function else (STT_OBJECT, rodata_index)
        entries += _symbol(
            strtab.add(sym.name), (STB_GLOBAL << 4) | kind, shndx, sym.vaddr, sym.size
        )
    return bytes(entries), bytes(strtab.data)


def _dynamic_tables(image: ElfImage) -> tuple[bytes, bytes, bytes]:
    """.dynsym, .dynstr and .rel.dyn for the imported syscalls."""
    dynstr = _StringTable()
    dynsym = bytearray(SYMBOL_SIZE)
    for name in image.syscalls:
        if len(name.encode()) > MAX_DYNSYM_NAME:
            raise ValueError(f"syscall name {name!r} is longer than the loader accepts")
        dynsym += _symbol(dynstr.add(name), (STB_GLOBAL << 4) | STT_NOTYPE, 0, 0, 0)
    index = {name: position + 1 for position, name in enumerate(image.syscalls)}
    rel = bytearray()
    for site in sorted(image.syscall_sites, key=lambda s: s.text_offset):
        r_offset = image.addresses.text_offset + site.text_offset
        rel += struct.pack("<QQ", r_offset, (index[site.name] << 32) | RelocType.R_BPF_64_32)
    return bytes(dynsym), bytes(dynstr.data), bytes(rel)


def _dynamic(image: ElfImage, out: _File, sections: list[_Section]) -> tuple[int, int]:
    """Append the dynamic part; returns the file range it occupies (.dynamic .. end of .rel.dyn)."""
    dynsym, dynstr, rel = _dynamic_tables(image)
    dynamic_offset = out.append(bytes(DYN_SIZE * _DYNAMIC_ENTRIES), 8)
    dynsym_offset = out.append(dynsym, 8)
    dynstr_offset = out.append(dynstr, 1)
    rel_offset = out.append(rel, 8)
    table = b"".join(
        struct.pack("<qQ", tag, value)
        for tag, value in (
            (DT_REL, rel_offset),
            (DT_RELSZ, len(rel)),
            (DT_RELENT, REL_SIZE),
            (DT_SYMTAB, dynsym_offset),
            (DT_SYMENT, SYMBOL_SIZE),
            (DT_STRTAB, dynstr_offset),
            (DT_STRSZ, len(dynstr)),
            (DT_NULL, 0),
        )
    )
    out.data[dynamic_offset : dynamic_offset + len(table)] = table
    first = len(sections)
    dynsym_index, dynstr_index = first + 1, first + 2
    sections += [
        _Section(
            ".dynamic",
            SHT_DYNAMIC,
            SHF_ALLOC | SHF_WRITE,
            dynamic_offset,
            dynamic_offset,
            len(table),
            link=dynstr_index,
            align=8,
            entsize=DYN_SIZE,
        ),
        _Section(
            ".dynsym",
            SHT_DYNSYM,
            SHF_ALLOC,
            dynsym_offset,
            dynsym_offset,
            len(dynsym),
            link=dynstr_index,
            info=1,
            align=8,
            entsize=SYMBOL_SIZE,
        ),
        _Section(".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr_offset, dynstr_offset, len(dynstr)),
        _Section(
            ".rel.dyn",
            SHT_REL,
            SHF_ALLOC,
            rel_offset,
            rel_offset,
            len(rel),
            link=dynsym_index,
            align=8,
            entsize=REL_SIZE,
        ),
    ]
    return dynamic_offset, rel_offset + len(rel)


def _program_headers(image: ElfImage, dynamic: tuple[int, int] | None) -> bytes:
    def phdr(p_type: int, flags: int, offset: int, size: int, align: int) -> bytes:
        return struct.pack("<IIQQQQQQ", p_type, flags, offset, offset, offset, size, size, align)

    text_offset, rodata_offset = image.addresses.text_offset, image.addresses.rodata_offset
    headers = [phdr(PT_LOAD, PF_R | PF_X, text_offset, len(image.text), SEGMENT_ALIGN)]
    if image.rodata:
        headers.append(phdr(PT_LOAD, PF_R, rodata_offset, len(image.rodata), SEGMENT_ALIGN))
    if dynamic is not None:
        start, end = dynamic
        headers.append(phdr(PT_LOAD, PF_R | PF_W, start, end - start, SEGMENT_ALIGN))
        headers.append(phdr(PT_DYNAMIC, PF_R | PF_W, start, DYN_SIZE * _DYNAMIC_ENTRIES, 8))
    return b"".join(headers)


def _elf_header(entry: int, phnum: int, shoff: int, shnum: int, shstrndx: int) -> bytes:
    ident = b"\x7fELF" + bytes([2, 1, EV_CURRENT, 0]) + bytes(8)  # ELFCLASS64, LSB, OSABI none
    return ident + struct.pack(
        "<HHIQQQIHHHHHH",
        ET_DYN,
        EM_BPF,
        EV_CURRENT,
        entry,
        ELF_HEADER_SIZE,
        shoff,
        0,  # e_flags 0 selects SBPF v0
        ELF_HEADER_SIZE,
        PROGRAM_HEADER_SIZE,
        phnum,
        SECTION_HEADER_SIZE,
        shnum,
        shstrndx,
    )


def write_elf(image: ElfImage) -> bytes:
    """Serialise ``image`` into the bytes of an SBPF v0 shared object."""
    has_dynamic = bool(image.syscalls)
    phnum = program_header_count(bool(image.rodata), has_dynamic)
    out = _File(ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE * phnum)
    text_offset, rodata_offset = image.addresses.text_offset, image.addresses.rodata_offset
    sections = [_Section("", 0, 0, 0, 0, 0, align=0)]
    out.place_at(text_offset, image.text)
    sections.append(
        _Section(
            ".text",
            SHT_PROGBITS,
            SHF_ALLOC | SHF_EXECINSTR,
            text_offset,
            text_offset,
            len(image.text),
            align=INSN_SIZE,
        )
    )
    text_index, rodata_index = 1, 0
    if image.rodata:
        out.place_at(rodata_offset, image.rodata)
        rodata_index = len(sections)
        sections.append(
            _Section(
                ".rodata",
                SHT_PROGBITS,
                SHF_ALLOC,
                rodata_offset,
                rodata_offset,
                len(image.rodata),
                align=INSN_SIZE,
            )
        )
    dynamic = _dynamic(image, out, sections) if has_dynamic else None
    symtab, strtab = _symtab(image, text_index, rodata_index)
    symtab_offset = out.append(symtab, 8)
    strtab_offset = out.append(strtab, 1)
    sections += [
        _Section(
            ".symtab",
            SHT_SYMTAB,
            0,
            0,
            symtab_offset,
            len(symtab),
            link=len(sections) + 1,
            info=1,
            align=8,
            entsize=SYMBOL_SIZE,
        ),
        _Section(".strtab", SHT_STRTAB, 0, 0, strtab_offset, len(strtab)),
    ]
    names = _StringTable()
    name_offsets = [names.add(s.name) for s in sections] + [names.add(".shstrtab")]
    shstrtab = bytes(names.data)
    shstrtab_offset = out.append(shstrtab, 1)
    sections.append(_Section(".shstrtab", SHT_STRTAB, 0, 0, shstrtab_offset, len(shstrtab)))
    headers = b"".join(
        struct.pack(
            "<IIQQQQIIQQ",
            name,
            s.sh_type,
            s.flags,
            s.addr,
            s.offset,
            s.size,
            s.link,
            s.info,
            s.align,
            s.entsize,
        )
        for name, s in zip(name_offsets, sections, strict=True)
    )
    shoff = out.append(headers, 8)
    out.data[:ELF_HEADER_SIZE] = _elf_header(
        image.entry_vaddr, phnum, shoff, len(sections), len(sections) - 1
    )
    program_headers = _program_headers(image, dynamic)
    out.data[ELF_HEADER_SIZE : ELF_HEADER_SIZE + len(program_headers)] = program_headers
    return bytes(out.data)
