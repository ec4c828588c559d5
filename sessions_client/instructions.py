"""Instruction specifications and builders returning solders Instructions.

:data:`INSTRUCTIONS` is the declarative description (accounts, flags, PDA
seeds, argument struct) from which the IDL and the C header's account
indices and argument offsets are generated; the builder functions below are
the typed front door for callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client.borsh import I64, U8, U64
from sessions_client.codec import layout_of
from sessions_client.constants import PROGRAM_ID
from sessions_client.discriminators import instruction_discriminator
from sessions_client.pda import find_session_address
from sessions_client.types import SessionParams


@dataclass(frozen=True, slots=True)
class CreateSessionArgs:
    session_id: Annotated[int, U64]
    params: SessionParams
    bump: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class RequestSessionArgs:
    session_id: Annotated[int, U64]
    owner: Pubkey
    request_ttl: Annotated[int, I64]
    params: SessionParams
    bump: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class SessionPda:
    """The IDL's description of the Session PDA: const seed, creator account, id argument."""

    creator_account: str
    id_arg: str = "session_id"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    name: str
    writable: bool = False
    signer: bool = False
    address: Pubkey | None = None
    pda: SessionPda | None = None
    docs: str = ""


@dataclass(frozen=True, slots=True)
class InstructionSpec:
    name: str
    accounts: tuple[AccountSpec, ...]
    args: type | None
    docs: str

    @property
    def discriminator(self) -> bytes:
        return instruction_discriminator(self.name)

    @property
    def data_size(self) -> int:
        return 8 + (layout_of(self.args).size if self.args is not None else 0)


_SYSTEM = AccountSpec("system_program", address=SYSTEM_PROGRAM_ID)


def _session(creator: str | None = None) -> AccountSpec:
    pda = SessionPda(creator) if creator else None
    return AccountSpec("session", writable=True, pda=pda)


INSTRUCTIONS: Final[tuple[InstructionSpec, ...]] = (
    InstructionSpec(
        "create_session",
        (
            AccountSpec("creator", writable=True, signer=True, docs="Owner; signs and pays."),
            _session("creator"),
            _SYSTEM,
        ),
        CreateSessionArgs,
        "Create a session in Created for the signing creator, who is also its owner.",
    ),
    InstructionSpec(
        "request_session",
        (
            AccountSpec(
                "creator",
                writable=True,
                signer=True,
                docs="The requesting dapp; signs, pays rent and becomes the session's creator.",
            ),
            _session("creator"),
            _SYSTEM,
        ),
        RequestSessionArgs,
        "A dapp requests a session for an owner, who approves it before the deadline.",
    ),
    InstructionSpec(
        "approve_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "The owner approves a Requested session into Created.",
    ),
    InstructionSpec(
        "activate_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Created -> Active.",
    ),
    InstructionSpec(
        "pause_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Active -> Paused.",
    ),
    InstructionSpec(
        "resume_session",
        (AccountSpec("owner", signer=True), _session()),
        None,
        "Paused -> Active, if not expired.",
    ),
    InstructionSpec(
        "expire_session",
        (
            _session(),
            AccountSpec("creator", writable=True, docs="Rent receiver; must be session.creator."),
        ),
        None,
        "Anyone moves an expired session (or timed-out request) to its end state.",
    ),
    InstructionSpec(
        "close_session",
        (
            AccountSpec(
                "authority",
                signer=True,
                docs="The owner, or the creator of a Requested or Expired session.",
            ),
            _session(),
            AccountSpec("creator", writable=True, docs="Rent receiver; must be session.creator."),
        ),
        None,
        "Close the session account and return its rent to the creator.",
    ),
)

INSTRUCTIONS_BY_NAME: Final[dict[str, InstructionSpec]] = {ix.name: ix for ix in INSTRUCTIONS}


def _data(name: str, args: Any = None) -> bytes:
    spec = INSTRUCTIONS_BY_NAME[name]
    disc = spec.discriminator
    if spec.args is None:
        return disc
    return disc + layout_of(spec.args).encode(args)


def create_session(
    creator: Pubkey,
    session_id: int,
    params: SessionParams,
    *,
    bump: int | None = None,
    session: Pubkey | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Build create_session; the PDA and canonical bump are derived unless given."""
    address, canonical = find_session_address(creator, session_id, program_id)
    args = CreateSessionArgs(session_id, params, canonical if bump is None else bump)
    return Instruction(
        program_id,
        _data("create_session", args),
        [
            AccountMeta(creator, is_signer=True, is_writable=True),
            AccountMeta(session or address, is_signer=False, is_writable=True),
            AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
        ],
    )


def request_session(
    requester: Pubkey,
    owner: Pubkey,
    session_id: int,
    params: SessionParams,
    request_ttl: int,
    *,
    bump: int | None = None,
    session: Pubkey | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """Build request_session: the requester pays; ``owner`` must approve within ``request_ttl``."""
    address, canonical = find_session_address(requester, session_id, program_id)
    args = RequestSessionArgs(
        session_id, owner, request_ttl, params, canonical if bump is None else bump
    )
    return Instruction(
        program_id,
        _data("request_session", args),
        [
            AccountMeta(requester, is_signer=True, is_writable=True),
            AccountMeta(session or address, is_signer=False, is_writable=True),
            AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
        ],
    )


def _owner_ix(name: str, owner: Pubkey, session: Pubkey, program_id: Pubkey) -> Instruction:
    return Instruction(
        program_id,
        _data(name),
        [
            AccountMeta(owner, is_signer=True, is_writable=False),
            AccountMeta(session, is_signer=False, is_writable=True),
        ],
    )


def approve_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _owner_ix("approve_session", owner, session, program_id)


def activate_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _owner_ix("activate_session", owner, session, program_id)


def pause_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _owner_ix("pause_session", owner, session, program_id)


def resume_session(
    owner: Pubkey, session: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return _owner_ix("resume_session", owner, session, program_id)


def expire_session(
    session: Pubkey, creator: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    """Anyone may send this once the session has expired (or its request timed out)."""
    return Instruction(
        program_id,
        _data("expire_session"),
        [
            AccountMeta(session, is_signer=False, is_writable=True),
            AccountMeta(creator, is_signer=False, is_writable=True),
        ],
    )


def close_session(
    authority: Pubkey, session: Pubkey, creator: Pubkey, *, program_id: Pubkey = PROGRAM_ID
) -> Instruction:
    return Instruction(
        program_id,
        _data("close_session"),
        [
            AccountMeta(authority, is_signer=True, is_writable=False),
            AccountMeta(session, is_signer=False, is_writable=True),
            AccountMeta(creator, is_signer=False, is_writable=True),
        ],
    )
