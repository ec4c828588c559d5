"""The Session PDA as the program verifies it: sha256 + the curve test, canonical bump only.

The seeds are picked with the independent oracle in ``pda_oracle`` (hashlib + ed25519
arithmetic), cross-checked against solders: ids whose bump-255 digest is a curve point
(canonical bump 254) and ids whose 255 and 254 digests both are (canonical 253). Every
rejection goes through ``Harness.reject``: the program's own code, nothing written.
"""

from __future__ import annotations

import io

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.pda import find_session_address
from sessions_client.types import SessionStatus
from sessions_tools.sbf import KNOWN_SYSCALLS, syscall_hash

from .pda_oracle import (
    address_with_bump,
    canonical_bump,
    id_with_canonical_bump,
    is_curve_point,
    pda_digest,
)
from .support import DEFAULT_TTL, Harness, params, pda_with_bump

KINDS = ["create", "request"]
#: A fixed creator, so the searched ids (and the digests) are the same on every run.
CREATOR = Keypair.from_seed(bytes([0x5E]) * 32)


def creation(h: Harness, kind: str, session_id: int, bump: int, session: Pubkey) -> Instruction:
    creator = CREATOR.pubkey()
    if kind == "create":
        return ix.create_session(creator, session_id, params(), bump=bump, session=session)
    owner = h.s.funded_keypair().pubkey()
    return ix.request_session(
        creator, owner, session_id, params(), DEFAULT_TTL, bump=bump, session=session
    )


@pytest.fixture
def creator(h: Harness) -> Keypair:
    h.s.svm.airdrop(CREATOR.pubkey(), 10_000_000_000)
    return CREATOR


# -- the syscalls ------------------------------------------------------------------------------

#: The runtime's registry keys (murmur3_32 of the name, as agave registers them).
PDA_SYSCALLS = {"sol_sha256": 0x11F49D86, "sol_curve_validate_point": 0xAA2607CA}


def imported_syscalls(so: bytes) -> set[str]:
    dynsym = ELFFile(io.BytesIO(so)).get_section_by_name(".dynsym")
    assert isinstance(dynsym, SymbolTableSection)
    return {s.name for s in dynsym.iter_symbols() if s.name and s["st_shndx"] == "SHN_UNDEF"}


def test_the_program_verifies_pdas_without_create_program_address(program_so: bytes) -> None:
    """sha256 and the curve test are imported (known to the linker, with the runtime's
    keys); neither PDA syscall of 1,500 CU per call is."""
    imports = imported_syscalls(program_so)
    for name, key in PDA_SYSCALLS.items():
        assert name in imports
        assert name in KNOWN_SYSCALLS
        assert syscall_hash(name) == key
    assert not imports & {"sol_create_program_address", "sol_try_find_program_address"}


# -- the oracle itself -------------------------------------------------------------------------


@pytest.mark.parametrize("session_id", range(40))
def test_oracle_agrees_with_solders(session_id: int) -> None:
    """Every bump from 255 down to the canonical one, and the canonical search itself."""
    key = CREATOR.pubkey()
    address, bump = find_session_address(key, session_id)
    assert canonical_bump(key, session_id) == bump
    assert address_with_bump(key, session_id, bump) == address
    for higher in range(bump + 1, 256):
        digest = pda_digest(key, session_id, higher)
        assert is_curve_point(digest)
        assert Pubkey(digest).is_on_curve()
        assert pda_with_bump(key, session_id, higher) is None
    assert not address.is_on_curve()


def test_curve_test_matches_solders_on_edge_encodings() -> None:
    """Non-canonical y (>= p), the sign bit, y = 0 and 1: dalek's rule, not RFC 8032's."""
    p = 2**255 - 19
    for y in (0, 1, 2, p - 1, p, p + 1, p + 18, 2**255 - 1):
        for sign in (0, 1):
            encoded = bytearray(y.to_bytes(32, "little"))
            encoded[31] |= sign << 7
            assert is_curve_point(bytes(encoded)) == Pubkey(bytes(encoded)).is_on_curve(), y


# -- canonical bump 254: the bump-255 digest is a curve point ----------------------------------


@pytest.fixture(scope="module")
def id_254() -> int:
    """An id whose bump-255 digest is a curve point: canonical bump 254."""
    session_id = id_with_canonical_bump(CREATOR.pubkey(), 254)
    assert is_curve_point(pda_digest(CREATOR.pubkey(), session_id, 255))
    return session_id


