"""What closing a session sweeps: the session signer's SOL goes to the owner (lifecycle.c's
``load_sweep`` and ``sweep_signer``), shared by close_session and expire_session.

The sweep's accounts are checked whenever the instruction would succeed, whether or not the
signer holds anything (a permissionless expirer must not pass another account and strand
the owner's SOL); a recorded signer is one key comparison, an unrecorded one a PDA proof.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final, NamedTuple

from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client.accounts import SESSION_ACCOUNT_SIZE
from sessions_client.errors import ErrorCode
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from simulator.checks import verify_session_signer
from simulator.env import Env
from simulator.record import SessionRecord

_ZERO_KEY: Final = Pubkey.default()
#: ``tuple.__new__``: builds the NamedTuple without its Python-level ``__new__``.
_new: Final = tuple.__new__
#: close_session and expire_session carry the bump at the same offset (lifecycle.c asserts it)
BUMP_AT: Final = INSTRUCTIONS_BY_NAME["close_session"].arg_offsets()["signer_bump"]
assert INSTRUCTIONS_BY_NAME["expire_session"].arg_offsets()["signer_bump"] == BUMP_AT


def sweep_accounts_at(instruction: str) -> int:
    """Where the owner account sits in ``instruction``; the signer and the system program
    follow it (lifecycle.c's ``_Static_assert``)."""
    names = [a.name for a in INSTRUCTIONS_BY_NAME[instruction].accounts]
    at = names.index("owner")
    assert names[at + 1 : at + 3] == ["session_signer", "system_program"], instruction
    return at


class Sweep(NamedTuple):
    """The verified sweep: the owner, the signer and the bump to sign with."""

    owner: Pubkey
    signer: Pubkey
    bump: int


def load_sweep(
    env: Env,
    record: SessionRecord,
    keys: Sequence[Pubkey],
    data: bytes,
    writable: Collection[Pubkey],
    *,
    at: int,
) -> Sweep | ErrorCode:
    """``load_sweep``: the owner is session.owner and writable; the signer writable and the
    recorded one or the canonical PDA with the supplied bump; the system program."""
    owner, signer = keys[at], keys[at + 1]
    o = record.origin
    if owner != o.owner:
        return ErrorCode.INVALID_OWNER_ACCOUNT
    if owner not in writable or signer not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    bump = verify_session_signer(env.program_id, record, o.address, data[BUMP_AT], signer)
    if isinstance(bump, ErrorCode):
        return bump
    if keys[at + 2] != SYSTEM_PROGRAM_ID:
        return ErrorCode.INVALID_SYSTEM_PROGRAM
    return _new(Sweep, (owner, signer, bump))  # a close's hot path: no keyword __new__


def sweep_signer(
    env: Env, record: SessionRecord, sweep: Sweep, receiver: Pubkey
) -> int | ErrorCode:
    """``sweep_signer``: what the signer holds moves to the owner (the system Transfer the
    program signs); first refused, as the program refuses them, a signer that is not a system
    account without data and an owner the transfer would leave rent-paying (counting the
    session's lamports when the owner is also the rent receiver). Returns what moved."""
    ledger = env.ledger
    signer = sweep.signer
    foreign = ledger.foreign.get(signer)
    if foreign is None and signer not in ledger.sessions:
        lamports = ledger.lamports.get(signer, 0)  # a plain system account (the usual case)
        if lamports == 0:
            return 0
    else:
        lamports = ledger.balance(signer)
        if lamports == 0:
            return 0
        if foreign is None or foreign.owner != _ZERO_KEY or foreign.data:
            return ErrorCode.SIGNER_ESCAPED
    owner = sweep.owner
    minimum = env.rent.minimum_balance(_data_len(env, owner))
    if minimum is None:
        return ErrorCode.CREATION_FAILED  # rent_exemption_rate refuses the threshold
    after = ledger.balance(owner) + lamports
    if owner == receiver:
        after += record.lamports
    if after < minimum:
        return ErrorCode.OWNER_BELOW_RENT_EXEMPTION
    ledger.set_lamports(signer, 0)
    ledger.credit(owner, lamports)
    return lamports


def _data_len(env: Env, address: Pubkey) -> int:
    ledger = env.ledger
    if address in ledger.sessions:
        return SESSION_ACCOUNT_SIZE
    foreign = ledger.foreign.get(address)
    return 0 if foreign is None else len(foreign.data)
