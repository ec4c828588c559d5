"""SessionFactory: registry, templates, limits, ids, and the lifecycle with its in-flight
states driven against the program model."""

from __future__ import annotations

import pytest
from conftest import Parties

from sessions_client import instructions as ix
from sessions_client.constants import MAX_SESSION_DURATION, Permission, Setting
from sessions_client.errors import ErrorCode
from sessions_client.lifecycle import InvalidTransitionError, Operation
from sessions_client.types import CloseReason, SessionConfig, SessionParams, SessionScope
from sessions_client.types import SessionStatus as S
from simulator.factory import FactoryError, SessionFactory
from simulator.outcome import RuntimeFailure
from simulator.program import ProgramModel
from simulator.templates import FactoryConfig, Overrides, SessionTemplate


def mirrors_chain(factory: SessionFactory) -> None:
    """Every registered session that is on-chain encodes to the account's exact bytes."""
    for state in factory.sessions():
        data = factory.program.account_data(state.address)
        if state.on_chain:
            assert state.encode() == data
            assert state.lamports == factory.program.balance(state.address)
        else:
            assert data is None


# -- creation, optimistic and in flight -------------------------------------------------------


def test_create_is_optimistic_then_confirmed(factory: SessionFactory, parties: Parties) -> None:
    pending = factory.create(parties.owner)
    state = factory.get(pending.address)
    assert pending.operation is Operation.CREATE
    assert state.status is S.CREATING
    assert state.in_flight
    assert not state.on_chain
    assert factory.program.account_data(pending.address) is None  # not landed yet
    predicted = state.encode()
    confirmed = factory.confirm(pending)
    assert confirmed.status is S.CREATED
    assert confirmed.on_chain
    assert confirmed.encode() == predicted == factory.program.account_data(pending.address)
    assert factory.pending(pending.address) is None
    mirrors_chain(factory)


def test_confirmation_lands_on_the_chain_as_it_is_then(
    factory: SessionFactory, parties: Parties
) -> None:
    pending = factory.create(parties.owner)
    sent_at = factory.program.clock.now()
    factory.program.clock.advance(7)
    state = factory.confirm(pending)
    assert pending.sent_at == sent_at
    assert state.created_at == sent_at + 7
    assert state.expires_at == sent_at + 7 + factory.config.default_max_duration
    mirrors_chain(factory)


def test_a_dropped_creation_takes_the_creation_failed_exit(
    factory: SessionFactory, parties: Parties
) -> None:
    pending = factory.create(parties.owner)
    state = factory.drop(pending)
    assert state.status is S.CREATION_FAILED
    assert state.ended
    assert state.error is RuntimeFailure.DROPPED
    assert not state.on_chain
    assert factory.program.account_data(pending.address) is None
    mirrors_chain(factory)


def test_a_creation_that_fails_on_landing(factory: SessionFactory, parties: Parties) -> None:
    pending = factory.create(parties.owner, session_id=7)
    # Someone else lands a create at the same address first.
    params = SessionParams(SessionConfig(60, 1, 0))
    assert factory.program.execute(ix.create_session(parties.owner, 7, params)).ok
    state = factory.confirm(pending)
    assert state.status is S.CREATION_FAILED
    assert state.error is ErrorCode.SESSION_ALREADY_EXISTS


def test_a_transaction_known_to_fail_is_not_sent(factory: SessionFactory, parties: Parties) -> None:
    factory.confirm(factory.create(parties.owner, session_id=3))
    with pytest.raises(InvalidTransitionError):  # the registry knows it exists
        factory.create(parties.owner, session_id=3)
    params = SessionParams(SessionConfig(60, 1, 0))
    assert factory.program.execute(ix.create_session(parties.owner, 4, params)).ok
    with pytest.raises(FactoryError) as refused:  # the preflight finds it
        factory.create(parties.owner, session_id=4)
    assert refused.value.code is ErrorCode.SESSION_ALREADY_EXISTS


