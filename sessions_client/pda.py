"""Program-derived addresses of the sessions program."""

from __future__ import annotations

from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID, SESSION_SEED


def session_seeds(creator: Pubkey, session_id: int) -> list[bytes]:
    """Seeds of a Session PDA: ``"session"``, the creator's key, the id as u64 LE."""
    if not 0 <= session_id < 1 << 64:
        raise ValueError(f"session_id must fit in u64, got {session_id}")
    return [SESSION_SEED, bytes(creator), session_id.to_bytes(8, "little")]


def find_session_address(
    creator: Pubkey, session_id: int, program_id: Pubkey = PROGRAM_ID
) -> tuple[Pubkey, int]:
    """The Session PDA and its canonical bump (pass the bump to the program: it saves CU)."""
    return Pubkey.find_program_address(session_seeds(creator, session_id), program_id)
