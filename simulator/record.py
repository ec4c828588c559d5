"""How the model stores a Session account: what creation fixed, plus the fields that move.

Transitions touch four fields (status, updated_at, activated_at, expires_at), so
the stored record keeps exactly those next to an immutable :class:`SessionOrigin`
and the account's lamports; a transition replaces the record, never mutates it.
:func:`to_session` rebuilds the client mirror's :class:`~sessions_client.types.Session`
(and :func:`encode_record` its exact account bytes) only when someone looks:
encoding is for comparison, not for the hot path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, NamedTuple

from solders.pubkey import Pubkey

from sessions_client.accounts import encode_session
from sessions_client.codec import layout_of
from sessions_client.constants import METADATA_LEN, SESSION_VERSION
from sessions_client.types import (
    EMPTY_BORROWS,
    Guard,
    ProtocolState,
    Session,
    SessionParams,
    SessionStatus,
    SharedData,
    UsageStats,
)

_ZERO_KEY: Final = Pubkey.default()
_PARAMS = layout_of(SessionParams)
_EMPTY_USAGE: Final = UsageStats()
_NO_GUARD: Final = Guard()
_NO_PROTOCOL: Final = ProtocolState()
_NO_SHARED: Final = SharedData()
_RESERVED: Final = bytes(64)


class SessionOrigin(NamedTuple):
    """Everything the creating instruction fixed; no later instruction changes these.

    Immutable like a frozen dataclass; a NamedTuple because every creation builds one.
    """

    address: Pubkey
    owner: Pubkey
    creator: Pubkey
    creator_program: Pubkey
    session_id: int
    bump: int
    max_duration: int
    permissions: int
    settings: int
    created_at: int
    request_deadline: int
    #: The borsh ``SessionParams`` exactly as the instruction carried them.
    params: bytes
    #: For an account written from outside (``ProgramModel.set_account``): its full content,
    #: whose non-lifecycle fields the program never changes.
    base: Session | None = None


class SessionRecord(NamedTuple):
    """A stored session: its origin and the lifecycle fields, plus the account's lamports.

    Immutable like a frozen dataclass; a NamedTuple because every successful transition
    builds one and a tuple is four times cheaper to construct.
    """

    origin: SessionOrigin
    status: SessionStatus
    updated_at: int
    activated_at: int
    expires_at: int
    lamports: int


def to_session(record: SessionRecord) -> Session:
    """The client mirror's Session value the program's account holds for ``record``."""
    o = record.origin
    if o.base is not None:
        return replace(
            o.base,
            status=record.status,
            updated_at=record.updated_at,
            activated_at=record.activated_at,
            expires_at=record.expires_at,
        )
    params = _PARAMS.decode(o.params)
    assert len(params.metadata) == METADATA_LEN
    return Session(
        version=SESSION_VERSION,
        bump=o.bump,
        status=record.status,
        depth=0,
        effective_permissions=o.permissions,
        owner=o.owner,
        creator=o.creator,
        creator_program=o.creator_program,
        session_id=o.session_id,
        config=params.config,
        scope=params.scope,
        bound_to=_ZERO_KEY,
        created_at=o.created_at,
        updated_at=record.updated_at,
        activated_at=record.activated_at,
        expires_at=record.expires_at,
        request_deadline=o.request_deadline,
        usage_count=0,
        quotas=params.quotas,
        usage=_EMPTY_USAGE,
        # The program validates the guard is all zero and never copies it.
        guard=_NO_GUARD,
        protocol=_NO_PROTOCOL,
        shared=_NO_SHARED,
        metadata=params.metadata,
        borrowed=EMPTY_BORROWS,
        reserved=_RESERVED,
    )


def record_of(address: Pubkey, session: Session, lamports: int) -> SessionRecord:
    """The record of an account that holds ``session`` (written from outside the program)."""
    params = SessionParams(
        session.config, session.scope, session.quotas, session.guard, session.metadata
    )
    origin = SessionOrigin(
        address,
        session.owner,
        session.creator,
        session.creator_program,
        session.session_id,
        session.bump,
        session.config.max_duration,
        session.config.permissions,
        session.config.settings,
        session.created_at,
        session.request_deadline,
        _PARAMS.encode(params),
        base=session,
    )
    return SessionRecord(
        origin,
        session.status,
        session.updated_at,
        session.activated_at,
        session.expires_at,
        lamports,
    )


def encode_record(record: SessionRecord) -> bytes:
    """The exact account data (discriminator included) the program stores for ``record``."""
    return encode_session(to_session(record))
