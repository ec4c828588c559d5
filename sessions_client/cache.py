"""The optimistic session cache of the seed's "Session Caching".

:class:`OptimisticSessionManager` keeps an LRU cache (``cachetools.LRUCache``)
of :class:`CachedSession` entries in front of a :class:`SessionSource` (a
:class:`~sessions_client.client.SessionsClient`, or the embedded SVM through
``sessions_tools.svm.SVMSessionSource``):

* Reads are cache-first. :meth:`~OptimisticSessionManager.peek` (alias
  ``get_cached``) is the synchronous hot path: one LRU lookup and a counter.
  :meth:`~OptimisticSessionManager.get` loads from the chain on a miss; a load
  that fails (timeout, garbage) raises its typed error and leaves the cache as
  it was.
* :meth:`~OptimisticSessionManager.create`, ``activate`` and ``close`` take the
  operation to run (a coroutine factory, e.g.
  ``lambda: client.activate_session(owner, address)``). The entry shows the
  in-flight state (CREATING, ACTIVATING, CLOSING) before the operation is even
  sent; on confirmation it is promoted (reloaded from the chain: CREATED,
  ACTIVE) or removed (closed). When the chain rejects the operation
  (:class:`~sessions_client.errors.SessionsProgramError` or
  :class:`~sessions_client.exceptions.TransactionFailedError`) it is rolled
  back to CREATION_FAILED / ACTIVATION_FAILED, or for a close to the previous
  entry. When the outcome is unknown (an RPC error or timeout, cancellation),
  the previous entry is restored, as if nothing had been attempted, and the
  error propagates; the next load reads the truth from the chain.
* Concurrency is asyncio's. Each session key has its own lock, so loads,
  refreshes and operations on one session run one at a time (in arrival
  order), while different sessions proceed in parallel. Starting an operation
  on a session that already has one in flight raises
  :class:`~sessions_client.exceptions.PendingOperationError` at once.

All state lives in the manager instance; nothing is global.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Final, Protocol, TypeVar

from cachetools import LRUCache
from solders.pubkey import Pubkey

from sessions_client.errors import SessionsProgramError
from sessions_client.exceptions import (
    PendingOperationError,
    SessionsClientError,
    TransactionFailedError,
)
from sessions_client.lifecycle import Operation, failed_status, in_flight_status
from sessions_client.types import Session, SessionStatus

R = TypeVar("R")

DEFAULT_CAPACITY: Final = 1024


class SessionSource(Protocol):
    """Where the manager loads sessions from on a miss."""

    async def load_session(self, address: Pubkey) -> Session | None:
        """The Session at ``address`` on chain, or None when there is no account."""
        ...


#: Errors meaning the chain refused the transaction: it did not and will not land.
_REJECTIONS: Final = (SessionsProgramError, TransactionFailedError)


@dataclass(frozen=True, slots=True)
class CachedSession:
    """One cache entry: what readers see for a session address."""

    address: Pubkey
    #: The visible status: the chain's, an in-flight one, or CREATION_/ACTIVATION_FAILED.
    status: SessionStatus
    #: The last state confirmed on chain (None before a creation is confirmed).
    session: Session | None
    #: The operation in flight, if any.
    pending: Operation | None = None
    #: Why the last operation was rolled back (set with the *_FAILED statuses).
    error: SessionsClientError | None = None


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters since the manager was made (or last :meth:`reset_stats`)."""

    hits: int
    misses: int
    evictions: int
    loads: int
    load_errors: int
    size: int
    capacity: int
    pending: int

    @property
    def hit_rate(self) -> float:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class _EvictionCountingLRU(LRUCache[Pubkey, CachedSession]):
    """An LRUCache that counts the entries it evicts to make room."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.evictions = 0

    def popitem(self) -> tuple[Pubkey, CachedSession]:
        key, value = super().popitem()
        self.evictions += 1
        return key, value


class OptimisticSessionManager:
    """An LRU cache of sessions with optimistic create/activate/close (see the module doc)."""

    def __init__(self, source: SessionSource, *, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._source = source
        self._cache = _EvictionCountingLRU(capacity)
        #: The operation in flight per address.
        self._pending: dict[Pubkey, Operation] = {}
        #: In-flight entries, kept here too so LRU eviction cannot hide them.
        self._inflight: dict[Pubkey, CachedSession] = {}
        self._locks: dict[Pubkey, asyncio.Lock] = {}
        self._lock_users: dict[Pubkey, int] = {}
        self._hits = 0
        self._misses = 0
        self._loads = 0
        self._load_errors = 0

    # -- hot path ----------------------------------------------------------------------------

    def peek(self, address: Pubkey) -> CachedSession | None:
        """The cached entry (counted as a hit) or None (a miss); never touches the chain."""
        try:
            entry = self._cache[address]
        except KeyError:
            inflight = self._inflight.get(address)
            if inflight is None:
                self._misses += 1
                return None
            entry = inflight
        self._hits += 1
        return entry

    get_cached = peek

    # -- reads -------------------------------------------------------------------------------

    async def get(self, address: Pubkey) -> CachedSession | None:
        """Cache-first read; loads from the source on a miss (None: no such account).

        Concurrent misses on one address load once. A failing load raises its
        error and caches nothing.
        """
        entry = self.peek(address)
        if entry is not None:
            return entry
        async with self._locked(address):
            current = self._current(address)
            if current is not None:
                return current
            return await self._load(address)

    async def refresh(self, address: Pubkey) -> CachedSession | None:
        """Reload from the source now (after the in-flight operation, if any, settles)."""
        async with self._locked(address):
            return await self._load(address)

    async def _load(self, address: Pubkey) -> CachedSession | None:
        """Load under the key's lock; store unless an operation has claimed the key."""
        try:
            session = await self._source.load_session(address)
        except BaseException:
            self._load_errors += 1
            raise
        self._loads += 1
        if address in self._pending:
            # An operation claimed the key while we loaded: its entry stays visible.
            current = self._current(address)
            if current is not None or session is None:
                return current
            return CachedSession(address, session.status, session)
        if session is None:
            self._cache.pop(address, None)
            return None
        entry = CachedSession(address, session.status, session)
        self._cache[address] = entry
        return entry

    def prime(self, address: Pubkey, session: Session) -> None:
        """Insert a session read elsewhere (e.g. from a listing); in-flight entries win."""
        if address not in self._pending:
            self._cache[address] = CachedSession(address, session.status, session)

    def invalidate(self, address: Pubkey) -> None:
        """Forget the address (the next get loads it); in-flight entries stay."""
        self._cache.pop(address, None)

    def clear(self) -> None:
        """Forget every settled entry."""
        self._cache.clear()

    # -- optimistic operations ---------------------------------------------------------------

    async def create(self, address: Pubkey, operation: Callable[[], Awaitable[R]]) -> R:
        """Show CREATING now, run ``operation``; CREATED on success, CREATION_FAILED if rejected."""
        return await self._run(address, Operation.CREATE, operation)

    async def activate(self, address: Pubkey, operation: Callable[[], Awaitable[R]]) -> R:
        """Show ACTIVATING now; ACTIVE on success, ACTIVATION_FAILED if rejected."""
        return await self._run(address, Operation.ACTIVATE, operation)

    async def close(self, address: Pubkey, operation: Callable[[], Awaitable[R]]) -> R:
        """Show CLOSING now; removed on success, the previous entry back if rejected."""
        return await self._run(address, Operation.CLOSE, operation)

    async def update(self, address: Pubkey, operation: Callable[[], Awaitable[R]]) -> R:
        """Any other operation (pause, resume, expire): serialized, then reloaded.

        The entry keeps its status while it runs; a rejection leaves it as it was.
        """
        return await self._run(address, Operation.UPDATE, operation)

    async def _run(
        self, address: Pubkey, op: Operation, operation: Callable[[], Awaitable[R]]
    ) -> R:
        previous = self._claim(address, op)
        landed = settled = False
        try:
            async with self._locked(address):
                try:
                    result = await operation()
                except _REJECTIONS as exc:
                    self._settle_rejected(address, op, previous, exc)
                    settled = True
                    raise
                landed = True
                await self._settle_confirmed(address, op)
                settled = True
                return result
        finally:
            del self._pending[address]
            self._inflight.pop(address, None)
            if not settled:
                if landed:
                    # Interrupted while re-reading a landed operation: forget the
                    # entry so the next read loads the truth.
                    self._cache.pop(address, None)
                else:
                    # Outcome unknown (RPC error, timeout, cancellation): as if
                    # nothing had been attempted.
                    self._restore(address, previous)

    def _claim(self, address: Pubkey, op: Operation) -> CachedSession | None:
        """Mark ``op`` in flight and publish its entry, without awaiting (atomic in asyncio)."""
        pending = self._pending.get(address)
        if pending is not None:
            raise PendingOperationError(address, pending.value, op.value)
        previous = self._cache.get(address)
        self._pending[address] = op
        status = in_flight_status(op)
        entry: CachedSession | None
        if status is not None:
            base = None if op is Operation.CREATE or previous is None else previous.session
            entry = CachedSession(address, status, base, pending=op)
        elif previous is not None:
            entry = replace(previous, pending=op)
        else:
            entry = None
        if entry is not None:
            self._inflight[address] = entry
            self._cache[address] = entry
        return previous

    async def _settle_confirmed(self, address: Pubkey, op: Operation) -> None:
        if op is Operation.CLOSE:
            self._cache.pop(address, None)
            return
        try:
            session = await self._source.load_session(address)
        except Exception:
            # The operation landed; only the re-read failed. Forget the entry so
            # the next read loads the truth instead of showing stale data.
            self._load_errors += 1
            self._cache.pop(address, None)
            return
        self._loads += 1
        if session is None:
            self._cache.pop(address, None)
        else:
            self._cache[address] = CachedSession(address, session.status, session)

    def _settle_rejected(
        self,
        address: Pubkey,
        op: Operation,
        previous: CachedSession | None,
        error: SessionsClientError,
    ) -> None:
        failed = failed_status(op)
        if failed is None:
            self._restore(address, previous)
            return
        base = None if op is Operation.CREATE or previous is None else previous.session
        self._cache[address] = CachedSession(address, failed, base, error=error)

    def _restore(self, address: Pubkey, previous: CachedSession | None) -> None:
        if previous is None:
            self._cache.pop(address, None)
        else:
            self._cache[address] = previous

    # -- bookkeeping -------------------------------------------------------------------------

    def _current(self, address: Pubkey) -> CachedSession | None:
        """The visible entry without counting a hit or a miss."""
        inflight = self._inflight.get(address)
        if inflight is not None:
            return inflight
        return self._cache.get(address)

    @asynccontextmanager
    async def _locked(self, address: Pubkey) -> AsyncIterator[None]:
        """Hold the address's lock; the lock is dropped when nobody holds or awaits it."""
        lock = self._locks.get(address)
        if lock is None:
            lock = self._locks[address] = asyncio.Lock()
        self._lock_users[address] = self._lock_users.get(address, 0) + 1
        try:
            async with lock:
                yield
        finally:
            users = self._lock_users[address] - 1
            if users:
                self._lock_users[address] = users
            else:
                del self._lock_users[address]
                del self._locks[address]

    def pending_operations(self) -> dict[Pubkey, Operation]:
        """The operations in flight, by session address."""
        return dict(self._pending)

    def is_pending(self, address: Pubkey) -> bool:
        return address in self._pending

    @property
    def capacity(self) -> int:
        return int(self._cache.maxsize)

    def __len__(self) -> int:
        """Entries held by the LRU (in-flight ones it evicted are not counted)."""
        return len(self._cache)

    def __contains__(self, address: object) -> bool:
        """Whether ``address`` has a visible entry; does not count or touch recency."""
        return address in self._cache or address in self._inflight

    def stats(self) -> CacheStats:
        return CacheStats(
            hits=self._hits,
            misses=self._misses,
            evictions=self._cache.evictions,
            loads=self._loads,
            load_errors=self._load_errors,
            size=len(self._cache),
            capacity=self.capacity,
            pending=len(self._pending),
        )

    def reset_stats(self) -> None:
        self._hits = self._misses = self._loads = self._load_errors = 0
        self._cache.evictions = 0
