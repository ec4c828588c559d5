"""SessionIsolationManager: permission boundaries, quotas per session, data policies."""

from __future__ import annotations

import pytest
from conftest import Parties
from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import ResourceQuotas, SessionScope
from simulator.execute_policy import ExecutionRequest
from simulator.factory import SessionFactory
from simulator.isolation import SessionIsolationManager
from simulator.record import UsageFields
from simulator.state import SessionState
from simulator.templates import Overrides

NS = b"n" * 32
OTHER_NS = b"o" * 32
QUOTAS = ResourceQuotas(
    max_executions=2,
    max_compute_units=1_000,
    max_lamports=50,
    max_borrowed_accounts=1,
    max_children=1,
)
ANY_PROGRAM = Pubkey.default()
ALL = int(
    Permission.EXECUTE
    | Permission.COMPOSE
    | Permission.READ_CROSS_SESSION
    | Permission.WRITE_CROSS_SESSION
)


def live(
    factory: SessionFactory,
    owner: Pubkey,
    *,
    permissions: int = ALL,
    namespace: bytes = NS,
    program: Pubkey = ANY_PROGRAM,
    quotas: ResourceQuotas = QUOTAS,
) -> SessionState:
    overrides = Overrides(
        permissions=permissions,
        scope=SessionScope(program=program, namespace=namespace),
        quotas=quotas,
    )
    state = factory.confirm(factory.create(owner, overrides=overrides))
    return factory.confirm(factory.activate(state.address))


@pytest.fixture
def manager() -> SessionIsolationManager:
    return SessionIsolationManager()


@pytest.mark.parametrize(
    "request_",
    [
        ExecutionRequest(PROGRAM_ID, borrowed_accounts=2),
        ExecutionRequest(PROGRAM_ID, children=2),
    ],
)
def test_the_lease_quotas(
    factory: SessionFactory,
    parties: Parties,
    manager: SessionIsolationManager,
    request_: ExecutionRequest,
) -> None:
    """Borrowed accounts and children, the quotas execute does not charge (executions,
    compute units and lamports are execute's: tests/simulator/test_execute_model.py)."""
    state = live(factory, parties.owner)
    now = factory.program.clock.now()
    assert manager.authorize_execution(state, request_, now) is ErrorCode.QUOTA_EXCEEDED
    assert manager.usage(state.address) == UsageFields()  # nothing charged on refusal
    zero = live(factory, parties.owner, quotas=ResourceQuotas())
    one = ExecutionRequest(PROGRAM_ID, borrowed_accounts=1)
    assert manager.authorize_execution(zero, one, now) is ErrorCode.QUOTA_EXCEEDED


def test_borrowed_accounts_and_children_are_released(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner, quotas=QUOTAS)
    now = factory.program.clock.now()
    request = ExecutionRequest(PROGRAM_ID, borrowed_accounts=1, children=1)
    assert isinstance(manager.authorize_execution(state, request, now), UsageFields)
    manager.release(state.address, borrowed_accounts=1, children=1)
    used = manager.usage(state.address)
    assert used.stats.borrowed_count == 0
    assert used.stats.children_count == 0
    assert used.usage_count == 0  # executions are execute's, on the record


def test_the_execution_gate_comes_first(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner, permissions=int(Permission.READ_CROSS_SESSION))
    now = factory.program.clock.now()
    assert manager.authorize_execution(state, ExecutionRequest(PROGRAM_ID), now) is (
        ErrorCode.PERMISSION_DENIED
    )
    paused = factory.pause(live(factory, parties.owner).address)
    assert manager.authorize_execution(paused, ExecutionRequest(PROGRAM_ID), now) is (
        ErrorCode.SESSION_NOT_ACTIVE
    )


def test_the_scope_program_bounds_execution(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner, program=PROGRAM_ID)
    now = factory.program.clock.now()
    elsewhere = ExecutionRequest(parties.payer)
    assert manager.authorize_execution(state, elsewhere, now) is ErrorCode.POLICY_VIOLATION
    charged = manager.authorize_execution(state, ExecutionRequest(PROGRAM_ID), now)
    assert isinstance(charged, UsageFields)


def test_namespace_scoping(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner)
    now = factory.program.clock.now()
    assert manager.write(state, NS, b"k", b"v", now=now) is None
    assert manager.read(state, NS, b"k", now=now) == b"v"
    assert manager.read(state, NS, b"missing", now=now) is None
    assert manager.write(state, OTHER_NS, b"k", b"v", now=now) is ErrorCode.POLICY_VIOLATION
    assert manager.read(state, OTHER_NS, b"k", now=now) is ErrorCode.POLICY_VIOLATION
    with pytest.raises(ValueError, match="namespace"):
        manager.read(state, b"short", b"k", now=now)


def test_data_is_segregated_per_session(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    mine = live(factory, parties.owner)
    sibling = live(factory, parties.owner)
    now = factory.program.clock.now()
    assert manager.write(mine, NS, b"k", b"mine", now=now) is None
    assert manager.read(sibling, NS, b"k", now=now) is None  # its own partition
    assert manager.read(sibling, NS, b"k", now=now, target=mine) == b"mine"
    assert manager.write(sibling, NS, b"k", b"theirs", now=now, target=mine) is None
    assert manager.read(mine, NS, b"k", now=now) == b"theirs"


def test_cross_session_needs_the_permission(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    target = live(factory, parties.owner)
    reader = live(factory, parties.owner, permissions=int(Permission.READ_CROSS_SESSION))
    now = factory.program.clock.now()
    assert manager.read(reader, NS, b"k", now=now, target=target) is None
    assert manager.write(reader, NS, b"k", b"x", now=now, target=target) is (
        ErrorCode.PERMISSION_DENIED
    )
    plain = live(factory, parties.owner, permissions=int(Permission.EXECUTE))
    assert manager.read(plain, NS, b"k", now=now, target=target) is ErrorCode.PERMISSION_DENIED


def test_never_across_owners_or_namespaces(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    mine = live(factory, parties.owner)
    theirs = live(factory, parties.dapp)
    elsewhere = live(factory, parties.owner, namespace=OTHER_NS)
    now = factory.program.clock.now()
    assert manager.read(mine, NS, b"k", now=now, target=theirs) is ErrorCode.POLICY_VIOLATION
    assert manager.read(mine, NS, b"k", now=now, target=elsewhere) is ErrorCode.POLICY_VIOLATION


def test_data_access_needs_a_live_session(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner)
    assert manager.read(state, NS, b"k", now=state.expires_at) is ErrorCode.SESSION_EXPIRED
    paused = factory.pause(state.address)
    now = factory.program.clock.now()
    assert manager.write(paused, NS, b"k", b"v", now=now) is ErrorCode.SESSION_NOT_ACTIVE


def test_forget_drops_usage_and_data(
    factory: SessionFactory, parties: Parties, manager: SessionIsolationManager
) -> None:
    state = live(factory, parties.owner)
    now = factory.program.clock.now()
    manager.write(state, NS, b"k", b"v", now=now)
    manager.authorize_execution(state, ExecutionRequest(PROGRAM_ID), now)
    manager.forget(state.address)
    assert manager.usage(state.address) == UsageFields()
    assert manager.read(state, NS, b"k", now=now) is None
