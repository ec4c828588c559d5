"""Instruction-set and ELF constants for BPF objects and SBPF v0 programs.

Kept in one place so the linker's rules can be read against the loader's:
the opcode allow-list below is the set solana-sbpf's ``RequisiteVerifier``
accepts for SBPF v0, so anything LLVM emits outside it is refused at link time
instead of at deploy time (or, worse, silently misexecuted).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Final

INSN_SIZE: Final = 8
"""Bytes per BPF instruction slot (``lddw`` takes two)."""

MM_PROGRAM_START: Final = 0x1_0000_0000
"""Runtime address of ELF virtual address 0: v0 maps .text and .rodata in region 1."""

EM_BPF: Final = 247
ELF_HEADER_SIZE: Final = 64
PROGRAM_HEADER_SIZE: Final = 56
SECTION_HEADER_SIZE: Final = 64
SYMBOL_SIZE: Final = 24
REL_SIZE: Final = 16
DYN_SIZE: Final = 16

# Instruction classes (low three bits of the opcode).
CLASS_LD: Final = 0x00
CLASS_LDX: Final = 0x01
CLASS_ST: Final = 0x02
CLASS_STX: Final = 0x03
CLASS_ALU32: Final = 0x04
CLASS_JMP: Final = 0x05
CLASS_JMP32: Final = 0x06
CLASS_ALU64: Final = 0x07

OP_LDDW: Final = 0x18
OP_CALL: Final = 0x85
OP_CALLX: Final = 0x8D
OP_EXIT: Final = 0x95
OP_ATOMIC_W: Final = 0xC3
OP_ATOMIC_DW: Final = 0xDB

CALL_IMM_SYSCALL: Final = -1
"""In v0 a ``call`` whose imm is -1 is a syscall placeholder; any other imm is pc-relative."""

MAX_CALLX_REGISTER: Final = 9
"""v0's verifier accepts ``callx`` through r0..r9 only."""


class RelocType(enum.IntEnum):
    """BPF relocation types (LLVM's names; readelf < 15 prints older aliases)."""

    R_BPF_NONE = 0
    R_BPF_64_64 = 1
    R_BPF_64_ABS64 = 2
    R_BPF_64_ABS32 = 3
    R_BPF_64_NODYLD32 = 4
    R_BPF_64_RELATIVE = 8
    R_BPF_64_32 = 10


def reloc_name(reloc_type: int) -> str:
    """Human-readable name of a relocation type, including unknown ones."""
    try:
        return RelocType(reloc_type).name
    except ValueError:
        return f"relocation type {reloc_type}"


def _alu_opcodes(cls: int) -> frozenset[int]:
    ops = (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xA0, 0xB0, 0xC0)
    both = {op | src | cls for op in ops for src in (0x00, 0x08)}
    both.add(0x80 | cls)  # neg has no register form
    return frozenset(both)


_JMP_OPS: Final = (0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xA0, 0xB0, 0xC0, 0xD0)

V0_OPCODES: Final[frozenset[int]] = frozenset(
    {OP_LDDW}
    | {0x61, 0x69, 0x71, 0x79}  # ldx{w,h,b,dw}
    | {0x62, 0x6A, 0x72, 0x7A}  # st{w,h,b,dw} imm
    | {0x63, 0x6B, 0x73, 0x7B}  # stx{w,h,b,dw}
    | _alu_opcodes(CLASS_ALU32)
    | {0xD4, 0xDC}  # le, be
    | _alu_opcodes(CLASS_ALU64)
    | {0x05}  # ja
    | {op | src | CLASS_JMP for op in _JMP_OPS for src in (0x00, 0x08)}
    | {OP_CALL, OP_CALLX, OP_EXIT}
)
"""Opcodes the SBPF v0 verifier accepts (no JMP32, PQR, atomics, v4 extensions)."""


@dataclass(frozen=True)
class Insn:
    """One decoded 8-byte instruction slot."""

    opcode: int
    dst: int
    src: int
    off: int
    imm: int

    @property
    def cls(self) -> int:
        """Instruction class (low three bits of the opcode)."""
        return self.opcode & 0x07


_INSN: Final = struct.Struct("<BBhi")


def decode_insn(buf: bytes | bytearray, byte_offset: int) -> Insn:
    """Decode the instruction slot starting at ``byte_offset``."""
    opcode, regs, off, imm = _INSN.unpack_from(buf, byte_offset)
    return Insn(opcode=opcode, dst=regs & 0x0F, src=regs >> 4, off=off, imm=imm)
