"""Helpers for the toolchain tests: cached fixture objects, an SVM runner, ELF inspection.

Inspection deliberately uses pyelftools rather than the linker's own reader, so
the tests check the output independently of the code under test.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_tools.sbf import (
    DEFAULT_OPTIONS,
    KNOWN_SYSCALLS,
    CompilerOptions,
    LinkResult,
    compile_c,
    link,
)

C_DIR = Path(__file__).resolve().parent / "c"
MM_PROGRAM_START = 0x1_0000_0000
FUNCTION_SECTIONS = CompilerOptions(function_sections=True)


class FixtureObjects:
    """Compiles C fixtures under tests/toolchain/c on demand, once per (file, options)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._cache: dict[tuple[str, CompilerOptions], Path] = {}

    def path(self, name: str, options: CompilerOptions = DEFAULT_OPTIONS) -> Path:
        """Object file for ``c/<name>`` compiled with ``options``."""
        key = (name, options)
        if key not in self._cache:
            out = self.workdir / f"{len(self._cache):03d}-{Path(name).stem}.o"
            compile_c(C_DIR / name, out, include_dirs=[C_DIR], options=options)
            self._cache[key] = out
        return self._cache[key]

    def data(self, name: str, options: CompilerOptions = DEFAULT_OPTIONS) -> bytes:
        """Bytes of the object for ``c/<name>``."""
        return self.path(name, options).read_bytes()

    def link(
        self,
        *names: str,
        options: CompilerOptions = DEFAULT_OPTIONS,
        entry: str = "entrypoint",
        syscalls: frozenset[str] = KNOWN_SYSCALLS,
    ) -> LinkResult:
        """Link the named fixtures (in order) into a program."""
        return link([self.path(n, options) for n in names], entry, syscalls=syscalls)


@dataclass(frozen=True)
class Run:
    """Outcome of one program invocation."""

    ok: bool
    return_data: bytes
    logs: list[str]
    compute_units: int
    error: str | None = None


