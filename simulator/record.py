"""How the model stores a Session account: built and unpacked here, and only here.

A :class:`SessionRecord` is the account's content grouped by feature: what creation
fixed (:class:`SessionOrigin`), then one group per feature whose fields instructions
change - the lifecycle (status and times, the record's own fields, since every transition
touches them), :class:`UsageFields` (executions
and usage statistics), :class:`GuardFields` (the guard and the effective permissions),
:class:`DelegationFields` (depth and parent link), :class:`LeaseFields` (the
borrowed-accounts table), :class:`ProtocolFields` (protocol state and shared data) -
and the account's lamports. A feature's instruction replaces its own group and passes
the others along by reference, so a new field goes into its group here and into the
two conversions below (:func:`to_session`, :func:`record_of`), never into a handler's
tuple.

Records are immutable NamedTuples, never mutated: a transition builds a new one through
the named constructors below (:func:`created_record`, :func:`requested_record`,
:func:`with_lifecycle`, :func:`new_usage`, :func:`with_lamports`), whose signatures mypy
checks. Inside them the tuples are built with ``tuple.__new__`` (four times cheaper than
a NamedTuple's keyword ``__new__``, the simulator's hot path); a test holds each equal
to the keyword construction. :func:`to_session` rebuilds the client mirror's
:class:`~sessions_client.types.Session` (and :func:`encode_record` its exact account
bytes) only when someone looks.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from solders.pubkey import Pubkey

from sessions_client.accounts import encode_session
from sessions_client.codec import layout_of
from sessions_client.constants import SESSION_VERSION
from sessions_client.types import (
    EMPTY_BORROWS,
    BorrowedAccount,
    Guard,
    ProtocolState,
    ResourceQuotas,
    Session,
    SessionConfig,
    SessionParams,
    SessionStatus,
    SharedData,
    UsageStats,
)

_ZERO_KEY: Final = Pubkey.default()
_PARAMS = layout_of(SessionParams)
_RESERVED_LEN: Final = layout_of(Session).field("reserved").size
#: The reserved bytes of every session the program creates (immutable, so shared).
_NO_RESERVED: Final = bytes(_RESERVED_LEN)
#: ``tuple.__new__``: builds a NamedTuple without its Python-level ``__new__``.
_new: Final = tuple.__new__
#: The statuses a creation stores (an Enum member read from its class costs a lookup).
_CREATED: Final = SessionStatus.CREATED
_REQUESTED: Final = SessionStatus.REQUESTED


class SessionOrigin(NamedTuple):
    """Everything the creating instruction fixed; no instruction changes these."""

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
    #: The borsh ``SessionParams`` exactly as the instruction carried them (scope, quotas,
    #: metadata are read from here; the guard is copied into GuardFields at creation, since
    #: update_guard changes it).
    params: bytes
    #: The account's reserved bytes (zero unless the account was written from outside).
    reserved: bytes = _NO_RESERVED


class UsageFields(NamedTuple):
    """What the session has consumed: executions and usage statistics."""

    usage_count: int = 0
    stats: UsageStats = UsageStats()


class GuardFields(NamedTuple):
    """What the session may do: its guard program and effective permissions."""

    effective_permissions: int
    guard: Guard = Guard()
    #: The quotas in force when update_quotas changed them (None: the creation's, in params).
    quotas: ResourceQuotas | None = None
    #: The session signer execute proved and recorded (zero: not recorded yet).
    signer: Pubkey = _ZERO_KEY
    signer_bump: int = 0


class DelegationFields(NamedTuple):
    """Where the session sits in a delegation tree: depth and parent link."""

    depth: int = 0
    bound_to: Pubkey = _ZERO_KEY


class LeaseFields(NamedTuple):
    """The borrowed-accounts table."""

    borrowed: tuple[BorrowedAccount, ...] = EMPTY_BORROWS


class ProtocolFields(NamedTuple):
    """The attached protocol's state and the shared data region."""

    protocol: ProtocolState = ProtocolState()
    shared: SharedData = SharedData()


