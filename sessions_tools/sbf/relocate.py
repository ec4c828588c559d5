"""Relocation: patching merged .text/.rodata with final addresses.

SBPF v0 needs almost nothing resolved at load time, so the linker resolves
statically whatever it can: ``lddw`` of data or code addresses and 8-byte
pointers in constant tables become ``MM_PROGRAM_START + vaddr`` (the runtime
address, because v0 maps ELF vaddr 0 at 0x1_0000_0000), and internal calls
become pc-relative instruction deltas that the loader turns into its own
function keys.  Only syscalls stay dynamic: ``call -1`` plus an
``R_BPF_64_32`` entry in ``.rel.dyn`` naming the syscall.
"""

from __future__ import annotations

import difflib
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from .bpf import (
    CALL_IMM_SYSCALL,
    INSN_SIZE,
    MM_PROGRAM_START,
    OP_CALL,
    OP_LDDW,
    RelocType,
    decode_insn,
    reloc_name,
)
from .elf_layout import ElfLayout, OutputKind, Placement
from .objfile import SHN_ABS, InputRelocation, InputSymbol, ObjectFile, SymbolType
from .symbols import Address, SymbolTable, local_address
from .syscalls import UNAVAILABLE_SYSCALLS
from .toolchain_errors import (
    InvalidObjectError,
    Location,
    RefusedInstructionError,
    UnknownSyscallError,
    UnresolvedSymbolError,
    UnsupportedRelocationError,
)

_U32 = 0xFFFF_FFFF
_U64 = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class OutputAddresses:
    """File offsets of the output blocks; v0 requires sh_addr == sh_offset, so also vaddrs."""

    text_offset: int
    rodata_offset: int

    def vaddr(self, address: Address) -> int:
        """ELF virtual address of a position in the output."""
        base = self.text_offset if address.kind is OutputKind.TEXT else self.rodata_offset
        return base + address.offset


@dataclass(frozen=True)
class SyscallSite:
    """A ``call -1`` in the output .text that the loader must bind to a syscall."""

    name: str
    text_offset: int


@dataclass(frozen=True)
class Relocated:
    """.text and .rodata with every static relocation applied."""

    text: bytes
    rodata: bytes
    syscall_sites: tuple[SyscallSite, ...]


@dataclass(frozen=True)
class _Site:
    """One relocation with everything needed to apply it or to explain a refusal."""

    obj_index: int
    obj: ObjectFile
    placement: Placement
    reloc: InputRelocation
    symbol: InputSymbol

    @property
    def out_offset(self) -> int:
        return self.placement.offset + self.reloc.offset

    @property
    def symbol_name(self) -> str:
        if self.symbol.sym_type is SymbolType.SECTION:
            return self.obj.section_name(self.symbol.shndx)
        return self.symbol.name

    def location(self) -> Location:
        in_text = self.placement.kind is OutputKind.TEXT
        return Location(
            file=self.obj.name,
            section=self.placement.section,
            symbol=self.symbol_name or None,
            insn_index=self.reloc.offset // INSN_SIZE if in_text else None,
            offset=None if in_text else self.reloc.offset,
        )

    def unsupported(self, reason: str) -> UnsupportedRelocationError:
        return UnsupportedRelocationError(
            f"{reloc_name(self.reloc.reloc_type)}: {reason}", self.location(), self.reloc.reloc_type
        )


def _sites(objects: tuple[ObjectFile, ...], layout: ElfLayout) -> Iterator[_Site]:
    """Every relocation that patches a loaded section, in deterministic input order."""
    for obj_index, obj in enumerate(objects):
        for table in obj.relocation_tables:
            placement = layout.placement(obj_index, table.target_index)
            if placement is None:
                continue  # patches debug info or another section that is not loaded
            for reloc in table.relocations:
                if not 0 <= reloc.symbol_index < len(obj.symbols):
                    raise InvalidObjectError(
                        f"relocation refers to symbol index {reloc.symbol_index} out of range",
                        Location(file=obj.name, section=table.name, offset=reloc.offset),
                    )
                yield _Site(obj_index, obj, placement, reloc, obj.symbols[reloc.symbol_index])


def _resolve(site: _Site, layout: ElfLayout, symbols: SymbolTable) -> Address | None:
    """Address of the relocation's symbol, or None if no input defines it."""
    symbol = site.symbol
    if symbol.shndx == SHN_ABS:
        raise site.unsupported("absolute symbols have no place in an SBPF program")
    if not symbol.is_undefined:
        address = local_address(layout, site.obj_index, symbol)
        if address is None:
            raise site.unsupported(
                f"refers into section {site.obj.section_name(symbol.shndx)}, which is not loaded"
            )
        return address
    definition = symbols.lookup(symbol.name)
    return None if definition is None else definition.address


def _unknown_syscall(site: _Site, known: frozenset[str]) -> UnknownSyscallError:
    name = site.symbol.name
    if name in UNAVAILABLE_SYSCALLS:
        reason = (
            f"undefined function {name!r} is a syscall this runtime will not bind for a new "
            f"deployment: {UNAVAILABLE_SYSCALLS[name]}"
        )
        suggestions: tuple[str, ...] = ()
    else:
        reason = (
            f"undefined function {name!r} is neither defined by any input nor a known syscall "
            "(the real loader would refuse the program as 'Unresolved symbol')"
        )
        suggestions = tuple(difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.75))
    return UnknownSyscallError(reason, site.location(), suggestions)


