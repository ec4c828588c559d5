"""Benchmark of the session cache's hot path (``sessions bench`` reports it as "cache")."""

from __future__ import annotations

import time

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client.cache import OptimisticSessionManager
from sessions_client.constants import Permission
from sessions_client.pda import find_session_address
from sessions_client.types import (
    EMPTY_BORROWS,
    Guard,
    ProtocolState,
    ResourceQuotas,
    Session,
    SessionConfig,
    SessionScope,
    SessionStatus,
    SharedData,
    UsageStats,
)


class _NoSource:
    """Every benchmark read is a hit; a load would be a bug in the benchmark."""

    async def load_session(self, address: Pubkey) -> Session | None:
        raise AssertionError(f"benchmark loaded {address}: the hit path missed")


def sample_session(owner: Pubkey, session_id: int) -> Session:
    """A plausible Active session (the values do not affect the hit path)."""
    bump = find_session_address(owner, session_id)[1]
    return Session(
        version=1,
        bump=bump,
        status=SessionStatus.ACTIVE,
        depth=0,
        effective_permissions=int(Permission.EXECUTE),
        owner=owner,
        creator=owner,
        creator_program=Pubkey.default(),
        session_id=session_id,
        config=SessionConfig(max_duration=3600, permissions=int(Permission.EXECUTE), settings=0),
        scope=SessionScope(),
        bound_to=Pubkey.default(),
        created_at=0,
        updated_at=0,
        activated_at=0,
        expires_at=3600,
        request_deadline=0,
        usage_count=0,
        quotas=ResourceQuotas(),
        usage=UsageStats(),
        guard=Guard(),
        protocol=ProtocolState(),
        shared=SharedData(),
        metadata=bytes(64),
        borrowed=EMPTY_BORROWS,
        signer=Pubkey.default(),
        signer_bump=0,
        reserved=bytes(31),
    )


def measure_cache_hit_us(n: int = 200_000, *, sessions: int = 256, repeats: int = 5) -> float:
    """Mean microseconds per cache hit (``peek`` of a cached session), best of ``repeats``.

    ``sessions`` entries are cached and read round-robin, so each hit also
    moves its key to the LRU's most-recent end, as in real use. The figure
    includes the loop's own overhead (a few tens of nanoseconds).
    """
    if n < 1 or sessions < 1 or repeats < 1:
        raise ValueError("n, sessions and repeats must be positive")
    owner = Keypair().pubkey()
    manager = OptimisticSessionManager(_NoSource(), capacity=sessions)
    keys: list[Pubkey] = []
    for session_id in range(sessions):
        address = find_session_address(owner, session_id)[0]
        manager.prime(address, sample_session(owner, session_id))
        keys.append(address)
    order = [keys[i % sessions] for i in range(n)]
    peek = manager.peek
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for key in order:
            peek(key)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed / n * 1e6)
    stats = manager.stats()
    if stats.misses:
        raise AssertionError(f"benchmark missed {stats.misses} times")
    return best
