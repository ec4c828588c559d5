"""Program-derived addresses of the sessions program."""

from __future__ import annotations

from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID, SESSION_SEED, SIGNER_SEED


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


def session_id_with_bump(
    creator: Pubkey,
    bump: int = 255,
    start: int = 0,
    program_id: Pubkey = PROGRAM_ID,
    *,
    signer_bump: int | None = None,
) -> int:
    """The first session id >= ``start`` whose canonical bump is ``bump`` (and, when
    ``signer_bump`` is given, whose session signer's canonical bump is that one).

    The program verifies the supplied bump with one sha256 and one curve test
    and proves it canonical by showing every higher bump's digest is a curve
    point (about 300 CU each), so ids with canonical bump 255 are the cheapest
    to create: about half of all ids qualify, and this is how the client picks
    new ids. The signer's bump is proven the same way by the first execute and
    by a close or expire before any execute (a quarter of all ids have both at 255).
    """
    session_id = start
    while True:
        address, found = find_session_address(creator, session_id, program_id)
        if found == bump and (
            signer_bump is None or find_signer_address(address, program_id)[1] == signer_bump
        ):
            return session_id
        session_id += 1


def session_address(
    creator: Pubkey, session_id: int, bump: int, program_id: Pubkey = PROGRAM_ID
) -> Pubkey | None:
    """The Session PDA for this exact bump, ``None`` when that bump gives no valid PDA.

    One ``create_program_address``, as the program does: enough to check that
    a stored Session sits at the address its creator, id and bump derive.
    """
    try:
        return Pubkey.create_program_address(
            [*session_seeds(creator, session_id), bytes([bump])], program_id
        )
    except Exception:  # solders raises its own PubkeyError when the point is on the curve
        return None


def signer_seeds(session: Pubkey) -> list[bytes]:
    """Seeds of a session's signer PDA: ``"signer"``, the session account's address."""
    return [SIGNER_SEED, bytes(session)]


def find_signer_address(session: Pubkey, program_id: Pubkey = PROGRAM_ID) -> tuple[Pubkey, int]:
    """The session signer PDA and its canonical bump (execute takes the bump as an argument).

    The signer is a system account: it holds SOL, owns token accounts and can be an SPL
    delegate, and only the sessions program can sign for it (inside ``execute``).
    """
    return Pubkey.find_program_address(signer_seeds(session), program_id)