def collect_syscalls(
    objects: tuple[ObjectFile, ...], layout: ElfLayout, symbols: SymbolTable, known: frozenset[str]
) -> tuple[str, ...]:
    """Names of the syscalls the program imports, in first-reference order.

    Done before addresses are assigned because the output's header size (and
    so every address) depends on whether a dynamic section is needed.
    """
    names: dict[str, None] = {}
    for site in _sites(objects, layout):
        if site.reloc.reloc_type != RelocType.R_BPF_64_32:
            continue
        if _resolve(site, layout, symbols) is not None:
            continue
        if site.symbol.name not in known:
            raise _unknown_syscall(site, known)
        names.setdefault(site.symbol.name, None)
    return tuple(names)


class _Patcher:
    """Applies relocations to mutable copies of the merged blocks."""

    def __init__(self, layout: ElfLayout, symbols: SymbolTable, addresses: OutputAddresses) -> None:
        self.layout = layout
        self.symbols = symbols
        self.addresses = addresses
        self.text = bytearray(layout.text)
        self.rodata = bytearray(layout.rodata)
        self.syscall_sites: list[SyscallSite] = []

    def apply(self, site: _Site) -> None:
        kind = site.reloc.reloc_type
        if kind in (RelocType.R_BPF_NONE, RelocType.R_BPF_64_NODYLD32):
            return  # NODYLD32 only ever describes debug data; nothing to load
        if kind == RelocType.R_BPF_64_32:
            self._call(site)
        elif kind == RelocType.R_BPF_64_64:
            self._lddw(site)
        elif kind == RelocType.R_BPF_64_ABS64:
            self._abs(site, width=8)
        elif kind == RelocType.R_BPF_64_ABS32:
            self._abs(site, width=4)
        else:
            raise site.unsupported("not produced for SBPF v0 programs by this linker")

    def _require(self, site: _Site, kind: OutputKind, width: int, what: str) -> None:
        if site.placement.kind is not kind:
            raise site.unsupported(f"{what} is only valid in {kind.value}")
        if site.reloc.offset + width > site.placement.size:
            raise site.unsupported("patch extends past the end of the section")

    def _data_target(self, site: _Site) -> int:
        address = _resolve(site, self.layout, self.symbols)
        if address is None:
            raise UnresolvedSymbolError(
                "undefined data symbol: no input defines it and SBPF v0 programs cannot import "
                "data at load time",
                site.location(),
            )
        return self.addresses.vaddr(address)

    def _lddw(self, site: _Site) -> None:
        self._require(site, OutputKind.TEXT, 2 * INSN_SIZE, "an lddw relocation")
        at = site.out_offset
        if self.text[at] != OP_LDDW:
            raise site.unsupported(f"patches opcode {self.text[at]:#04x}, not lddw")
        (addend,) = struct.unpack_from("<i", self.text, at + 4)
        value = (MM_PROGRAM_START + self._data_target(site) + addend) & _U64
        struct.pack_into("<I", self.text, at + 4, value & _U32)
        struct.pack_into("<I", self.text, at + INSN_SIZE + 4, value >> 32)

    def _abs(self, site: _Site, width: int) -> None:
        self._require(site, OutputKind.RODATA, width, f"a {width * 8}-bit data relocation")
        block, at = self.rodata, site.out_offset
        if width == 8:
            (addend,) = struct.unpack_from("<q", block, at)
            # Pointer in a constant table: the runtime address, resolved now.
            struct.pack_into(
                "<Q", block, at, (MM_PROGRAM_START + self._data_target(site) + addend) & _U64
            )
            return
        (addend32,) = struct.unpack_from("<i", block, at)
        value = self._data_target(site) + addend32
        if not 0 <= value <= _U32:
            raise site.unsupported(f"value {value:#x} does not fit in 32 bits")
        # 32 bits cannot hold a region-1 address, so this is the ELF virtual address.
        struct.pack_into("<I", block, at, value)

    def _call(self, site: _Site) -> None:
        self._require(site, OutputKind.TEXT, INSN_SIZE, "a call relocation")
        at = site.out_offset
        insn = decode_insn(self.text, at)
        if insn.opcode != OP_CALL:
            raise site.unsupported(f"patches opcode {insn.opcode:#04x}, not call")
        address = _resolve(site, self.layout, self.symbols)
        if address is None:
            self._write_call(at, CALL_IMM_SYSCALL)
            self.syscall_sites.append(SyscallSite(site.symbol.name, at))
            return
        if address.kind is not OutputKind.TEXT:
            raise site.unsupported("call target is data, not code")
        # REL addend convention for BPF calls: imm holds (addend / 8) - 1.
        target = address.offset + (insn.imm + 1) * INSN_SIZE
        delta = (target - (at + INSN_SIZE)) // INSN_SIZE
        if target % INSN_SIZE or not 0 <= target < len(self.text):
            raise site.unsupported(f"call target {target:#x} is not an instruction in .text")
        if delta == CALL_IMM_SYSCALL:
            raise RefusedInstructionError(
                "a call to the instruction itself would read as a syscall (imm -1) in SBPF v0",
                site.location(),
                insn.opcode,
            )
        self._write_call(at, delta)

    def _write_call(self, at: int, imm: int) -> None:
        self.text[at + 1] = 0  # v0 has no src=1 "pseudo call" marker; keep the encoding canonical
        struct.pack_into("<i", self.text, at + 4, imm)


def apply_relocations(
    objects: tuple[ObjectFile, ...],
    layout: ElfLayout,
    symbols: SymbolTable,
    addresses: OutputAddresses,
) -> Relocated:
    """Apply every relocation of every loaded section; syscalls become ``call -1`` sites."""
    patcher = _Patcher(layout, symbols, addresses)
    for site in _sites(objects, layout):
        patcher.apply(site)
    return Relocated(
        text=bytes(patcher.text),
        rodata=bytes(patcher.rodata),
        syscall_sites=tuple(patcher.syscall_sites),
    )
