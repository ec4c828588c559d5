"""Whole lifecycles in the real SVM: stored state, events and lamports after every step.

Each step asserts the complete Session (every field, via its exact encoded bytes), the exact
events, and the balance deltas of every party; fees are paid by the harness's own fee payer,
so creator and owner balances move only by rent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import (
    ALL_PERMISSIONS,
    ALL_SETTINGS,
    MAX_REQUEST_TTL,
    MAX_SESSION_DURATION,
    Permission,
    Setting,
)
from sessions_client.errors import ErrorCode
from sessions_client.events import (
    SessionActivated,
    SessionClosed,
    SessionCreated,
    SessionExpired,
    SessionPaused,
    SessionRequested,
    SessionResumed,
)
from sessions_client.pda import find_session_address
from sessions_client.types import (
    CloseReason,
    ResourceQuotas,
    SessionScope,
    SessionStatus,
)
from sessions_tools.svm import DEFAULT_START_TIME, SessionsSVM

from .legacy_runtime import portable_sessions
from .support import (
    AUTO_EXPIRE,
    DEFAULT_DURATION,
    DEFAULT_TTL,
    FEE_PER_SIGNATURE,
    Harness,
    Made,
    expected_session,
    params,
    replace,
)

T0 = DEFAULT_START_TIME


@pytest.fixture(params=["default", "portable-via-loader"])
def sessions(request: pytest.FixtureRequest, program_so: bytes, portable_so: bytes) -> SessionsSVM:
    """Every lifecycle twice: the default build, and the portable build deployed through the
    upgradeable loader into a runtime that has no sol_get_sysvar (where the default is refused)."""
    if request.param == "default":
        return SessionsSVM(program_so)
    return portable_sessions(portable_so)


RICH = params(
    max_duration=7200,
    permissions=int(Permission.EXECUTE | Permission.COMPOSE | Permission.READ_CROSS_SESSION),
    settings=int(Setting.EXECUTION_LOGGING | Setting.PERFORMANCE_MONITORING),
    scope=SessionScope(
        Pubkey.from_string("Vote111111111111111111111111111111111111111"), b"ns" * 16
    ),
    quotas=ResourceQuotas(
        max_executions=11,
        max_compute_units=2_000_000,
        max_lamports=123_456_789,
        max_borrowed_accounts=8,
        max_children=3,
    ),
    metadata=bytes(range(64)),
)


def closed_event(made: Made, h: Harness, closed_at: int, reason: CloseReason) -> SessionClosed:
    return SessionClosed(
        session=made.address,
        owner=made.owner_key,
        rent_receiver=made.creator_key,
        lamports_returned=h.rent,
        swept_to_owner=0,
        closed_at=closed_at,
        reason=reason,
    )


def test_request_approve_activate_pause_resume_close(h: Harness) -> None:
    requester = h.s.funded_keypair()
    owner = h.s.funded_keypair()
    sid = 77
    address, bump = find_session_address(requester.pubkey(), sid)
    r0, o0 = h.balances(requester.pubkey(), owner.pubkey())

    # request: the requester pays exactly the rent; the owner pays nothing
    out = h.ok(
        ix.request_session(requester.pubkey(), owner.pubkey(), sid, RICH, DEFAULT_TTL), [requester]
    )
    deadline = T0 + DEFAULT_TTL
    state = expected_session(
        owner=owner.pubkey(),
        creator=requester.pubkey(),
        session_id=sid,
        bump=bump,
        p=RICH,
        status=SessionStatus.REQUESTED,
        created_at=T0,
        request_deadline=deadline,
    )
    h.assert_session(address, state)
    assert out.events == (
        SessionRequested(address, owner.pubkey(), requester.pubkey(), sid, deadline),
    )
    assert h.balances(requester.pubkey(), owner.pubkey()) == [r0 - h.rent, o0]

    # approve (just before the deadline): Created, expiry counted from approval
    t1 = deadline - 1
    h.s.set_time(t1)
    out = h.ok(ix.approve_session(owner.pubkey(), address), [owner])
    state = replace(
        state, status=SessionStatus.CREATED, updated_at=t1, expires_at=t1 + RICH.config.max_duration
    )
    h.assert_session(address, state)
    assert out.events == (
        SessionCreated(
            session=address,
            owner=owner.pubkey(),
            creator=requester.pubkey(),
            session_id=sid,
            permissions=RICH.config.permissions,
            settings=RICH.config.settings,
            created_at=T0,
            expires_at=state.expires_at,
        ),
    )

    t2 = t1 + 10
    h.s.set_time(t2)
    out = h.ok(ix.activate_session(owner.pubkey(), address), [owner])
    state = replace(state, status=SessionStatus.ACTIVE, updated_at=t2, activated_at=t2)
    h.assert_session(address, state)
    assert out.events == (SessionActivated(address, owner.pubkey(), t2, state.expires_at),)

    t3 = t2 + 20
    h.s.set_time(t3)
    out = h.ok(ix.pause_session(owner.pubkey(), address), [owner])
    state = replace(state, status=SessionStatus.PAUSED, updated_at=t3)
    h.assert_session(address, state)
    assert out.events == (SessionPaused(address, owner.pubkey(), t3),)

    t4 = t3 + 30
    h.s.set_time(t4)
    out = h.ok(ix.resume_session(owner.pubkey(), address), [owner])
    state = replace(state, status=SessionStatus.ACTIVE, updated_at=t4)  # activated_at kept
    h.assert_session(address, state)
    assert out.events == (SessionResumed(address, owner.pubkey(), t4),)

    # close by the owner: the rent goes back to the requester (who paid it), not the owner
    t5 = t4 + 40
    h.s.set_time(t5)
    out = h.ok(
        ix.close_session(owner.pubkey(), address, requester.pubkey(), owner.pubkey()), [owner]
    )
    h.assert_gone(address)
    assert out.events == (
        SessionClosed(
            address, owner.pubkey(), requester.pubkey(), h.rent, 0, t5, CloseReason.CLOSED
        ),
    )
    assert h.balances(requester.pubkey(), owner.pubkey()) == [r0, o0]


def test_create_activate_pause_resume_close(h: Harness) -> None:
    owner = h.s.funded_keypair()
    sid = 5
    address, bump = find_session_address(owner.pubkey(), sid)
    (b0,) = h.balances(owner.pubkey())
    out = h.ok(ix.create_session(owner.pubkey(), sid, RICH), [owner])
    state = expected_session(
        owner=owner.pubkey(),
        creator=owner.pubkey(),
        session_id=sid,
        bump=bump,
        p=RICH,
        status=SessionStatus.CREATED,
        created_at=T0,
        expires_at=T0 + 7200,
    )
    h.assert_session(address, state)
    assert out.events == (
        SessionCreated(
            address,
            owner.pubkey(),
            owner.pubkey(),
            sid,
            RICH.config.permissions,
            RICH.config.settings,
            T0,
            T0 + 7200,
        ),
    )
    assert h.balances(owner.pubkey()) == [b0 - h.rent]

    steps = [
        (ix.activate_session, SessionStatus.ACTIVE, SessionActivated),
        (ix.pause_session, SessionStatus.PAUSED, SessionPaused),
        (ix.resume_session, SessionStatus.ACTIVE, SessionResumed),
        (ix.pause_session, SessionStatus.PAUSED, SessionPaused),
        (ix.resume_session, SessionStatus.ACTIVE, SessionResumed),
    ]
    now = T0
    for build, status, event in steps:
        now += 100
        h.s.set_time(now)
        out = h.ok(build(owner.pubkey(), address), [owner])
        if event is SessionActivated:
            state = replace(state, status=status, updated_at=now, activated_at=now)
            assert out.events == (SessionActivated(address, owner.pubkey(), now, T0 + 7200),)
        else:
            state = replace(state, status=status, updated_at=now)
            assert out.events == (event(address, owner.pubkey(), now),)
        h.assert_session(address, state)
    assert state.activated_at == T0 + 100

    now += 1
    h.s.set_time(now)
    out = h.ok(ix.close_session(owner.pubkey(), address, owner.pubkey(), owner.pubkey()), [owner])
    h.assert_gone(address)
    assert out.events == (
        SessionClosed(address, owner.pubkey(), owner.pubkey(), h.rent, 0, now, CloseReason.CLOSED),
    )
    assert h.balances(owner.pubkey()) == [b0]


def test_close_created_and_paused_by_owner(h: Harness) -> None:
    """Closing is allowed from Created and Paused too, reason Closed."""
    for state in ("created", "paused"):
        made = h.make(state)
        (c0,) = h.balances(made.creator_key)
        out = h.ok(
            ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
            [made.owner],
        )
        assert out.events == (closed_event(made, h, h.s.now(), CloseReason.CLOSED),)
        h.assert_gone(made.address)
        assert h.balances(made.creator_key) == [c0 + h.rent]


def test_a_session_revived_in_its_closing_transaction_is_an_empty_system_account(
    h: Harness,
) -> None:
    """Lamports sent back to the address after the close, in the same transaction, keep the
    account alive: it must be the system's and hold no bytes of the session (the close shrinks
    it to 0 bytes), so a later instruction finds no session there."""
    made = h.make("active")
    empty_rent = h.s.svm.minimum_balance_for_rent_exemption(0)
    close = ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key)
    revive = transfer(
        TransferParams(
            from_pubkey=h.fee_payer.pubkey(), to_pubkey=made.address, lamports=empty_rent
        )
    )
    activate = ix.activate_session(made.owner_key, made.address)
    h.reject([close, revive, activate], [made.owner], ErrorCode.SESSION_NOT_FOUND, index=2)
    h.ok([close, revive], [made.owner])
    account = h.s.svm.get_account(made.address)
    assert account is not None
    assert (account.owner, bytes(account.data), account.lamports) == (
        SYSTEM_PROGRAM_ID,
        b"",
        empty_rent,
    )


# -- expiry -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["created", "active", "paused"])
def test_expire_without_auto_expire_keeps_account_then_close(h: Harness, state: str) -> None:
    made = h.make(state)
    before = h.session(made.address)
    expires_at = before.expires_at
    assert expires_at == T0 + DEFAULT_DURATION
    h.s.set_time(expires_at)  # exactly at expires_at counts as expired
    stranger = h.s.funded_keypair()  # permissionless: anyone may send it
    (c0,) = h.balances(made.creator_key)
    out = h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key), payer=stranger)
    assert out.events == (
        SessionExpired(
            made.address, made.owner_key, expires_at, expires_at, SessionStatus[state.upper()]
        ),
    )
    h.assert_session(
        made.address, replace(before, status=SessionStatus.EXPIRED, updated_at=expires_at)
    )
    assert h.balances(made.creator_key) == [c0]

    # later, the owner closes it: reason Expired, rent to the creator
    h.s.advance(50)
    out = h.ok(
        ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
        [made.owner],
    )
    assert out.events == (closed_event(made, h, expires_at + 50, CloseReason.EXPIRED),)
    h.assert_gone(made.address)
    assert h.balances(made.creator_key) == [c0 + h.rent]


@pytest.mark.parametrize("state", ["created", "active", "paused"])
def test_expire_with_auto_expire_closes_and_refunds(h: Harness, state: str) -> None:
    made = h.make(state, params(max_duration=60, settings=AUTO_EXPIRE))
    expires_at = T0 + 60
    now = expires_at + 1000
    h.s.set_time(now)
    stranger = h.s.funded_keypair()
    (c0,) = h.balances(made.creator_key)
    (s0,) = h.balances(stranger.pubkey())
    out = h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key), payer=stranger)
    assert out.events == (
        SessionExpired(made.address, made.owner_key, expires_at, now, SessionStatus[state.upper()]),
        closed_event(made, h, now, CloseReason.EXPIRED),
    )
    h.assert_gone(made.address)
    # the stranger paid only the fee; the rent went to the creator
    assert h.balances(made.creator_key, stranger.pubkey()) == [c0 + h.rent, s0 - FEE_PER_SIGNATURE]


def test_expired_session_closed_by_its_creator(h: Harness) -> None:
    """A requested-then-approved session whose creator (not owner) cleans it up once Expired."""
    made = h.request()
    h.ok(ix.approve_session(made.owner_key, made.address), [made.owner])
    expires_at = h.session(made.address).expires_at
    h.s.set_time(expires_at)
    h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key))
    (c0, o0) = h.balances(made.creator_key, made.owner_key)
    out = h.ok(
        ix.close_session(made.creator_key, made.address, made.creator_key, made.owner_key),
        [made.creator],
    )
    assert out.events == (closed_event(made, h, expires_at, CloseReason.EXPIRED),)
    h.assert_gone(made.address)
    assert h.balances(made.creator_key, made.owner_key) == [c0 + h.rent, o0]


def test_owner_closing_after_expiry_reports_expired(h: Harness) -> None:
    """Active past expires_at but never expired: closing says reason Expired."""
    made = h.make("active")
    h.s.set_time(T0 + DEFAULT_DURATION + 5)
    out = h.ok(
        ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
        [made.owner],
    )
    assert out.events == (closed_event(made, h, T0 + DEFAULT_DURATION + 5, CloseReason.EXPIRED),)


def test_owner_closing_one_second_before_expiry_reports_closed(h: Harness) -> None:
    made = h.make("active")
    h.s.set_time(T0 + DEFAULT_DURATION - 1)
    out = h.ok(
        ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
        [made.owner],
    )
    assert out.events == (closed_event(made, h, T0 + DEFAULT_DURATION - 1, CloseReason.CLOSED),)


def test_requested_times_out_via_expire(h: Harness) -> None:
    made = h.request()
    deadline = T0 + DEFAULT_TTL
    h.s.set_time(deadline)
    (c0, o0) = h.balances(made.creator_key, made.owner_key)
    out = h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key))
    assert out.events == (
        SessionExpired(made.address, made.owner_key, deadline, deadline, SessionStatus.REQUESTED),
        closed_event(made, h, deadline, CloseReason.TIMED_OUT),
    )
    h.assert_gone(made.address)
    assert h.balances(made.creator_key, made.owner_key) == [c0 + h.rent, o0]


@pytest.mark.parametrize("by", ["creator", "owner"])
def test_requested_times_out_via_close(h: Harness, by: str) -> None:
    made = h.request()
    h.s.set_time(T0 + DEFAULT_TTL + 3)
    signer = made.creator if by == "creator" else made.owner
    (c0, o0) = h.balances(made.creator_key, made.owner_key)
    out = h.ok(
        ix.close_session(signer.pubkey(), made.address, made.creator_key, made.owner_key), [signer]
    )
    assert out.events == (closed_event(made, h, T0 + DEFAULT_TTL + 3, CloseReason.TIMED_OUT),)
    h.assert_gone(made.address)
    assert h.balances(made.creator_key, made.owner_key) == [c0 + h.rent, o0]


# -- cancel -------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["creator", "owner"])
def test_cancel_requested_session(h: Harness, by: str) -> None:
    """The requester withdraws its request, or the owner declines it: reason Cancelled."""
    made = h.request()
    h.s.set_time(T0 + DEFAULT_TTL - 1)
    signer = made.creator if by == "creator" else made.owner
    (c0, o0) = h.balances(made.creator_key, made.owner_key)
    out = h.ok(
        ix.close_session(signer.pubkey(), made.address, made.creator_key, made.owner_key), [signer]
    )
    assert out.events == (closed_event(made, h, T0 + DEFAULT_TTL - 1, CloseReason.CANCELLED),)
    h.assert_gone(made.address)
    assert h.balances(made.creator_key, made.owner_key) == [c0 + h.rent, o0]


# -- boundaries that must still succeed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "op"),
    [("created", ix.activate_session), ("active", ix.pause_session), ("paused", ix.resume_session)],
)
def test_transitions_allowed_until_one_second_before_expiry(
    h: Harness, state: str, op: Callable[..., Instruction]
) -> None:
    made = h.make(state)
    h.s.set_time(T0 + DEFAULT_DURATION - 1)
    h.ok(op(made.owner_key, made.address), [made.owner])


def test_expire_at_the_exact_second(h: Harness) -> None:
    made = h.make("active")
    h.s.set_time(T0 + DEFAULT_DURATION)
    h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key))
    assert h.session(made.address).status == SessionStatus.EXPIRED


def test_boundary_configurations_are_accepted(h: Harness) -> None:
    """The largest values every validation allows: must not be rejected."""
    p = params(
        max_duration=MAX_SESSION_DURATION,
        permissions=ALL_PERMISSIONS,
        settings=ALL_SETTINGS,
        quotas=ResourceQuotas(
            max_borrowed_accounts=8, max_children=0xFFFF, max_executions=2**64 - 1
        ),
    )
    made = h.create(p)
    assert h.session(made.address).expires_at == T0 + MAX_SESSION_DURATION
    made = h.request(
        params(max_duration=1, permissions=int(Permission.EXECUTE)), ttl=MAX_REQUEST_TTL
    )
    assert h.session(made.address).request_deadline == T0 + MAX_REQUEST_TTL
    made = h.request(params(max_duration=1, permissions=0), ttl=1)
    assert h.session(made.address).request_deadline == T0 + 1
