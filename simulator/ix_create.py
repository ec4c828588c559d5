"""create_session and request_session, check for check in the order of create.c."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client.borsh import PUBKEY
from sessions_client.codec import layout_of
from sessions_client.constants import MAX_REQUEST_TTL
from sessions_client.errors import ErrorCode
from sessions_client.events import Event
from sessions_client.instructions import CreateSessionArgs, RequestSessionArgs
from simulator.checks import (
    require_fresh_session_account,
    validate_params,
    verify_session_address,
)
from simulator.clock import I64_MAX
from simulator.emit import session_created, session_requested
from simulator.env import Env
from simulator.handler import Handlers
from simulator.instruction import PARAMS_SIZE, arg_offset
from simulator.ledger import Ledger
from simulator.record import created_record, new_origin, requested_record
from simulator.rent import leaves_rent_paying

_ZERO_KEY: Final = Pubkey.default()
_ZERO_KEY_BYTES: Final = bytes(PUBKEY.size)
_ID: Final = layout_of(CreateSessionArgs).leaf_struct("session_id")
_TTL: Final = layout_of(RequestSessionArgs).leaf_struct("request_ttl")
_KEY_LEN: Final = PUBKEY.size
# argument offsets in the instruction data (IX_CREATE_SESSION_ARG_*, IX_REQUEST_SESSION_ARG_*)
_CREATE_ID: Final = arg_offset("create_session", "session_id")
_CREATE_PARAMS: Final = arg_offset("create_session", "params")
_CREATE_BUMP: Final = arg_offset("create_session", "bump")
_REQUEST_ID: Final = arg_offset("request_session", "session_id")
_REQUEST_OWNER: Final = arg_offset("request_session", "owner")
_REQUEST_TTL: Final = arg_offset("request_session", "request_ttl")
_REQUEST_PARAMS: Final = arg_offset("request_session", "params")
_REQUEST_BUMP: Final = arg_offset("request_session", "bump")


def _check_creation_accounts(
    env: Env, keys: Sequence[Pubkey], signers: Collection[Pubkey], writable: Collection[Pubkey]
) -> ErrorCode | None:
    """``check_creation_accounts``: payer (signer, writable), system program, then a fresh
    session address."""
    payer = keys[0]
    if payer not in signers:
        return ErrorCode.MISSING_SIGNER
    if payer not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    if keys[2] != SYSTEM_PROGRAM_ID:
        return ErrorCode.INVALID_SYSTEM_PROGRAM
    return require_fresh_session_account(env.ledger, env.program_id, keys[1], writable)


def _check_payer(ledger: Ledger, payer: Pubkey, shortfall: int, minimum: int) -> int | ErrorCode:
    """``check_payer``: a payer the system program could not debit is refused first.

    Owned by another program (the sessions program included), holding data, short of the
    shortfall, or left rent-paying (0 < left < ``minimum``, unless it already was below
    the minimum: the runtime's rent-state rule, judged from the instruction's start).
    Returns what the payer keeps (its balance, read once here, less the shortfall).
    """
    if payer in ledger.sessions:
        return ErrorCode.INVALID_PAYER_OWNER
    foreign = ledger.foreign.get(payer)
    if foreign is None:
        balance = ledger.lamports.get(payer, 0)  # a plain system account (the usual case)
    else:  # a ledger account with an owner other than the system, or data
        if foreign.owner != _ZERO_KEY:
            return ErrorCode.INVALID_PAYER_OWNER
        if foreign.data:
            return ErrorCode.PAYER_HOLDS_DATA
        balance = foreign.lamports
    if balance < shortfall:
        return ErrorCode.CREATION_FAILED
    left = balance - shortfall
    if leaves_rent_paying(balance, left, minimum):
        return ErrorCode.PAYER_BELOW_RENT_EXEMPTION
    return left


def _fund_account(env: Env, payer: Pubkey, session: Pubkey) -> int | ErrorCode:
    """``create_pda_account``'s lamports: the payer tops the address up to the rent minimum.

    Only a payer that pays is checked (``_check_payer``), before any write; a fully
    pre-funded address debits nobody. Returns the new account's lamports (a pre-funded
    address keeps any surplus).
    """
    rent = env.session_rent
    if rent is None:
        return ErrorCode.CREATION_FAILED
    ledger = env.ledger
    funded = ledger.lamports.get(session, 0)  # a fresh address is a plain system account
    if funded < rent:
        shortfall = rent - funded
        # the program's minimum for the payer's 0 data bytes; equal to the runtime's
        # whenever session_rent is not None (an integral threshold)
        left = _check_payer(ledger, payer, shortfall, env.wallet_rent)
        if isinstance(left, ErrorCode):  # (an ErrorCode is an int too)
            return left
        ledger.set_lamports(payer, left)
    if funded:
        ledger.set_lamports(session, 0)  # from now on the session record holds them
    return rent if funded < rent else funded


def create_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> tuple[Event, ...] | ErrorCode:
    """``process_create_session``: a session in Created for the signing creator."""
    err = _check_creation_accounts(env, keys, signers, writable)
    if err is not None:
        return err
    creator, session = keys[0], keys[1]
    base = _CREATE_PARAMS
    config = validate_params(data, base)
    if isinstance(config, ErrorCode):
        return config
    max_duration, permissions, settings = config
    id_at = _CREATE_ID
    id_le = data[id_at : id_at + _ID.size]
    bump = data[_CREATE_BUMP]
    err = verify_session_address(env.program_id, creator, id_le, bump, session)
    if err is not None:
        return err
    now = env.clock.now()
    if now > I64_MAX - max_duration:
        return ErrorCode.ARITHMETIC_OVERFLOW
    lamports = _fund_account(env, creator, session)
    if isinstance(lamports, ErrorCode):  # (an ErrorCode is an int too)
        return lamports
    session_id = _ID.unpack(id_le)[0]
    expires_at = now + max_duration
    params = data[base : base + PARAMS_SIZE]
    origin = new_origin(
        session,
        creator,
        creator,
        session_id=session_id,
        bump=bump,
        config=config,
        created_at=now,
        request_deadline=0,
        params=params,
    )
    env.ledger.put_session(session, created_record(origin, now, expires_at, lamports))
    return (
        session_created(
            session, creator, creator, session_id, permissions, settings, now, expires_at
        ),
    )


def request_session(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> tuple[Event, ...] | ErrorCode:
    """``process_request_session``: a dapp's request, Requested until the owner approves."""
    err = _check_creation_accounts(env, keys, signers, writable)
    if err is not None:
        return err
    requester, session = keys[0], keys[1]
    base = _REQUEST_PARAMS
    config = validate_params(data, base)
    if isinstance(config, ErrorCode):
        return config
    ttl = _TTL.unpack_from(data, _REQUEST_TTL)[0]
    owner_bytes = data[_REQUEST_OWNER : _REQUEST_OWNER + _KEY_LEN]
    if ttl < 1 or ttl > MAX_REQUEST_TTL or owner_bytes == _ZERO_KEY_BYTES:
        return ErrorCode.INVALID_CONFIGURATION
    id_at = _REQUEST_ID
    id_le = data[id_at : id_at + _ID.size]
    bump = data[_REQUEST_BUMP]
    err = verify_session_address(env.program_id, requester, id_le, bump, session)
    if err is not None:
        return err
    now = env.clock.now()
    if now > I64_MAX - ttl:
        return ErrorCode.ARITHMETIC_OVERFLOW
    lamports = _fund_account(env, requester, session)
    if isinstance(lamports, ErrorCode):  # (an ErrorCode is an int too)
        return lamports
    session_id = _ID.unpack(id_le)[0]
    deadline = now + ttl
    owner = Pubkey.from_bytes(owner_bytes)
    params = data[base : base + PARAMS_SIZE]
    origin = new_origin(
        session,
        owner,
        requester,
        session_id=session_id,
        bump=bump,
        config=config,
        created_at=now,
        request_deadline=deadline,
        params=params,
    )
    env.ledger.put_session(session, requested_record(origin, now, lamports))
    return (session_requested(session, owner, requester, session_id, deadline),)


#: This module's instructions, by spec name.
HANDLERS: Final[Handlers] = {
    "create_session": create_session,
    "request_session": request_session,
}