class SessionRecord(NamedTuple):
    """A stored session: its origin, one group per feature, and the account's lamports.

    The lifecycle group (status and times: what approve, activate, pause, resume and expire
    change) is the record's own fields rather than a nested tuple: every transition reads
    and writes it, and the nesting would cost the simulator's hot path a tenth.
    """

    origin: SessionOrigin
    status: SessionStatus
    updated_at: int
    activated_at: int
    expires_at: int
    usage: UsageFields
    guard: GuardFields
    delegation: DelegationFields
    leases: LeaseFields
    protocol: ProtocolFields
    lamports: int


#: The groups a new session starts with (immutable, so shared by every record).
NO_USAGE: Final = UsageFields()
NO_DELEGATION: Final = DelegationFields()
NO_LEASES: Final = LeaseFields()
NO_PROTOCOL: Final = ProtocolFields()
_NO_GUARD: Final = Guard()
_GUARD_LEN: Final = _PARAMS.leaf_struct("guard.len")
_GUARD_LEN_AT: Final = _PARAMS.leaf("guard.len").offset
_GUARD_AT: Final = _PARAMS.field("guard").offset


def _created_guard(params: bytes) -> Guard:
    """The guard the program copies at creation (validated: zero after len, so no guard is
    all zero and shares one instance)."""
    if _GUARD_LEN.unpack_from(params, _GUARD_LEN_AT)[0] == 0:
        return _NO_GUARD
    return layout_of(Guard).decode(params, _GUARD_AT)


# -- named constructors (the only places records are built) ---------------------------------


def new_origin(
    address: Pubkey,
    owner: Pubkey,
    creator: Pubkey,
    *,
    session_id: int,
    bump: int,
    config: tuple[int, int, int],
    created_at: int,
    request_deadline: int,
    params: bytes,
) -> SessionOrigin:
    """The origin of a session a top-level instruction creates (``creator_program`` zero);
    ``config`` is (max_duration, permissions, settings)."""
    max_duration, permissions, settings = config
    return _new(
        SessionOrigin,
        (
            address,
            owner,
            creator,
            _ZERO_KEY,
            session_id,
            bump,
            max_duration,
            permissions,
            settings,
            created_at,
            request_deadline,
            params,
            _NO_RESERVED,
        ),
    )


def created_record(
    origin: SessionOrigin, now: int, expires_at: int, lamports: int
) -> SessionRecord:
    """A session create_session wrote: Created, its lifetime running."""
    return _new(
        SessionRecord,
        (
            origin,
            _CREATED,
            now,
            0,
            expires_at,
            NO_USAGE,
            _new(
                GuardFields, (origin.permissions, _created_guard(origin.params), None, _ZERO_KEY, 0)
            ),
            NO_DELEGATION,
            NO_LEASES,
            NO_PROTOCOL,
            lamports,
        ),
    )


def requested_record(origin: SessionOrigin, now: int, lamports: int) -> SessionRecord:
    """A session request_session wrote: Requested, waiting for its owner."""
    return _new(
        SessionRecord,
        (
            origin,
            _REQUESTED,
            now,
            0,
            0,
            NO_USAGE,
            _new(
                GuardFields, (origin.permissions, _created_guard(origin.params), None, _ZERO_KEY, 0)
            ),
            NO_DELEGATION,
            NO_LEASES,
            NO_PROTOCOL,
            lamports,
        ),
    )


def with_limits(
    record: SessionRecord, guard: GuardFields, usage: UsageFields, updated_at: int
) -> SessionRecord:
    """``record`` after an update instruction: new guard group (permissions, guard, quotas) and
    usage group (the rate window), updated_at stamped; status and times otherwise unchanged."""
    return record._replace(updated_at=updated_at, usage=usage, guard=guard)


