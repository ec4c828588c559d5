"""Static linker: BPF relocatable objects (upstream LLVM) -> SBPF v0 shared object.

The official Solana platform-tools ship their own LLVM fork and linker, which
cannot be installed from package registries.  Upstream clang (via ``ziglang``)
compiles C to BPF objects just fine; what is missing is the last step, done
here in stages that each live in their own module:

1. :mod:`.objfile`      read the inputs into immutable records
2. :mod:`.layout`       merge code into one .text and constants into one .rodata
3. :mod:`.symbols`      resolve global names (duplicates, weak, common)
4. :mod:`.relocate`     pick syscall imports, assign addresses, apply relocations
5. :mod:`.instructions` re-encode ``callx`` for v0 and refuse what v0 cannot run
6. :mod:`.elfwrite`     emit the ET_DYN file the v0 loader accepts

The output is a pure function of the input bytes and their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .elf_layout import ElfLayout, OutputKind, lay_out
from .elfwrite import ElfImage, OutputSymbol, plan_addresses, write_elf
from .objfile import ObjectFile, load_objects, read_object
from .relocate import OutputAddresses, apply_relocations, collect_syscalls
from .symbols import SymbolTable, build_symbol_table
from .syscalls import KNOWN_SYSCALLS
from .text_pass import finalize_text
from .toolchain_errors import Location, MissingEntryError

LINKER_VERSION: Final = "1"
"""Bumped whenever the linker's output for the same inputs changes (invalidates build stamps)."""


@dataclass(frozen=True)
class LinkResult:
    """A linked program and the facts about it that callers and tests need."""

    so: bytes
    """The SBPF v0 ELF shared object, ready for ``add_program`` or deployment."""
    text_size: int
    """Bytes of code (instructions * 8)."""
    rodata_size: int
    """Bytes of constant data."""
    syscalls: tuple[str, ...]
    """Imported syscall names, in .dynsym order (first reference first)."""
    entry_offset: int
    """Byte offset of the entry function within .text (entry pc * 8)."""
    text_offset: int
    """File offset (== ELF vaddr) of .text."""
    rodata_offset: int
    """File offset (== ELF vaddr) of .rodata; meaningful only when rodata_size > 0."""


def _entry_offset(symbols: SymbolTable, entry: str, layout: ElfLayout) -> int:
    definition = symbols.lookup(entry)
    if definition is None:
        raise MissingEntryError(
            "entry symbol is not defined as a global by any input "
            "(is it static, misspelled, or in a file that was not linked?)",
            Location(symbol=entry),
        )
    if definition.address.kind is not OutputKind.TEXT:
        raise MissingEntryError(
            f"entry symbol is data in {definition.section}, not code",
            Location(file=definition.file, section=definition.section, symbol=entry),
        )
    if not layout.text:
        raise MissingEntryError("no code to link", Location(symbol=entry))
    return definition.address.offset


def _output_symbols(symbols: SymbolTable, addresses: OutputAddresses) -> tuple[OutputSymbol, ...]:
    defined = symbols.functions() + symbols.data_objects()
    return tuple(
        OutputSymbol(d.name, addresses.vaddr(d.address), d.size, d.is_function) for d in defined
    )


def link(
    objects: Sequence[bytes | Path],
    entry: str = "entrypoint",
    *,
    syscalls: frozenset[str] = KNOWN_SYSCALLS,
) -> LinkResult:
    """Link BPF objects into an SBPF v0 program.

    ``objects`` are object file paths or their bytes, linked in the given
    order.  ``syscalls`` is the set of names an undefined function may resolve
    to; the default is the runtime's deployable set, overridable for a newer
    runtime (or for tests that need to build a deliberately broken program).

    Raises a :class:`~.errors.LinkError` subclass naming the cause.
    """
    return _link(load_objects(tuple(objects)), entry, syscalls)


def link_named(
    objects: Sequence[tuple[str, bytes]],
    entry: str = "entrypoint",
    *,
    syscalls: frozenset[str] = KNOWN_SYSCALLS,
) -> LinkResult:
    """Like :func:`link` for in-memory objects, each with the name diagnostics should use.

    The build uses this so errors name the C source, not a temporary object file.
    """
    return _link(tuple(read_object(data, name) for name, data in objects), entry, syscalls)


def _link(inputs: tuple[ObjectFile, ...], entry: str, syscalls: frozenset[str]) -> LinkResult:
    layout = lay_out(inputs)
    symbols = build_symbol_table(inputs, layout)
    entry_offset = _entry_offset(symbols, entry, layout)
    imports = collect_syscalls(inputs, layout, symbols, syscalls)
    addresses = plan_addresses(
        len(layout.text), layout.text_align, len(layout.rodata), layout.rodata_align, bool(imports)
    )
    relocated = apply_relocations(inputs, layout, symbols, addresses)
    text = finalize_text(relocated.text, inputs, layout)
    image = ElfImage(
        text=text,
        rodata=relocated.rodata,
        addresses=addresses,
        entry_vaddr=addresses.text_offset + entry_offset,
        syscalls=imports,
        syscall_sites=relocated.syscall_sites,
        symbols=_output_symbols(symbols, addresses),
    )
    return LinkResult(
        so=write_elf(image),
        text_size=len(text),
        rodata_size=len(relocated.rodata),
        syscalls=imports,
        entry_offset=entry_offset,
        text_offset=addresses.text_offset,
        rodata_offset=addresses.rodata_offset,
    )
