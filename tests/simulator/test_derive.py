"""The model's PDA derivation answers exactly as solders' (curve25519-dalek's) does."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from simulator import derive

FIELD_PRIME = 2**255 - 19
SIGN_BIT = 1 << 255


def encoding(value: int) -> bytes:
    return value.to_bytes(32, "little")


#: y at and around the field's edges, with and without x's sign bit: zero, one and p - 1
#: (the points with x = 0), p and p + 1 (non-canonical encodings of 0 and 1), the largest
#: 255-bit value, and the ones next to them.
EDGES = [
    y | sign
    for y in (0, 1, 2, FIELD_PRIME - 2, FIELD_PRIME - 1, FIELD_PRIME, FIELD_PRIME + 1, 2**255 - 1)
    for sign in (0, SIGN_BIT)
]


@pytest.mark.parametrize("value", EDGES, ids=hex)
def test_edge_encodings(value: int) -> None:
    assert derive.is_on_curve(encoding(value)) == Pubkey(encoding(value)).is_on_curve()


def test_both_answers_occur() -> None:
    """A wallet key is a point, a PDA is not: the equality tests cannot pass on one answer."""
    wallet = Keypair.from_seed(bytes(32)).pubkey()
    pda, bump = Pubkey.find_program_address([b"seed"], wallet)
    assert derive.is_on_curve(bytes(wallet)) is True
    assert derive.is_on_curve(bytes(pda)) is False
    assert derive.create_program_address([b"seed", bytes([bump])], wallet) == pda


@settings(max_examples=2_000)
@given(st.binary(min_size=32, max_size=32))
def test_random_encodings(data: bytes) -> None:
    assert derive.is_on_curve(data) == Pubkey(data).is_on_curve()


def _solders(seeds: list[bytes], program_id: Pubkey) -> Pubkey | None:
    try:
        return Pubkey.create_program_address(seeds, program_id)
    except Exception:  # solders raises a bare PyErr when the digest is a curve point
        return None


@settings(max_examples=500)
@given(
    st.lists(st.binary(max_size=32), max_size=16),
    st.binary(min_size=32, max_size=32).map(Pubkey),
)
def test_create_program_address(seeds: list[bytes], program_id: Pubkey) -> None:
    assert derive.create_program_address(seeds, program_id) == _solders(seeds, program_id)


@pytest.mark.parametrize("seeds", [[b"x" * 33], [b"x"] * 17], ids=["long seed", "17 seeds"])
def test_refuses_what_the_runtime_refuses(seeds: list[bytes]) -> None:
    with pytest.raises(ValueError, match="limits"):
        derive.create_program_address(seeds, Pubkey.new_unique())
    with pytest.raises(BaseException):  # noqa: B017, PT011 - solders' own error types
        Pubkey.create_program_address(seeds, Pubkey.new_unique())


def test_without_gmpy2_the_simulator_says_what_to_install() -> None:
    """The base dependencies hold no gmpy2: importing the simulator then fails with the
    extra to install, not a bare ModuleNotFoundError deep in an import chain."""
    script = (
        "import sys\n"
        "sys.modules['gmpy2'] = None  # as if it were not installed\n"
        "try:\n"
        "    import simulator.derive\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "solana-sessions[simulator]" in result.stdout
