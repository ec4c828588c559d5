"""The sessions program's account and type layouts: the single source of truth.

Each dataclass here is a borsh struct. Field order is layout order; the
``Annotated`` metadata is the borsh type. ``idl/sessions.json`` and
``program/include/sessions_layout.h`` are generated from these classes
(``sessions codegen``), and tests fail when either file drifts.

The Session account is designed for the whole roadmap now (guards, quotas,
delegation, borrowing, shared data, protocols), so later work fills fields
instead of moving them. Every multi-byte field sits at its natural alignment
so the program reads it with one aligned load; ``reserved`` fields are the
explicit padding that keeps it so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated

from solders.pubkey import Pubkey

from sessions_client.borsh import I64, U8, U16, U32, U64, ArrayOf, ByteArray
from sessions_client.constants import (
    BORROW_CAPACITY,
    GUARD_CAPACITY,
    METADATA_LEN,
    NAMESPACE_LEN,
    SHARED_DATA_CAPACITY,
)

_ZERO_KEY = Pubkey.default()


class SessionStatus(enum.IntEnum):
    """The seed's lifecycle states.

    Only the stable states (Requested, Created, Active, Paused, Expired) are ever
    stored on-chain. Creating, Activating and Closing are the client's and the
    simulator's in-flight states (a transaction sent, not yet confirmed).
    Closed, Cancelled, TimedOut and CreationFailed are end states whose account
    does not exist (any more); ActivationFailed is the client's record of a
    failed activation, after which the account is still Created on-chain.
    """

    REQUESTED = 0
    CREATING = 1
    CREATED = 2
    ACTIVATING = 3
    ACTIVE = 4
    PAUSED = 5
    CLOSING = 6
    CLOSED = 7
    EXPIRED = 8
    CANCELLED = 9
    TIMED_OUT = 10
    CREATION_FAILED = 11
    ACTIVATION_FAILED = 12


#: States the program accepts in a stored Session account.
ON_CHAIN_STATUSES = frozenset(
    {
        SessionStatus.REQUESTED,
        SessionStatus.CREATED,
        SessionStatus.ACTIVE,
        SessionStatus.PAUSED,
        SessionStatus.EXPIRED,
    }
)


class CloseReason(enum.IntEnum):
    """Why a session account was closed (carried by SessionClosed)."""

    CLOSED = 0
    CANCELLED = 1
    TIMED_OUT = 2
    EXPIRED = 3


class BorrowMode(enum.IntEnum):
    """How a borrowed-account slot holds its account (borrowing comes with a later issue)."""

    NONE = 0
    READ = 1
    WRITE = 2


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """The owner's choices: lifetime bound, permission flags, setting flags."""

    max_duration: Annotated[int, I64]
    permissions: Annotated[int, U32]
    settings: Annotated[int, U32]


@dataclass(frozen=True, slots=True)
class SessionScope:
    """What the session is scoped to: a target program (default key = any) and a data namespace."""

    program: Pubkey = _ZERO_KEY
    namespace: Annotated[bytes, ByteArray(NAMESPACE_LEN)] = bytes(NAMESPACE_LEN)


@dataclass(frozen=True, slots=True)
class ResourceQuotas:
    """Hard limits; zero means none allowed (fail closed), never unlimited."""

    max_executions: Annotated[int, U64] = 0
    max_compute_units: Annotated[int, U64] = 0
    max_lamports: Annotated[int, U64] = 0
    max_borrowed_accounts: Annotated[int, U16] = 0
    max_children: Annotated[int, U16] = 0
    reserved: Annotated[bytes, ByteArray(4)] = bytes(4)


@dataclass(frozen=True, slots=True)
class UsageStats:
    """What the session has consumed so far (execution counts live in ``usage_count``)."""

    compute_units_used: Annotated[int, U64] = 0
    lamports_spent: Annotated[int, U64] = 0
    last_used_at: Annotated[int, I64] = 0
    rate_window_start: Annotated[int, I64] = 0
    rate_window_count: Annotated[int, U32] = 0
    borrowed_count: Annotated[int, U16] = 0
    children_count: Annotated[int, U16] = 0


