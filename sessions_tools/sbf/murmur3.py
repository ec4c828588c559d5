"""MurmurHash3 (x86, 32-bit) as used by the SBPF loader.

The SBPF v0 loader identifies syscalls (and its own internal function keys) by
``murmur3_32(name, seed=0)``.  The linker never has to put these hashes into the
program -- v0 resolves syscalls through dynamic relocations by *name* -- but the
hash is what the runtime registry is keyed by, so tests and diagnostics use it
to show which key a name will resolve to (e.g. ``sol_log_`` -> ``0x207559bd``).
"""

from __future__ import annotations

_MASK32 = 0xFFFF_FFFF
_C1 = 0xCC9E_2D51
_C2 = 0x1B87_3593


def _rotl32(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _MASK32


def _scramble(block: int) -> int:
    block = (block * _C1) & _MASK32
    block = _rotl32(block, 15)
    return (block * _C2) & _MASK32


def _finalize(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EB_CA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2_AE35) & _MASK32
    h ^= h >> 16
    return h


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """Return the 32-bit MurmurHash3 of ``data`` (little-endian blocks).

    ``seed`` must fit in 32 bits; the loader always uses 0.
    """
    if not 0 <= seed <= _MASK32:
        raise ValueError(f"seed must be a 32-bit unsigned integer, got {seed}")
    length = len(data)
    body_end = length - length % 4
    h = seed
    for start in range(0, body_end, 4):
        h ^= _scramble(int.from_bytes(data[start : start + 4], "little"))
        h = _rotl32(h, 13)
        h = (h * 5 + 0xE654_6B64) & _MASK32
    tail = data[body_end:]
    if tail:
        h ^= _scramble(int.from_bytes(tail, "little"))
    h ^= length
    return _finalize(h)


def syscall_hash(name: str) -> int:
    """The registry key the SBPF runtime derives from a syscall name."""
    return murmur3_32(name.encode("ascii"))
