"""The program's account and argument checks (accounts.c, pda.c, signer.c, create.c's
validate_params, whose guard check is :mod:`simulator.guard_eval`).

Each check's docstring opens with the C function it mirrors (a test holds them to the
program's sources). Each returns the error the program returns, or None; the caller runs
them in the program's order, so the first failing check decides the error, as on-chain.
"""

from __future__ import annotations

from collections.abc import Collection
from types import MappingProxyType
from typing import Final

from solders.pubkey import Pubkey
from solders.sysvar import CLOCK as CLOCK_SYSVAR

from sessions_client.accounts import HeaderFault, session_header_fault
from sessions_client.codec import layout_of
from sessions_client.constants import (
    ALL_PERMISSIONS,
    ALL_SETTINGS,
    BORROW_CAPACITY,
    MAX_SESSION_DURATION,
    SESSION_SEED,
    Permission,
)
from sessions_client.errors import ErrorCode
from sessions_client.pda import find_signer_address, signer_seeds
from sessions_client.types import ON_CHAIN_STATUSES, SessionParams, SessionStatus
from simulator import guard_eval
from simulator.derive import MAX_SEED_LEN, program_address, seeds_within_limits
from simulator.instruction import gather_struct
from simulator.ledger import Ledger
from simulator.record import SessionRecord

_ZERO_KEY: Final = Pubkey.default()
_GUARD_CODE_AT: Final = layout_of(SessionParams).leaf("guard.code").offset
#: What validate_params judges, in layout order, read by one unpack from the params' start.
_VALIDATED: Final = gather_struct(
    layout_of(SessionParams),
    (
        "config.max_duration",
        "config.permissions",
        "config.settings",
        "quotas.max_borrowed_accounts",
        "quotas.reserved",
        "guard.len",
    ),
)
_EXECUTE: Final = int(Permission.EXECUTE)
_COMPOSE: Final = int(Permission.COMPOSE)
_UNKNOWN_PERMISSIONS: Final = ~ALL_PERMISSIONS & 0xFFFFFFFF
_UNKNOWN_SETTINGS: Final = ~ALL_SETTINGS & 0xFFFFFFFF
_HIGHEST_BUMP: Final = 255
#: Each bump as the one-byte seed it is hashed as (constants, built once).
_BUMP_SEEDS: Final = tuple(bytes((bump,)) for bump in range(_HIGHEST_BUMP + 1))
_STORED_STATUSES: Final = frozenset(int(s) for s in ON_CHAIN_STATUSES)
# The seeds derived here are fixed-size but for the id (checked per call): a seed string, a
# key and the one-byte bump, so the runtime's limits on them are checked once, at import.
if not seeds_within_limits([SESSION_SEED, bytes(_ZERO_KEY), _BUMP_SEEDS[0]]) or not (
    seeds_within_limits([*signer_seeds(_ZERO_KEY), _BUMP_SEEDS[0]])
):
    raise ValueError("the session or signer seeds exceed the runtime's limits")


#: The program's error for each failed header check (``load_session`` in accounts.c).
HEADER_ERRORS: Final = MappingProxyType(
    {
        HeaderFault.SIZE: ErrorCode.INVALID_ACCOUNT_SIZE,
        HeaderFault.DISCRIMINATOR: ErrorCode.INVALID_DISCRIMINATOR,
        HeaderFault.VERSION: ErrorCode.UNSUPPORTED_VERSION,
    }
)


def permissions_valid(permissions: int) -> bool:
    """``permissions_valid``: known bits only, COMPOSE needs EXECUTE (creation and updates)."""
    return not permissions & _UNKNOWN_PERMISSIONS and (
        not permissions & _COMPOSE or bool(permissions & _EXECUTE)
    )


def quotas_valid(max_borrowed_accounts: int, reserved: bytes) -> bool:
    """``quotas_valid``: no more borrow slots than exist, reserved bytes zero."""
    return max_borrowed_accounts <= BORROW_CAPACITY and reserved == b"\0\0\0\0"


def validate_params(data: bytes, base: int) -> tuple[int, int, int] | ErrorCode:
    """``validate_params``: the ``SessionParams`` starting at ``data[base]``.

    Returns its config (max_duration, permissions, settings) when the program accepts it.
    Every field it judges is read by one ``unpack_from`` (:data:`_VALIDATED`), the guard
    array in place.
    """
    max_duration, permissions, settings, borrowed, reserved, length = _VALIDATED.unpack_from(
        data, base
    )
    if max_duration < 1 or max_duration > MAX_SESSION_DURATION:
        return ErrorCode.INVALID_CONFIGURATION
    if not permissions_valid(permissions) or settings & _UNKNOWN_SETTINGS:
        return ErrorCode.INVALID_CONFIGURATION
    if not quotas_valid(borrowed, reserved):
        return ErrorCode.INVALID_CONFIGURATION
    if guard_eval.validate_stored(data, base + _GUARD_CODE_AT, length) is not None:
        return ErrorCode.INVALID_CONFIGURATION
    return max_duration, permissions, settings


def load_session(
    ledger: Ledger, program_id: Pubkey, address: Pubkey, writable: Collection[Pubkey]
) -> SessionRecord | ErrorCode:
    """``load_session``: owner, size, discriminator, version, then writable."""
    record = load_session_readonly(ledger, program_id, address)
    if isinstance(record, ErrorCode):
        return record
    if address not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    return record


