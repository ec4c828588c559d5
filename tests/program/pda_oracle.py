"""An independent oracle for program-derived addresses: hashlib and ed25519 arithmetic only.

The program verifies a Session PDA with ``sol_sha256`` and ``sol_curve_validate_point``
instead of ``sol_create_program_address``. These helpers recompute both facts in plain
Python (RFC 8032 point decompression, as curve25519-dalek does it), so the tests can pick
seeds whose bump-255 digest is a curve point without trusting the code under test, and
cross-check the oracle against solders.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID
from sessions_client.pda import session_seeds

#: What create_program_address appends to the seeds and the program id before hashing.
PDA_MARKER: Final = b"ProgramDerivedAddress"
_P: Final = 2**255 - 19
_D: Final = -121665 * pow(121666, _P - 2, _P) % _P
_Y_MASK: Final = (1 << 255) - 1


def pda_digest(
    creator: Pubkey, session_id: int, bump: int, program_id: Pubkey = PROGRAM_ID
) -> bytes:
    """sha256(seeds || bump || program_id || "ProgramDerivedAddress"): the candidate address."""
    preimage = b"".join(session_seeds(creator, session_id)) + bytes((bump,))
    return hashlib.sha256(preimage + bytes(program_id) + PDA_MARKER).digest()


def is_curve_point(encoded: bytes) -> bool:
    """Whether 32 bytes decompress to an edwards25519 point (curve25519-dalek's rule).

    y is the low 255 bits reduced mod p (dalek accepts non-canonical encodings); a point
    exists when (y^2 - 1) / (d y^2 + 1) is a square mod p (zero included). The sign bit
    only picks x, so it never decides validity. d y^2 + 1 is never 0 (d is not a square).
    """
    y = (int.from_bytes(encoded, "little") & _Y_MASK) % _P
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    ratio = u * pow(v, _P - 2, _P) % _P
    return pow(ratio, (_P - 1) // 2, _P) in (0, 1)


def address_with_bump(creator: Pubkey, session_id: int, bump: int) -> Pubkey | None:
    """The PDA of the seeds with this bump, or None when the digest is a curve point."""
    digest = pda_digest(creator, session_id, bump)
    return None if is_curve_point(digest) else Pubkey(digest)


def canonical_bump(creator: Pubkey, session_id: int) -> int:
    """find_program_address's bump: the highest whose digest is off the curve."""
    for bump in range(255, -1, -1):
        if address_with_bump(creator, session_id, bump) is not None:
            return bump
    raise AssertionError("no bump yields an address")


def id_with_canonical_bump(creator: Pubkey, bump: int, *, below_valid: bool = False) -> int:
    """The first session id whose canonical bump is ``bump`` (every higher digest on the
    curve); with ``below_valid``, one whose ``bump - 1`` also yields an address, so a real
    but non-canonical PDA exists one step down."""
    for session_id in itertools.count():
        if canonical_bump(creator, session_id) != bump:
            continue
        if below_valid and address_with_bump(creator, session_id, bump - 1) is None:
            continue
        return session_id
    raise AssertionError("unreachable")