@dataclass(frozen=True, slots=True)
class Guard:
    """A compact predicate program; ``len == 0`` means no guard."""

    len: Annotated[int, U16] = 0
    code: Annotated[bytes, ByteArray(GUARD_CAPACITY)] = bytes(GUARD_CAPACITY)


@dataclass(frozen=True, slots=True)
class ProtocolState:
    """Where the session is in its attached protocol (default key = no protocol)."""

    definition: Pubkey = _ZERO_KEY
    steps: Annotated[int, U32] = 0
    state: Annotated[int, U8] = 0
    reserved: Annotated[bytes, ByteArray(3)] = bytes(3)


@dataclass(frozen=True, slots=True)
class SharedData:
    """The session's shared data region, versioned so readers can detect changes."""

    version: Annotated[int, U32] = 0
    len: Annotated[int, U16] = 0
    reserved: Annotated[int, U16] = 0
    data: Annotated[bytes, ByteArray(SHARED_DATA_CAPACITY)] = bytes(SHARED_DATA_CAPACITY)


@dataclass(frozen=True, slots=True)
class BorrowedAccount:
    """One slot of the borrowed-accounts table (mode NONE = free slot)."""

    account: Pubkey = _ZERO_KEY
    until: Annotated[int, I64] = 0
    mode: BorrowMode = BorrowMode.NONE
    reserved: Annotated[bytes, ByteArray(7)] = bytes(7)


EMPTY_BORROWS: tuple[BorrowedAccount, ...] = tuple(
    BorrowedAccount() for _ in range(BORROW_CAPACITY)
)


@dataclass(frozen=True, slots=True)
class SessionParams:
    """Everything the creator chooses, shared by create_session and request_session."""

    config: SessionConfig
    scope: SessionScope = field(default_factory=SessionScope)
    quotas: ResourceQuotas = field(default_factory=ResourceQuotas)
    guard: Guard = field(default_factory=Guard)
    metadata: Annotated[bytes, ByteArray(METADATA_LEN)] = bytes(METADATA_LEN)


@dataclass(frozen=True, slots=True)
class Session:
    """The Session account (after its 8-byte discriminator)."""

    version: Annotated[int, U8]
    bump: Annotated[int, U8]
    status: SessionStatus
    depth: Annotated[int, U8]
    effective_permissions: Annotated[int, U32]
    owner: Pubkey
    creator: Pubkey
    creator_program: Pubkey
    session_id: Annotated[int, U64]
    config: SessionConfig
    scope: SessionScope
    bound_to: Pubkey
    created_at: Annotated[int, I64]
    updated_at: Annotated[int, I64]
    activated_at: Annotated[int, I64]
    expires_at: Annotated[int, I64]
    request_deadline: Annotated[int, I64]
    usage_count: Annotated[int, U64]
    quotas: ResourceQuotas
    usage: UsageStats
    guard: Guard
    protocol: ProtocolState
    shared: SharedData
    metadata: Annotated[bytes, ByteArray(METADATA_LEN)]
    borrowed: Annotated[tuple[BorrowedAccount, ...], ArrayOf(BorrowedAccount, BORROW_CAPACITY)]
    #: The session signer PDA ``["signer", session]`` and its canonical bump, recorded by the
    #: first execute that verified them (zero before): later executes compare one key instead
    #: of hashing the seeds again.
    signer: Pubkey
    signer_bump: Annotated[int, U8]
    reserved: Annotated[bytes, ByteArray(31)]


@dataclass(frozen=True, slots=True)
class SessionValidity:
    """validate_session's return data: the session may execute now, for this long."""

    session_id: Annotated[int, U64]
    #: Seconds until expires_at (always >= 1: an expired session fails instead).
    remaining_seconds: Annotated[int, I64]
    effective_permissions: Annotated[int, U32]
    reserved: Annotated[int, U32] = 0


#: Every struct type named in the IDL, in IDL order.
STRUCT_TYPES: tuple[type, ...] = (
    SessionConfig,
    SessionScope,
    ResourceQuotas,
    UsageStats,
    Guard,
    ProtocolState,
    SharedData,
    BorrowedAccount,
    SessionParams,
    Session,
    SessionValidity,
)
ENUM_TYPES: tuple[type[enum.IntEnum], ...] = (SessionStatus, CloseReason, BorrowMode)