def test_one_transaction_in_flight_per_session(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    pending = factory.activate(state.address)
    with pytest.raises(FactoryError):
        factory.activate(state.address)
    with pytest.raises(FactoryError):
        factory.pause(state.address)
    factory.confirm(pending)
    with pytest.raises(FactoryError):
        factory.confirm(pending)  # already landed


# -- requests ------------------------------------------------------------------------------


def test_request_approve_confirm(factory: SessionFactory, parties: Parties) -> None:
    requested = factory.request(parties.dapp, parties.owner, request_ttl=60)
    assert requested.status is S.REQUESTED
    assert requested.on_chain
    assert requested.creator == parties.dapp
    assert requested.owner == parties.owner
    assert requested.request_deadline == requested.created_at + 60
    assert requested.expires_at == 0
    factory.program.clock.advance(10)
    pending = factory.approve(requested.address)
    assert factory.get(requested.address).status is S.CREATING
    state = factory.confirm(pending)
    assert state.status is S.CREATED
    assert state.created_at == requested.created_at  # the request's time
    assert state.expires_at == requested.created_at + 10 + factory.config.default_max_duration
    mirrors_chain(factory)


def test_an_approval_landing_too_late_fails_and_leaves_the_request(
    factory: SessionFactory, parties: Parties
) -> None:
    requested = factory.request(parties.dapp, parties.owner, request_ttl=60)
    pending = factory.approve(requested.address)
    factory.program.clock.advance(60)  # now == deadline: timed out
    state = factory.confirm(pending)
    assert state.status is S.CREATION_FAILED
    assert state.error is ErrorCode.REQUEST_TIMED_OUT
    assert state.on_chain  # the Requested account is still there
    mirrors_chain(factory)
    dapp_before = factory.program.balance(parties.dapp)
    reclaimed = factory.reclaim(requested.address)
    assert reclaimed.status is S.CREATION_FAILED
    assert not reclaimed.on_chain
    assert reclaimed.close_reason is CloseReason.TIMED_OUT
    assert factory.program.balance(parties.dapp) == dapp_before + state.lamports
    mirrors_chain(factory)


def test_cancel_before_the_deadline(factory: SessionFactory, parties: Parties) -> None:
    requested = factory.request(parties.dapp, parties.owner, request_ttl=60)
    state = factory.cancel(requested.address)
    assert state.status is S.CANCELLED
    assert state.close_reason is CloseReason.CANCELLED
    assert not state.on_chain
    mirrors_chain(factory)


def test_cancel_after_the_deadline_is_a_timeout(factory: SessionFactory, parties: Parties) -> None:
    requested = factory.request(parties.dapp, parties.owner, request_ttl=60)
    factory.program.clock.advance(61)
    state = factory.cancel(requested.address, by=parties.owner)
    assert state.status is S.TIMED_OUT
    assert state.close_reason is CloseReason.TIMED_OUT


def test_time_out_by_expiry(factory: SessionFactory, parties: Parties) -> None:
    requested = factory.request(parties.dapp, parties.owner, request_ttl=60)
    with pytest.raises(FactoryError) as early:
        factory.expire(requested.address)
    assert early.value.code is ErrorCode.SESSION_NOT_EXPIRED
    assert factory.get(requested.address).status is S.REQUESTED
    factory.program.clock.advance(60)
    state = factory.expire(requested.address)
    assert state.status is S.TIMED_OUT
    assert not state.on_chain
    mirrors_chain(factory)


def test_only_requests_are_cancelled(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    with pytest.raises(InvalidTransitionError):
        factory.cancel(state.address)


# -- activation, suspension, expiry, closing ------------------------------------------------


def test_activate_pause_resume(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    pending = factory.activate(state.address)
    assert factory.get(state.address).status is S.ACTIVATING
    active = factory.confirm(pending)
    assert active.status is S.ACTIVE
    assert active.account.activated_at == factory.program.clock.now()
    assert factory.pause(state.address).status is S.PAUSED
    assert factory.resume(state.address).status is S.ACTIVE
    with pytest.raises(InvalidTransitionError):
        factory.resume(state.address)
    mirrors_chain(factory)


def test_an_activation_landing_after_expiry_fails(
    factory: SessionFactory, parties: Parties
) -> None:
    state = factory.confirm(factory.create(parties.owner, overrides=Overrides(max_duration=30)))
    pending = factory.activate(state.address)
    factory.program.clock.advance(30)
    failed = factory.confirm(pending)
    assert failed.status is S.ACTIVATION_FAILED
    assert failed.ended
    assert failed.error is ErrorCode.SESSION_EXPIRED
    assert failed.on_chain  # still Created on-chain
    assert failed.account.status is S.CREATED
    owner_before = factory.program.balance(parties.owner)
    reclaimed = factory.reclaim(state.address)
    assert not reclaimed.on_chain
    assert reclaimed.close_reason is CloseReason.EXPIRED
    assert factory.program.balance(parties.owner) == owner_before + failed.lamports
    mirrors_chain(factory)


def test_a_dropped_activation(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    failed = factory.drop(factory.activate(state.address))
    assert failed.status is S.ACTIVATION_FAILED
    assert failed.error is RuntimeFailure.DROPPED
    assert failed.account.status is S.CREATED


def test_expire_keeps_or_closes(factory: SessionFactory, parties: Parties) -> None:
    keep = factory.confirm(factory.create(parties.owner, overrides=Overrides(max_duration=10)))
    auto = factory.confirm(
        factory.create(
            parties.owner,
            overrides=Overrides(max_duration=10, settings=int(Setting.AUTO_EXPIRE)),
        )
    )
    factory.program.clock.advance(10)
    expired = factory.expire(keep.address)
    assert expired.status is S.EXPIRED
    assert expired.on_chain
    closed = factory.expire(auto.address)
    assert closed.status is S.CLOSED
    assert closed.close_reason is CloseReason.EXPIRED
    assert not closed.on_chain
    done = factory.confirm(factory.close(keep.address, by=parties.owner))
    assert done.status is S.CLOSED
    assert done.close_reason is CloseReason.EXPIRED
    mirrors_chain(factory)


def test_close_in_flight_then_confirmed(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    factory.confirm(factory.activate(state.address))
    before = factory.program.balance(parties.owner)
    pending = factory.close(state.address)
    assert factory.get(state.address).status is S.CLOSING
    assert factory.get(state.address).on_chain
    closed = factory.confirm(pending)
    assert closed.status is S.CLOSED
    assert closed.close_reason is CloseReason.CLOSED
    assert factory.program.balance(parties.owner) == before + state.lamports
    mirrors_chain(factory)


def test_a_failed_close_restores_the_session(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    factory.confirm(factory.activate(state.address))
    restored = factory.drop(factory.close(state.address))
    assert restored.status is S.ACTIVE
    assert restored.error is RuntimeFailure.DROPPED
    pending = factory.close(state.address)
    # The session is closed behind the factory's back before the close lands.
    assert factory.program.execute(
        ix.close_session(parties.owner, state.address, parties.owner, parties.owner)
    ).ok
    failed = factory.confirm(pending)
    assert failed.status is S.ACTIVE
    assert failed.error is ErrorCode.SESSION_NOT_FOUND
    assert not failed.on_chain


def test_a_stranger_cannot_close(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner))
    with pytest.raises(FactoryError) as refused:
        factory.close(state.address, by=parties.stranger)
    assert refused.value.code is ErrorCode.UNAUTHORIZED


# -- templates, configuration, limits, ids ----------------------------------------------------


def test_templates_and_overrides(model: ProgramModel, parties: Parties) -> None:
    scope = SessionScope(namespace=b"n" * 32)
    factory = SessionFactory(
        model,
        FactoryConfig(default_max_duration=120),
        templates=[
            SessionTemplate("trader", permissions=int(Permission.EXECUTE | Permission.COMPOSE)),
            SessionTemplate("scoped", max_duration=60, scope=scope, metadata=b"m" * 64),
        ],
    )
    assert set(factory.templates) == {"default", "trader", "scoped"}
    trader = factory.confirm(factory.create(parties.owner, "trader"))
    assert trader.config == SessionConfig(120, 3, 0)
    scoped = factory.confirm(
        factory.create(parties.owner, "scoped", Overrides(settings=int(Setting.EXECUTION_LOGGING)))
    )
    assert scoped.config == SessionConfig(60, int(Permission.EXECUTE), 2)
    assert scoped.account.scope == scope
    assert scoped.account.metadata == b"m" * 64
    with pytest.raises(KeyError):
        factory.create(parties.owner, "missing")
    mirrors_chain(factory)


def test_the_factory_limits(model: ProgramModel, parties: Parties) -> None:
    factory = SessionFactory(
        model,
        FactoryConfig(
            default_max_duration=300,
            max_duration=600,
            allowed_permissions=1,
            max_sessions_per_owner=2,
        ),
    )
    for overrides in (Overrides(max_duration=601), Overrides(permissions=3)):
        with pytest.raises(FactoryError) as refused:
            factory.create(parties.owner, overrides=overrides)
        assert refused.value.code is ErrorCode.INVALID_CONFIGURATION
    factory.create(parties.owner)
    factory.confirm(factory.create(parties.owner))
    with pytest.raises(FactoryError) as full:
        factory.create(parties.owner)
    assert full.value.code is ErrorCode.QUOTA_EXCEEDED


@pytest.mark.parametrize(
    "config",
    [
        {"max_duration": 0},
        {"max_duration": MAX_SESSION_DURATION + 1},
        {"default_max_duration": 700, "max_duration": 600},
        {"default_request_ttl": 0},
        {"allowed_permissions": 1 << 8},
        {"max_sessions_per_owner": 0},
    ],
)
def test_impossible_configurations(config: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must"):
        FactoryConfig(**config)  # type: ignore[arg-type]


def test_ids_are_generated_cheapest_first_and_never_reused_while_live(
    factory: SessionFactory, parties: Parties
) -> None:
    first = factory.create(parties.owner)
    second = factory.create(parties.owner)
    assert first.address != second.address
    ids = [factory.get(p.address).session_id for p in (first, second)]
    assert ids == sorted(ids)
    assert ids[0] >= factory.config.first_session_id
    for p in (first, second):
        assert factory.get(p.address).account.bump == 255
    plain = SessionFactory(ProgramModel(), FactoryConfig(prefer_cheapest_ids=False))
    plain.program.airdrop(parties.owner, 10**12)
    assert plain.get(plain.create(parties.owner).address).session_id == 1


def test_registry_queries(factory: SessionFactory, parties: Parties) -> None:
    a = factory.confirm(factory.create(parties.owner))
    factory.request(parties.dapp, parties.stranger)
    assert {s.address for s in factory.sessions(owner=parties.owner)} == {a.address}
    assert len(factory.sessions(status=S.REQUESTED)) == 1
    with pytest.raises(KeyError):
        factory.get(parties.payer)


def test_state_fields(factory: SessionFactory, parties: Parties) -> None:
    state = factory.confirm(factory.create(parties.owner, overrides=Overrides(max_duration=100)))
    now = factory.program.clock.now()
    assert state.session_id == state.account.session_id
    assert state.permissions == int(Permission.EXECUTE)
    assert state.config.max_duration == 100
    assert state.created_at == now
    assert state.expires_at == now + 100
    assert state.usage_count == 0
    assert state.usage.compute_units_used == 0
    assert state.remaining(now + 40) == 60
    assert state.remaining(now + 200) == 0
    assert not state.is_expired(now + 99)
    assert state.is_expired(now + 100)