def with_execution(
    record: SessionRecord, stats: UsageStats, signer: Pubkey, signer_bump: int, now: int
) -> SessionRecord:
    """``record`` after an execute: one more execution with ``stats``, the signer recorded."""
    usage = _new(UsageFields, (record.usage.usage_count + 1, stats))
    guard = record.guard._replace(signer=signer, signer_bump=signer_bump)
    return with_limits(record, guard, usage, now)


def with_lifecycle(
    record: SessionRecord,
    status: SessionStatus,
    updated_at: int,
    activated_at: int,
    expires_at: int,
) -> SessionRecord:
    """``record`` with new lifecycle fields; every other group unchanged."""
    origin, _, _, _, _, usage, guard, delegation, leases, protocol, lamports = record
    return _new(
        SessionRecord,
        (
            origin,
            status,
            updated_at,
            activated_at,
            expires_at,
            usage,
            guard,
            delegation,
            leases,
            protocol,
            lamports,
        ),
    )


def new_usage(usage_count: int, stats: UsageStats) -> UsageFields:
    """A usage group (what an execution charged, or released)."""
    return _new(UsageFields, (usage_count, stats))


def with_lamports(record: SessionRecord, lamports: int) -> SessionRecord:
    """``record`` holding ``lamports`` (an airdrop into a live session's account)."""
    return record._replace(lamports=lamports)


# -- conversions to and from the client mirror's Session --------------------------------------


def to_session(record: SessionRecord) -> Session:
    """The client mirror's Session value the program's account holds for ``record``."""
    o, usage, guard, delegation = record.origin, record.usage, record.guard, record.delegation
    params = _PARAMS.decode(o.params)
    return Session(
        version=SESSION_VERSION,
        bump=o.bump,
        status=record.status,
        depth=delegation.depth,
        effective_permissions=guard.effective_permissions,
        owner=o.owner,
        creator=o.creator,
        creator_program=o.creator_program,
        session_id=o.session_id,
        config=SessionConfig(o.max_duration, o.permissions, o.settings),
        scope=params.scope,
        bound_to=delegation.bound_to,
        created_at=o.created_at,
        updated_at=record.updated_at,
        activated_at=record.activated_at,
        expires_at=record.expires_at,
        request_deadline=o.request_deadline,
        usage_count=usage.usage_count,
        quotas=params.quotas if guard.quotas is None else guard.quotas,
        usage=usage.stats,
        guard=guard.guard,
        protocol=record.protocol.protocol,
        shared=record.protocol.shared,
        metadata=params.metadata,
        borrowed=record.leases.borrowed,
        signer=guard.signer,
        signer_bump=guard.signer_bump,
        reserved=o.reserved,
    )


def record_of(address: Pubkey, session: Session, lamports: int) -> SessionRecord:
    """The record of an account that holds ``session`` (written from outside the program)."""
    params = SessionParams(
        session.config, session.scope, session.quotas, session.guard, session.metadata
    )
    origin = SessionOrigin(
        address=address,
        owner=session.owner,
        creator=session.creator,
        creator_program=session.creator_program,
        session_id=session.session_id,
        bump=session.bump,
        max_duration=session.config.max_duration,
        permissions=session.config.permissions,
        settings=session.config.settings,
        created_at=session.created_at,
        request_deadline=session.request_deadline,
        params=_PARAMS.encode(params),
        reserved=session.reserved,
    )
    return SessionRecord(
        origin=origin,
        status=session.status,
        updated_at=session.updated_at,
        activated_at=session.activated_at,
        expires_at=session.expires_at,
        usage=UsageFields(session.usage_count, session.usage),
        guard=GuardFields(
            session.effective_permissions,
            session.guard,
            session.quotas,
            session.signer,
            session.signer_bump,
        ),
        delegation=DelegationFields(session.depth, session.bound_to),
        leases=LeaseFields(session.borrowed),
        protocol=ProtocolFields(session.protocol, session.shared),
        lamports=lamports,
    )


def encode_record(record: SessionRecord) -> bytes:
    """The exact account data (discriminator included) the program stores for ``record``."""
    return encode_session(to_session(record))