@pytest.fixture(scope="module")
def id_253() -> int:
    """An id whose bump-255 and bump-254 digests are curve points: canonical bump 253."""
    session_id = id_with_canonical_bump(CREATOR.pubkey(), 253)
    for bump in (255, 254):
        assert is_curve_point(pda_digest(CREATOR.pubkey(), session_id, bump))
    return session_id


@pytest.fixture(scope="module")
def ids(id_254: int, id_253: int) -> dict[int, int]:
    """canonical bump -> a session id with that canonical bump."""
    return {254: id_254, 253: id_253}


@pytest.mark.parametrize("kind", KINDS)
def test_bump_255_on_the_curve_with_the_canonical_address(
    h: Harness, creator: Keypair, id_254: int, kind: str
) -> None:
    """The account is the canonical (254) PDA, the bump byte says 255, whose digest is a
    curve point: the bump is what is wrong."""
    address = address_with_bump(creator.pubkey(), id_254, 254)
    assert address is not None
    h.reject(creation(h, kind, id_254, 255, address), [creator], ErrorCode.INVALID_BUMP)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target", [254, 253])
def test_on_curve_digest_as_the_session_account(
    h: Harness, creator: Keypair, ids: dict[int, int], kind: str, target: int
) -> None:
    """The account *is* the digest of the supplied bump, but that digest is a curve point,
    so it is no PDA: InvalidSessionAddress (the CPI would refuse it too, with no code of
    ours). Bump 255 for a canonical-254 id; bump 254 for a canonical-253 id."""
    session_id, bump = ids[target], target + 1
    digest = pda_digest(creator.pubkey(), session_id, bump)
    assert is_curve_point(digest)
    assert Pubkey(digest).is_on_curve()
    instruction = creation(h, kind, session_id, bump, Pubkey(digest))
    h.reject(instruction, [creator], ErrorCode.INVALID_SESSION_ADDRESS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target", [254, 253])
def test_canonical_bump_below_255_is_proven_and_accepted(
    h: Harness, creator: Keypair, ids: dict[int, int], kind: str, target: int
) -> None:
    """Bumps 254 and 253 are accepted once every higher digest is shown to be on the curve;
    the account lands at the canonical address with that bump stored."""
    session_id = ids[target]
    address = address_with_bump(creator.pubkey(), session_id, target)
    assert address is not None
    assert address == find_session_address(creator.pubkey(), session_id)[0]
    h.ok(creation(h, kind, session_id, target, address), [creator])
    session = h.session(address)
    assert session.bump == target
    assert session.session_id == session_id
    assert session.status == (
        SessionStatus.CREATED if kind == "create" else SessionStatus.REQUESTED
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target", [254, 253])
def test_a_real_pda_one_below_the_canonical_bump(
    h: Harness, creator: Keypair, kind: str, target: int
) -> None:
    """canonical - 1 yields a real (off-curve) PDA, and the account is that PDA: the proof
    that no higher bump yields an address fails at the canonical bump: InvalidBump."""
    session_id = id_with_canonical_bump(creator.pubkey(), target, below_valid=True)
    address = address_with_bump(creator.pubkey(), session_id, target - 1)
    assert address is not None
    instruction = creation(h, kind, session_id, target - 1, address)
    h.reject(instruction, [creator], ErrorCode.INVALID_BUMP)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("supplied", [255, 254, 252, 0])
def test_every_other_bump_with_the_canonical_253_address(
    h: Harness, creator: Keypair, id_253: int, kind: str, supplied: int
) -> None:
    """The canonical (253) address with a bump byte on the curve (255, 254) or below the
    canonical one (252, 0): InvalidBump each time."""
    address = address_with_bump(creator.pubkey(), id_253, 253)
    assert address is not None
    instruction = creation(h, kind, id_253, supplied, address)
    h.reject(instruction, [creator], ErrorCode.INVALID_BUMP)


@pytest.mark.parametrize("kind", KINDS)
def test_the_canonical_254_address_of_another_id(
    h: Harness, creator: Keypair, id_254: int, kind: str
) -> None:
    """A real canonical PDA, but of other seeds: InvalidSessionAddress, not InvalidBump."""
    address, _ = find_session_address(creator.pubkey(), id_254 + 1)
    instruction = creation(h, kind, id_254, 254, address)
    h.reject(instruction, [creator], ErrorCode.INVALID_SESSION_ADDRESS)