@dataclass
class ProgramRunner:
    """A LiteSVM instance with a funded payer, for invoking programs without accounts."""

    svm: LiteSVM = field(default_factory=LiteSVM)
    payer: Keypair = field(default_factory=Keypair)

    def __post_init__(self) -> None:
        self.svm.airdrop(self.payer.pubkey(), 1_000 * 10**9)

    def load(self, so: bytes) -> Pubkey:
        """Install a program with add_program under a fresh id."""
        program_id = Pubkey.new_unique()
        self.svm.add_program(program_id, so)
        return program_id

    def invoke(self, program_id: Pubkey, data: bytes = b"") -> Run:
        """Send one instruction with ``data`` and no accounts."""
        message = Message(
            [set_compute_unit_limit(1_400_000), Instruction(program_id, data, [])],
            self.payer.pubkey(),
        )
        tx = Transaction([self.payer], message, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()
        if isinstance(result, TransactionMetadata):
            return Run(
                True,
                bytes(result.return_data().data),
                list(result.logs()),
                result.compute_units_consumed(),
            )
        meta = result.meta()
        return Run(
            False,
            bytes(meta.return_data().data),
            list(meta.logs()),
            meta.compute_units_consumed(),
            str(result.err()),
        )

    def returns_u64(self, program_id: Pubkey, data: bytes = b"") -> int:
        """Invoke and decode the 8-byte return data; fails the test if the call failed."""
        run = self.invoke(program_id, data)
        assert run.ok, (run.error, run.logs)
        assert len(run.return_data) == 8, run
        return int.from_bytes(run.return_data, "little")


def elf(so: bytes) -> ELFFile:
    """Parse a linked program."""
    return ELFFile(io.BytesIO(so))


def section_bytes(so: bytes, name: str) -> tuple[int, bytes]:
    """(vaddr, bytes) of an output section."""
    sec = elf(so).get_section_by_name(name)
    assert sec is not None, f"no {name} section"
    return int(sec["sh_addr"]), bytes(sec.data())


def symbol_vaddr(so: bytes, name: str) -> int:
    """Address of a global symbol from the output .symtab."""
    symtab = elf(so).get_section_by_name(".symtab")
    found = symtab.get_symbol_by_name(name)
    assert found, f"{name} not in .symtab"
    return int(found[0]["st_value"])


@dataclass(frozen=True)
class Slot:
    """One decoded instruction slot of the output .text."""

    index: int
    opcode: int
    dst: int
    src: int
    off: int
    imm: int


def text_slots(so: bytes) -> list[Slot]:
    """Every 8-byte slot of .text (lddw's second slot included, opcode 0)."""
    _, text = section_bytes(so, ".text")
    slots = []
    for index in range(len(text) // 8):
        opcode, regs, off, imm = struct.unpack_from("<BBhi", text, index * 8)
        slots.append(Slot(index, opcode, regs & 0xF, regs >> 4, off, imm))
    return slots


def lddw_values(so: bytes) -> Iterator[tuple[int, int]]:
    """(slot index, 64-bit immediate) of every lddw in .text."""
    slots = text_slots(so)
    index = 0
    while index < len(slots):
        if slots[index].opcode == 0x18:
            low = slots[index].imm & 0xFFFF_FFFF
            high = slots[index + 1].imm & 0xFFFF_FFFF
            yield index, (high << 32) | low
            index += 2
        else:
            index += 1


def input_relocations(obj: bytes, section: str) -> list[tuple[int, int, str]]:
    """(offset, type, symbol name) of the relocations patching ``section`` of an object."""
    parsed = ELFFile(io.BytesIO(obj))
    rel = parsed.get_section_by_name(".rel" + section)
    if rel is None:
        return []
    symtab = parsed.get_section(rel["sh_link"])
    out = []
    for entry in rel.iter_relocations():
        sym = symtab.get_symbol(entry["r_info_sym"])
        name = sym.name or parsed.get_section(sym["st_shndx"]).name
        out.append((int(entry["r_offset"]), int(entry["r_info_type"]), name))
    return out


def exec_sections(obj: bytes) -> list[tuple[str, int]]:
    """(name, sh_addralign) of an object's code sections, in section-index order."""
    parsed = ELFFile(io.BytesIO(obj))
    return [
        (sec.name, int(sec["sh_addralign"]))
        for sec in parsed.iter_sections()
        if int(sec["sh_flags"]) & 0x6 == 0x6  # SHF_ALLOC | SHF_EXECINSTR
    ]


def expected_text_placement(objs: list[bytes]) -> dict[tuple[int, str], int]:
    """Where each input code section should start in the output .text.

    The documented layout rule, restated independently: code sections in input
    order, then section order, each aligned to max(8, its alignment).
    """
    placement: dict[tuple[int, str], int] = {}
    cursor = 0
    for position, obj in enumerate(objs):
        for name, align in exec_sections(obj):
            alignment = max(8, align)
            cursor = (cursor + alignment - 1) // alignment * alignment
            placement[(position, name)] = cursor
            parsed = ELFFile(io.BytesIO(obj))
            cursor += int(parsed.get_section_by_name(name)["sh_size"])
    return placement


def object_slot(obj: bytes, section: str, offset: int) -> Slot:
    """Decode the instruction at ``offset`` of an object's section (before linking)."""
    data = ELFFile(io.BytesIO(obj)).get_section_by_name(section).data()
    opcode, regs, off, imm = struct.unpack_from("<BBhi", data, offset)
    return Slot(offset // 8, opcode, regs & 0xF, regs >> 4, off, imm)


def patch_relocation_type(obj: bytes, rel_section: str, entry: int, new_type: int) -> bytes:
    """Rewrite the type of one Elf64_Rel entry, to feed the linker relocations clang never emits."""
    sec = ELFFile(io.BytesIO(obj)).get_section_by_name(rel_section)
    at = int(sec["sh_offset"]) + 16 * entry + 8
    (info,) = struct.unpack_from("<Q", obj, at)
    patched = bytearray(obj)
    struct.pack_into("<Q", patched, at, (info & ~0xFFFF_FFFF) | new_type)
    return bytes(patched)


def dynamic_imports(so: bytes) -> list[tuple[int, int, str]]:
    """(r_offset, type, dynsym name) of every .rel.dyn entry."""
    parsed = elf(so)
    rel = parsed.get_section_by_name(".rel.dyn")
    if rel is None:
        return []
    dynsym = parsed.get_section_by_name(".dynsym")
    return [
        (
            int(e["r_offset"]),
            int(e["r_info_type"]),
            dynsym.get_symbol(e["r_info_sym"]).name,
        )
        for e in rel.iter_relocations()
    ]


def patch_section_flags(obj: bytes, section: str, flags: int) -> bytes:
    """Rewrite one section header's sh_flags (e.g. to make a section writable)."""
    parsed = ELFFile(io.BytesIO(obj))
    index = next(i for i, s in enumerate(parsed.iter_sections()) if s.name == section)
    at = int(parsed["e_shoff"]) + index * int(parsed["e_shentsize"]) + 8
    patched = bytearray(obj)
    struct.pack_into("<Q", patched, at, flags)
    return bytes(patched)
