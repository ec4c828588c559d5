"""OptimisticSessionManager against the real program in the embedded SVM."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client import instructions as ix
from sessions_client.cache import CachedSession, OptimisticSessionManager
from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.exceptions import PendingOperationError, RpcTimeoutError
from sessions_client.lifecycle import Operation
from sessions_client.pda import find_session_address
from sessions_client.types import Session, SessionParams, SessionStatus
from sessions_tools.bench.cache_bench import measure_cache_hit_us, sample_session
from sessions_tools.svm import SessionsSVM, SVMSessionSource, TxOutcome
from sessions_tools.testing import raise_for_outcome


def send_op(
    svm: SessionsSVM,
    instruction: Instruction,
    signers: Sequence[Keypair],
    gate: asyncio.Event | None = None,
    log: list[str] | None = None,
) -> Callable[[], Awaitable[TxOutcome]]:
    """An operation for the manager: yield like network I/O (and wait for ``gate``), execute."""

    async def run() -> TxOutcome:
        await asyncio.sleep(0)
        if gate is not None:
            await gate.wait()
        if log is not None:
            log.append("op")
        return raise_for_outcome(svm.send(instruction, signers))

    return run


class DictSource:
    """A SessionSource over a dict, recording each load; optionally gated."""

    def __init__(self, sessions: dict[Pubkey, Session] | None = None) -> None:
        self.sessions = dict(sessions or {})
        self.loads: list[Pubkey] = []
        self.gate: asyncio.Event | None = None
        self.log: list[str] | None = None

    async def load_session(self, address: Pubkey) -> Session | None:
        if self.gate is not None:
            await self.gate.wait()
        self.loads.append(address)
        if self.log is not None:
            self.log.append("load")
        return self.sessions.get(address)


def keys_and_sessions(count: int) -> list[tuple[Pubkey, Session]]:
    owner = Keypair().pubkey()
    return [(find_session_address(owner, i)[0], sample_session(owner, i)) for i in range(count)]


class Env:
    """An SVM, an owner, and a manager reading that SVM."""

    def __init__(self, svm: SessionsSVM, owner: Keypair, params: SessionParams) -> None:
        self.svm = svm
        self.owner = owner
        self.params = params
        self.manager = OptimisticSessionManager(SVMSessionSource(svm), capacity=8)

    def address(self, session_id: int) -> Pubkey:
        return find_session_address(self.owner.pubkey(), session_id)[0]

    def create_op(
        self, session_id: int, params: SessionParams | None = None, **kw: Any
    ) -> Callable[[], Awaitable[TxOutcome]]:
        instruction = ix.create_session(self.owner.pubkey(), session_id, params or self.params)
        return send_op(self.svm, instruction, [self.owner], **kw)

    def activate_op(
        self, session_id: int, signer: Keypair | None = None, **kw: Any
    ) -> Callable[[], Awaitable[TxOutcome]]:
        who = signer or self.owner
        instruction = ix.activate_session(who.pubkey(), self.address(session_id))
        return send_op(self.svm, instruction, [who], **kw)

    def pause_op(self, session_id: int) -> Callable[[], Awaitable[TxOutcome]]:
        instruction = ix.pause_session(self.owner.pubkey(), self.address(session_id))
        return send_op(self.svm, instruction, [self.owner])

    def close_op(
        self, session_id: int, signer: Keypair | None = None, **kw: Any
    ) -> Callable[[], Awaitable[TxOutcome]]:
        who = signer or self.owner
        instruction = ix.close_session(
            who.pubkey(), self.address(session_id), self.owner.pubkey(), self.owner.pubkey()
        )
        return send_op(self.svm, instruction, [who], **kw)

    async def created(self, session_id: int) -> Pubkey:
        address = self.address(session_id)
        await self.manager.create(address, self.create_op(session_id))
        return address

    async def active(self, session_id: int) -> Pubkey:
        address = await self.created(session_id)
        await self.manager.activate(address, self.activate_op(session_id))
        return address


@pytest.fixture
def env(
    sessions_svm: SessionsSVM,
    funded_payer: Callable[..., Keypair],
    mock_session_config: Callable[..., SessionParams],
) -> Env:
    return Env(sessions_svm, funded_payer(), mock_session_config())


# -- reads, accounting, LRU ----------------------------------------------------------------


async def test_hits_and_misses_are_counted_exactly(env: Env) -> None:
    address = env.address(1)
    create = ix.create_session(env.owner.pubkey(), 1, env.params)
    raise_for_outcome(env.svm.send(create, [env.owner]))
    manager = env.manager

    assert manager.peek(address) is None  # miss 1, no load
    entry = await manager.get(address)  # miss 2, load 1
    assert entry is not None
    assert entry.status is SessionStatus.CREATED
    assert entry.session == env.svm.session(address)
    assert manager.peek(address) is entry  # hit 1
    assert manager.get_cached(address) is entry  # hit 2
    assert await manager.get(address) is entry  # hit 3, no load
    stats = manager.stats()
    assert (stats.hits, stats.misses, stats.loads, stats.size) == (3, 2, 1, 1)
    assert stats.hit_rate == pytest.approx(3 / 5)

    nowhere = env.address(99)
    assert await manager.get(nowhere) is None  # miss 3, load 2, nothing cached
    stats = manager.stats()
    assert (stats.misses, stats.loads, stats.size) == (3, 2, 1)
    assert nowhere not in manager


async def test_lru_evicts_least_recently_used_first() -> None:
    (a, sa), (b, sb), (c, sc), (d, sd), (e, se) = keys_and_sessions(5)
    source = DictSource({a: sa, b: sb, c: sc, d: sd, e: se})
    manager = OptimisticSessionManager(source, capacity=3)
    for key in (a, b, c):
        await manager.get(key)
    assert manager.peek(a) is not None  # a becomes most recent: order b, c, a
    await manager.get(d)  # evicts b
    assert b not in manager
    assert all(k in manager for k in (a, c, d))
    assert manager.stats().evictions == 1
    await manager.get(e)  # evicts c (a and d were used after it)
    assert c not in manager
    assert all(k in manager for k in (a, d, e))
    assert manager.stats().evictions == 2
    # An evicted entry is loaded again on the next get.
    assert (await manager.get(b)) is not None
    assert source.loads == [a, b, c, d, e, b]
    assert a not in manager  # b's return evicted a (order was a, d, e)
    stats = manager.stats()
    assert (stats.size, stats.capacity, stats.evictions) == (3, 3, 3)


async def test_concurrent_misses_load_once() -> None:
    [(a, sa)] = keys_and_sessions(1)
    source = DictSource({a: sa})
    source.gate = asyncio.Event()
    manager = OptimisticSessionManager(source)
    tasks = [asyncio.create_task(manager.get(a)) for _ in range(3)]
    await asyncio.sleep(0)
    source.gate.set()
    entries = await asyncio.gather(*tasks)
    assert source.loads == [a]
    assert entries[0] is entries[1] is entries[2]
    assert manager.stats().misses == 3


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        OptimisticSessionManager(DictSource(), capacity=0)


def test_cache_hit_is_cheap() -> None:
    # The target is <= 2 microseconds per hit.
    assert measure_cache_hit_us(50_000, repeats=3) <= 2.0


# -- optimistic operations -----------------------------------------------------------------


async def test_create_is_visible_at_once_then_promoted(env: Env) -> None:
    address = env.address(1)
    gate = asyncio.Event()
    task = asyncio.create_task(env.manager.create(address, env.create_op(1, gate=gate)))
    await asyncio.sleep(0)
    entry = env.manager.peek(address)
    assert entry is not None
    assert (entry.status, entry.pending, entry.session) == (
        SessionStatus.CREATING,
        Operation.CREATE,
        None,
    )
    assert env.manager.pending_operations() == {address: Operation.CREATE}
    assert env.svm.session(address) is None  # nothing sent yet

    gate.set()
    outcome = await task
    assert outcome.ok
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.CREATED
    assert entry.pending is None
    assert entry.session == env.svm.session(address)
    assert env.manager.pending_operations() == {}


async def test_failed_create_rolls_back_to_creation_failed(
    env: Env, mock_session_config: Callable[..., SessionParams]
) -> None:
    address = env.address(1)
    invalid = mock_session_config(max_duration=0)
    with pytest.raises(SessionsProgramError) as info:
        await env.manager.create(address, env.create_op(1, invalid))
    assert info.value.code is ErrorCode.INVALID_CONFIGURATION
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.CREATION_FAILED
    assert entry.session is None
    assert entry.error is info.value
    assert env.svm.session(address) is None
    assert not env.manager.is_pending(address)

    # A retry with valid parameters succeeds and replaces the failed entry.
    await env.manager.create(address, env.create_op(1))
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.CREATED


async def test_activate_is_visible_then_active(env: Env) -> None:
    address = await env.created(1)
    created = env.manager.peek(address)
    assert created is not None
    gate = asyncio.Event()
    task = asyncio.create_task(env.manager.activate(address, env.activate_op(1, gate=gate)))
    await asyncio.sleep(0)
    flying = env.manager.peek(address)
    assert flying is not None
    assert flying.status is SessionStatus.ACTIVATING
    assert flying.session == created.session  # last confirmed state still at hand
    gate.set()
    await task
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.ACTIVE
    assert entry.session is not None
    assert entry.session.activated_at == env.svm.now()


async def test_failed_activate_rolls_back_to_activation_failed(env: Env) -> None:
    address = await env.created(1)
    stranger = env.svm.funded_keypair()
    with pytest.raises(SessionsProgramError) as info:
        await env.manager.activate(address, env.activate_op(1, signer=stranger))
    assert info.value.code is ErrorCode.UNAUTHORIZED
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.ACTIVATION_FAILED
    assert entry.error is info.value
    # The last confirmed state is kept, and a refresh reads the chain's truth.
    assert entry.session is not None
    assert entry.session.status is SessionStatus.CREATED
    refreshed = await env.manager.refresh(address)
    assert refreshed is not None
    assert refreshed.status is SessionStatus.CREATED


async def test_close_confirmation_removes_the_entry(env: Env) -> None:
    address = await env.active(1)
    gate = asyncio.Event()
    task = asyncio.create_task(env.manager.close(address, env.close_op(1, gate=gate)))
    await asyncio.sleep(0)
    flying = env.manager.peek(address)
    assert flying is not None
    assert flying.status is SessionStatus.CLOSING
    gate.set()
    await task
    assert address not in env.manager
    assert env.manager.peek(address) is None
    assert env.svm.session(address) is None
    assert await env.manager.get(address) is None


async def test_rejected_close_restores_the_previous_entry(env: Env) -> None:
    address = await env.active(1)
    before = env.manager.peek(address)
    stranger = env.svm.funded_keypair()
    with pytest.raises(SessionsProgramError) as info:
        await env.manager.close(address, env.close_op(1, signer=stranger))
    assert info.value.code is ErrorCode.UNAUTHORIZED
    assert env.manager.peek(address) == before


async def test_update_serializes_and_reloads(env: Env) -> None:
    address = await env.active(1)
    await env.manager.update(address, env.pause_op(1))
    entry = env.manager.peek(address)
    assert entry is not None
    assert entry.status is SessionStatus.PAUSED


async def test_cancelled_operation_leaves_the_cache_unchanged(env: Env) -> None:
    address = await env.created(1)
    before = env.manager.peek(address)
    gate = asyncio.Event()  # never set
    task = asyncio.create_task(env.manager.activate(address, env.activate_op(1, gate=gate)))
    await asyncio.sleep(0)
    assert env.manager.peek(address) != before
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert env.manager.peek(address) == before
    assert not env.manager.is_pending(address)


# -- concurrency ----------------------------------------------------------------------------


async def test_concurrent_operations_on_one_session_are_deterministic(env: Env) -> None:
    address = env.address(1)
    for _ in range(2):  # the same outcome every time
        results = await asyncio.gather(
            env.manager.create(address, env.create_op(1)),
            env.manager.activate(address, env.activate_op(1)),
            env.manager.close(address, env.close_op(1)),
            return_exceptions=True,
        )
        assert isinstance(results[0], TxOutcome)
        assert results[0].ok
        for refused, requested in zip(results[1:], ("activate", "close"), strict=True):
            assert isinstance(refused, PendingOperationError)
            assert (refused.pending, refused.requested) == ("create", requested)
        entry = env.manager.peek(address)
        assert entry is not None
        assert entry.status is SessionStatus.CREATED
        # Reset for the second round: close it, for real.
        await env.manager.close(address, env.close_op(1))
        assert env.svm.session(address) is None


async def test_operations_on_different_sessions_run_in_parallel(env: Env) -> None:
    gate = asyncio.Event()
    a, b = env.address(1), env.address(2)
    tasks = [
        asyncio.create_task(env.manager.create(a, env.create_op(1, gate=gate))),
        asyncio.create_task(env.manager.create(b, env.create_op(2, gate=gate))),
    ]
    await asyncio.sleep(0)
    assert env.manager.pending_operations() == {a: Operation.CREATE, b: Operation.CREATE}
    gate.set()
    await asyncio.gather(*tasks)
    entries = [env.manager.peek(a), env.manager.peek(b)]
    assert [e.status if e else None for e in entries] == [SessionStatus.CREATED] * 2


async def test_a_load_and_an_operation_on_one_session_run_in_arrival_order() -> None:
    [(a, sa)] = keys_and_sessions(1)
    source = DictSource({a: sa})
    log: list[str] = []
    source.log = log
    source.gate = asyncio.Event()
    manager = OptimisticSessionManager(source)

    async def operation() -> str:
        log.append("op")
        source.sessions[a] = sample_session(sa.owner, sa.session_id)
        return "done"

    reader = asyncio.create_task(manager.get(a))  # holds the key's lock while loading
    await asyncio.sleep(0)
    writer = asyncio.create_task(manager.update(a, operation))
    await asyncio.sleep(0)
    assert manager.is_pending(a)
    source.gate.set()
    loaded, done = await asyncio.gather(reader, writer)
    assert log == ["load", "op", "load"]  # the op waited for the load; then it reloaded
    assert done == "done"
    assert isinstance(loaded, CachedSession)
    assert not manager.is_pending(a)


async def test_timed_out_operation_leaves_the_cache_unchanged(env: Env) -> None:
    address = await env.created(1)
    before = env.manager.peek(address)
    assert before is not None

    async def times_out() -> None:
        raise RpcTimeoutError("sendTransaction: no answer within 0.1 s")

    with pytest.raises(RpcTimeoutError):
        await env.manager.activate(address, times_out)
    assert env.manager.peek(address) == before
    assert env.svm.session(address) == before.session
