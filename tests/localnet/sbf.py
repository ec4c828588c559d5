"""A hand-assembled SBF program, so the localnet tests need no compiler.

The program reads its instruction data: empty or ``[0]`` returns success,
``[n]`` returns ``Custom(n)``. It is an ELF with just a ``.text`` section
(SBPF v0, no relocations, no syscalls), which LiteSVM's loader accepts.
"""

from __future__ import annotations

import struct
from pathlib import Path

# (opcode, dst | src << 4, offset, immediate)
_PROGRAM = (
    (0x79, 0x12, 8, 0),  # ldxdw r2, [r1 + 8]   ; instruction data length (no accounts)
    (0x15, 0x02, 2, 0),  # jeq r2, 0, +2        ; no data -> success
    (0x71, 0x10, 16, 0),  # ldxb r0, [r1 + 16]  ; first data byte is the return code
    (0x95, 0x00, 0, 0),  # exit
    (0xB7, 0x00, 0, 0),  # mov64 r0, 0
    (0x95, 0x00, 0, 0),  # exit
)
_EM_BPF = 247
_ET_DYN = 3


def program_elf() -> bytes:
    """The ELF bytes."""
    text = b"".join(struct.pack("<BBhi", *insn) for insn in _PROGRAM)
    names = b"\x00.text\x00.shstrtab\x00"
    text_offset = 64
    names_offset = text_offset + len(text)
    headers_offset = (names_offset + len(names) + 7) & ~7
    ident = b"\x7fELF" + bytes([2, 1, 1, 0, 0]) + bytes(7)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        _ET_DYN,
        _EM_BPF,
        1,
        text_offset,
        0,
        headers_offset,
        0,
        64,
        56,
        0,
        64,
        3,
        2,
    )

    def section(fields: tuple[int, int, int, int, int, int]) -> bytes:
        name, kind, flags, addr, offset, size = fields
        return struct.pack("<IIQQQQIIQQ", name, kind, flags, addr, offset, size, 0, 0, 8, 0)

    sections = (
        section((0, 0, 0, 0, 0, 0))
        + section((1, 1, 0x6, text_offset, text_offset, len(text)))  # .text: ALLOC | EXECINSTR
        + section((7, 3, 0, 0, names_offset, len(names)))  # .shstrtab
    )
    body = header + text + names
    return body + bytes(headers_offset - len(body)) + sections


def write_program(path: Path) -> Path:
    """Write the ELF to ``path`` and return it."""
    path.write_bytes(program_elf())
    return path
