"""Program-derived addresses as the runtime's ``create_program_address`` computes them, for
the checks that prove one on every creation and every close (``verify_session_address``,
``verify_session_signer``).

The address is ``sha256(seeds || program_id || "ProgramDerivedAddress")``, refused when the
digest is the encoding of an Ed25519 point. solders answers that with curve25519-dalek's
point decompression, a square root in GF(2^255 - 19) (4 us, most of a close's time in the
model). Decompression accepts exactly the encodings whose y (the low 255 bits, reduced mod
p) makes ``(y^2 - 1) / (d*y^2 + 1)`` a square or zero (the denominator never vanishes:
``-1/d`` is not a square), which the Legendre symbol of the product decides: one GMP
Jacobi symbol (gmpy2), the same answer in a third of the time. Nothing is remembered
between calls; a test holds :func:`is_on_curve` equal to solders' on random and edge
encodings and :func:`create_program_address` equal to solders' on random seeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Final, cast

from solders.pubkey import Pubkey

try:
    import gmpy2  # type: ignore[import-untyped]  # gmpy2 ships no type information
except ImportError as missing:  # the library alone (base dependencies) has no simulator
    raise ImportError(
        "the simulator needs gmpy2 for its PDA proofs: "
        "pip install 'solana-sessions[simulator]' (or the tools extra)"
    ) from missing

#: The runtime's marker hashed after the seeds and the program id.
PDA_MARKER: Final = b"ProgramDerivedAddress"
#: The runtime's limits on the seeds (``MAX_SEEDS``, ``MAX_SEED_LEN``), bump included.
MAX_SEEDS: Final = 16
MAX_SEED_LEN: Final = 32

_FIELD_PRIME: Final = 2**255 - 19
#: Edwards25519's d = -121665 / 121666 (mod p).
_EDWARDS_D: Final = -121665 * pow(121666, -1, _FIELD_PRIME) % _FIELD_PRIME
#: The bits of an encoding that hold y (the top bit is x's sign).
_Y_BITS: Final = (1 << 255) - 1

_mpz: Final = cast(Callable[[int], int], gmpy2.mpz)
_jacobi: Final = cast(Callable[[int, int], int], gmpy2.jacobi)
_P: Final = _mpz(_FIELD_PRIME)
_D: Final = _mpz(_EDWARDS_D)
_sha256: Final = hashlib.sha256


def is_on_curve(encoded: bytes) -> bool:
    """Whether the 32 bytes ``encoded`` decompress to an Ed25519 point (solders'
    ``Pubkey.is_on_curve``). GMP reduces the unreduced product itself."""
    y = _mpz(int.from_bytes(encoded, "little") & _Y_BITS)
    yy = y * y
    return _jacobi((yy - 1) * (_D * yy + 1), _P) >= 0


def seeds_within_limits(seeds: Sequence[bytes]) -> bool:
    """The runtime's limits: at most ``MAX_SEEDS`` seeds of at most ``MAX_SEED_LEN`` bytes."""
    return len(seeds) <= MAX_SEEDS and max(map(len, seeds), default=0) <= MAX_SEED_LEN


def program_address(joined_seeds: bytes, program_id: Pubkey) -> Pubkey | None:
    """The address of seeds already joined (by a caller whose seeds are within the limits:
    fixed-size ones, see :func:`seeds_within_limits`) under ``program_id``; None when the
    digest is on the curve."""
    digest = _sha256(joined_seeds + bytes(program_id) + PDA_MARKER).digest()
    return None if is_on_curve(digest) else Pubkey.from_bytes(digest)


def create_program_address(seeds: Sequence[bytes], program_id: Pubkey) -> Pubkey | None:
    """The address ``seeds`` derive under ``program_id``; None when the digest is on the
    curve (where solders raises). Seeds past the runtime's limits are a ``ValueError``,
    as solders refuses them."""
    if not seeds_within_limits(seeds):
        raise ValueError("seeds exceed the runtime's limits")
    return program_address(b"".join(seeds), program_id)
