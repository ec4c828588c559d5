"""The global symbol table: which input defines each external name, and where it landed.

Symbol resolution follows the usual static-linking rules (one strong
definition per name, a strong definition overrides weak ones) so that
multi-file C programs behave as their authors expect; tentative definitions
(``-fcommon``) are mutable globals and refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .elf_layout import ElfLayout, OutputKind
from .objfile import InputSymbol, ObjectFile, SymbolBinding, SymbolType
from .toolchain_errors import CommonSymbolError, DuplicateSymbolError, Location


@dataclass(frozen=True)
class Address:
    """A position in the output: block plus byte offset within that block."""

    kind: OutputKind
    offset: int


@dataclass(frozen=True)
class Definition:
    """The winning definition of a global name."""

    name: str
    address: Address
    is_function: bool
    weak: bool
    size: int
    file: str
    section: str


@dataclass(frozen=True)
class SymbolTable:
    """Global definitions by name."""

    definitions: Mapping[str, Definition]

    def lookup(self, name: str) -> Definition | None:
        """The definition of ``name``, if any input provides one."""
        return self.definitions.get(name)

    def functions(self) -> tuple[Definition, ...]:
        """Global functions in .text, ordered by address then name (stable output)."""
        return tuple(
            sorted(
                (
                    d
                    for d in self.definitions.values()
                    if d.is_function and d.address.kind is OutputKind.TEXT
                ),
                key=lambda d: (d.address.offset, d.name),
            )
        )

    def data_objects(self) -> tuple[Definition, ...]:
        """Global named objects in .rodata, ordered by address then name."""
        return tuple(
            sorted(
                (
                    d
                    for d in self.definitions.values()
                    if not d.is_function and d.address.kind is OutputKind.RODATA
                ),
                key=lambda d: (d.address.offset, d.name),
            )
        )


def local_address(layout: ElfLayout, obj_index: int, symbol: InputSymbol) -> Address | None:
    """Address of a symbol defined in a loaded section of its own object, else None."""
    placed = layout.placement(obj_index, symbol.shndx)
    if placed is None:
        return None
    return Address(placed.kind, placed.offset + symbol.value)


def _check_common(obj: ObjectFile) -> None:
    for symbol in obj.symbols:
        if symbol.is_common:
            raise CommonSymbolError(
                f"tentative definition of {symbol.size} bytes (compiled with -fcommon): a mutable "
                "global, which SBPF v0 cannot map; make it const or initialise it",
                Location(file=obj.name, section="COMMON", symbol=symbol.name),
            )


def _definition(
    layout: ElfLayout, obj_index: int, obj: ObjectFile, symbol: InputSymbol
) -> Definition | None:
    address = local_address(layout, obj_index, symbol)
    if address is None:
        return None
    return Definition(
        name=symbol.name,
        address=address,
        is_function=symbol.sym_type is SymbolType.FUNC
        or (symbol.sym_type is SymbolType.NOTYPE and address.kind is OutputKind.TEXT),
        weak=symbol.binding is SymbolBinding.WEAK,
        size=symbol.size,
        file=obj.name,
        section=obj.section_name(symbol.shndx),
    )


def build_symbol_table(objects: tuple[ObjectFile, ...], layout: ElfLayout) -> SymbolTable:
    """Collect global definitions; refuse common symbols and duplicate strong definitions."""
    table: dict[str, Definition] = {}
    for obj_index, obj in enumerate(objects):
        _check_common(obj)
        for symbol in obj.symbols:
            if symbol.binding is SymbolBinding.LOCAL or symbol.is_undefined or not symbol.name:
                continue
            candidate = _definition(layout, obj_index, obj, symbol)
            if candidate is None:
                continue
            current = table.get(symbol.name)
            if current is None or (current.weak and not candidate.weak):
                table[symbol.name] = candidate
            elif not current.weak and not candidate.weak:
                raise DuplicateSymbolError(
                    f"duplicate definition of global symbol (first defined in {current.file}, "
                    f"section {current.section})",
                    Location(file=obj.name, section=candidate.section, symbol=symbol.name),
                    other_file=current.file,
                )
    return SymbolTable(MappingProxyType(dict(sorted(table.items()))))