def load_session_readonly(
    ledger: Ledger, program_id: Pubkey, address: Pubkey
) -> SessionRecord | ErrorCode:
    """``load_session_readonly`` (validate_session): owner, size, discriminator, version."""
    record = ledger.sessions.get(address)
    if record is None:
        foreign = ledger.foreign.get(address)
        if foreign is None:
            return ErrorCode.SESSION_NOT_FOUND  # an empty system account
        if foreign.owner != program_id:
            if foreign.owner == _ZERO_KEY and not foreign.data:
                return ErrorCode.SESSION_NOT_FOUND
            return ErrorCode.INVALID_ACCOUNT_OWNER
        fault = session_header_fault(foreign.data)
        if fault is not None:
            return HEADER_ERRORS[fault]
        raise NotImplementedError(
            f"{address}: program-owned raw Session data is outside the model "
            "(only sessions the model created are modelled past the header checks)"
        )
    return record


def require_fresh_session_account(
    ledger: Ledger, program_id: Pubkey, address: Pubkey, writable: Collection[Pubkey]
) -> ErrorCode | None:
    """``require_fresh_session_account``: writable, not ours yet, an empty system account."""
    if address not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    if address in ledger.sessions:
        return ErrorCode.SESSION_ALREADY_EXISTS
    foreign = ledger.foreign.get(address)
    if foreign is not None:
        if foreign.owner == program_id:
            return ErrorCode.SESSION_ALREADY_EXISTS
        if foreign.owner != _ZERO_KEY or foreign.data:
            return ErrorCode.INVALID_ACCOUNT_OWNER
    return None


def require_rent_receiver(
    receiver: Pubkey, record: SessionRecord, writable: Collection[Pubkey]
) -> ErrorCode | None:
    """``require_rent_receiver``: the session's creator, writable."""
    if receiver != record.origin.creator:
        return ErrorCode.INVALID_RENT_RECEIVER
    if receiver not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    return None


def clock_account_fault(key: Pubkey) -> ErrorCode | None:
    """``clock_from_account``: the account passed for the Clock is the Clock sysvar (the
    runtime always passes the whole sysvar, so its length needs no model)."""
    return None if key == CLOCK_SYSVAR else ErrorCode.MISSING_CLOCK_SYSVAR


def stored_status_valid(status: SessionStatus) -> bool:
    """``stored_status_valid``: one of the statuses the program stores."""
    return status in _STORED_STATUSES


def derive_session_address(
    creator: Pubkey, id_le: bytes, bump: int, program_id: Pubkey
) -> Pubkey | None:
    """``pda_with_bump``: the PDA with an explicit bump (None when it is on the curve, or
    when the id is longer than a seed may be, where solders refuses)."""
    if len(id_le) > MAX_SEED_LEN:
        return None
    return program_address(SESSION_SEED + bytes(creator) + id_le + _BUMP_SEEDS[bump], program_id)


def verify_session_address(
    program_id: Pubkey, creator: Pubkey, id_le: bytes, bump: int, session: Pubkey
) -> ErrorCode | None:
    """``verify_session_address``: the supplied bump must derive ``session`` and be canonical.

    As on-chain: derive with the supplied bump; on a mismatch, InvalidBump if ``session`` is
    the canonical address of these seeds, else InvalidSessionAddress; on a match, no higher
    bump may derive an address (else InvalidBump). "No higher bump derives" is "the bump is
    canonical", which one ``find_program_address`` answers without a Python loop.
    """
    derived = derive_session_address(creator, id_le, bump, program_id)
    if derived is None or derived != session:
        canonical, _ = _find(creator, id_le, program_id)
        return ErrorCode.INVALID_BUMP if canonical == session else ErrorCode.INVALID_SESSION_ADDRESS
    if bump == _HIGHEST_BUMP:
        return None
    _, canonical_bump = _find(creator, id_le, program_id)
    return None if canonical_bump == bump else ErrorCode.INVALID_BUMP


def _find(creator: Pubkey, id_le: bytes, program_id: Pubkey) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([SESSION_SEED, bytes(creator), id_le], program_id)


def verify_session_signer(
    program_id: Pubkey, record: SessionRecord, session: Pubkey, bump: int, signer: Pubkey
) -> int | ErrorCode:
    """``verify_session_signer``: the recorded signer (the bump to sign with is the recorded
    one), or the canonical PDA ["signer", session] with the supplied bump, proven now
    (``derive_and_prove``). A recorded signer costs one comparison, no PDA search.

    As derive_and_prove: the supplied bump's address first (one derivation), then, below
    255 only, that no higher bump derives one (the bump is the canonical one). Every
    refusal is InvalidSessionSigner, so the order within the proof decides no error."""
    recorded = record.guard.signer
    if recorded != _ZERO_KEY:
        return record.guard.signer_bump if recorded == signer else ErrorCode.INVALID_SESSION_SIGNER
    derived = program_address(b"".join(signer_seeds(session)) + _BUMP_SEEDS[bump], program_id)
    if derived is None or derived != signer:  # None: the digest is a curve point
        return ErrorCode.INVALID_SESSION_SIGNER
    if bump != _HIGHEST_BUMP and find_signer_address(session, program_id)[1] != bump:
        return ErrorCode.INVALID_SESSION_SIGNER  # a higher bump derives an address
    return bump
