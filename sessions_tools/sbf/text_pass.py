"""Final pass over the linked .text: v0 re-encodings and refusals.

Upstream LLVM targets the Linux eBPF ISA, which has drifted from SBPF v0 in
ways that do not always fail loudly:

* ``callx``: LLVM puts the register in ``dst`` (or ``src``); v0 reads it from
  ``imm``.  Left alone, every indirect call would silently go through r0.
* JMP32 (``-mcpu=v3``) and atomics are unknown to the v0 verifier.
* v4 encodes signed division and sign-extending moves as the old opcodes with
  a nonzero ``off``; v0 ignores ``off`` and would execute the unsigned/plain
  operation -- silently wrong results.
* LLVM pads code inside a section (e.g. before an ``aligned(64)`` function)
  with the 64-bit word ``0x15000000``, whose opcode byte is 0: never executed,
  but the v0 verifier checks every slot and would reject the program.

So this pass rewrites ``callx``, turns LLVM's padding into ``ja +0``, clears
the ``src=1`` marker LLVM puts on pc-relative calls (v0 ignores it; a canonical
encoding keeps outputs comparable), and refuses anything outside the v0 opcode
set, naming the input file, section, function and instruction index.
"""

from __future__ import annotations

import struct
from typing import Final

from .bpf import (
    CLASS_ALU32,
    CLASS_ALU64,
    CLASS_JMP32,
    INSN_SIZE,
    MAX_CALLX_REGISTER,
    OP_ATOMIC_DW,
    OP_ATOMIC_W,
    OP_CALL,
    OP_CALLX,
    OP_LDDW,
    V0_OPCODES,
    Insn,
    decode_insn,
)
from .elf_layout import ElfLayout
from .objfile import ObjectFile, SymbolType
from .toolchain_errors import Location, RefusedInstructionError


def _where(objects: tuple[ObjectFile, ...], layout: ElfLayout, text_offset: int) -> Location:
    """Map an output .text offset back to input file, section, function and insn index."""
    origin = layout.text_origin(text_offset)
    in_section = text_offset - origin.offset
    obj = objects[origin.obj_index]
    function = next(
        (
            s.name
            for s in obj.symbols
            if s.shndx == origin.section_index
            and s.sym_type is SymbolType.FUNC
            and s.value <= in_section < s.value + max(s.size, 1)
        ),
        None,
    )
    return Location(
        file=origin.file,
        section=origin.section,
        symbol=function,
        insn_index=in_section // INSN_SIZE,
    )


_LLVM_BPF_NOP: Final = (0x1500_0000).to_bytes(8, "little")
"""The fill LLVM's BPF assembler writes between aligned code (opcode byte 0)."""

_JA_ZERO: Final = bytes([0x05, 0, 0, 0, 0, 0, 0, 0])
"""``ja +0``: a verifiable no-op."""


def _refusal(insn: Insn) -> str | None:
    """Why ``insn`` cannot run as intended on SBPF v0, or None if it can."""
    if insn.cls == CLASS_JMP32:
        return (
            "JMP32 instruction (emitted for -mcpu=v3 and later): SBPF v0 has no 32-bit "
            "jumps; compile with -mcpu=v2"
        )
    if insn.opcode in (OP_ATOMIC_W, OP_ATOMIC_DW):
        return (
            "atomic memory operation (__sync_*/__atomic_* builtins or C11 atomics): SBPF v0 "
            "has no atomics, and programs run single-threaded; use plain loads and stores"
        )
    if insn.opcode not in V0_OPCODES:
        return "opcode is not part of the SBPF v0 instruction set"
    if insn.cls in (CLASS_ALU32, CLASS_ALU64) and insn.off != 0:
        return (
            "ALU instruction with a nonzero offset (a -mcpu=v4 signed division/modulo or "
            "sign-extending move): SBPF v0 would execute the unsigned/plain form"
        )
    return None


def _callx_register(insn: Insn) -> int:
    """The register a ``callx`` calls through, whichever field the compiler used."""
    if insn.dst:
        return insn.dst
    if insn.src:
        return insn.src
    return insn.imm  # already in v0 form (or r0, where imm is 0 as well)


def finalize_text(text: bytes, objects: tuple[ObjectFile, ...], layout: ElfLayout) -> bytes:
    """Return .text with ``callx`` in v0 form, refusing instructions v0 cannot run."""
    out = bytearray(text)
    count = len(out) // INSN_SIZE
    index = 0
    while index < count:
        at = index * INSN_SIZE
        insn = decode_insn(out, at)
        if insn.opcode == OP_LDDW:
            if index + 1 >= count or out[at + INSN_SIZE] != 0:
                raise RefusedInstructionError(
                    "lddw without its second slot", _where(objects, layout, at), insn.opcode
                )
            index += 2
            continue
        if out[at : at + INSN_SIZE] == _LLVM_BPF_NOP:
            out[at : at + INSN_SIZE] = _JA_ZERO
            index += 1
            continue
        reason = _refusal(insn)
        if reason is not None:
            raise RefusedInstructionError(reason, _where(objects, layout, at), insn.opcode)
        if insn.opcode == OP_CALLX:
            register = _callx_register(insn)
            if not 0 <= register <= MAX_CALLX_REGISTER:
                raise RefusedInstructionError(
                    f"callx through r{register}: SBPF v0 allows r0..r{MAX_CALLX_REGISTER}",
                    _where(objects, layout, at),
                    insn.opcode,
                )
            out[at + 1] = 0
            struct.pack_into("<i", out, at + 4, register)
        elif insn.opcode == OP_CALL:
            out[at + 1] = insn.dst  # drop LLVM's src=1 "pseudo call" marker: v0 has none
        index += 1
    return bytes(out)
