"""The clock, session id generation and the benchmark function."""

from __future__ import annotations

import pytest
from solders.pubkey import Pubkey

from sessions_client.pda import find_session_address
from sessions_tools.bench.simulator_bench import measure_simulator
from simulator.clock import DEFAULT_START_TIME, I64_MAX, Clock
from simulator.ids import SessionIdAllocator

OWNER = Pubkey(bytes([9]) * 32)


def test_the_clock_moves_only_when_told() -> None:
    clock = Clock()
    assert clock.now() == DEFAULT_START_TIME
    assert clock.advance(5) == DEFAULT_START_TIME + 5
    clock.set(-3)
    assert clock.now() == -3
    clock.set(I64_MAX)
    with pytest.raises(ValueError, match="i64"):
        clock.advance(1)
    with pytest.raises(ValueError, match="i64"):
        Clock(I64_MAX + 1)


def test_ids_prefer_the_cheapest_bump_and_skip_addresses_in_use() -> None:
    ids = SessionIdAllocator(start=0)
    sid, address, bump = ids.allocate(OWNER, lambda _: False)
    assert bump == 255
    assert find_session_address(OWNER, sid) == (address, bump)
    taken = {address}
    nxt, other, _ = ids.allocate(OWNER, taken.__contains__)
    assert nxt > sid
    assert other != address
    plain = SessionIdAllocator(start=5, prefer_cheapest=False)
    first, address, _ = plain.allocate(OWNER, lambda _: False)
    assert first == 5
    second, _, _ = plain.allocate(OWNER, {address}.__contains__)
    assert second == 6
    with pytest.raises(ValueError, match="u64"):
        SessionIdAllocator(start=-1)


def test_measure_simulator_reports_both_sides() -> None:
    result = measure_simulator(400)
    assert set(result) == {"ops_per_s", "svm_ops_per_s", "ratio"}
    assert result["ops_per_s"] > result["svm_ops_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["ops_per_s"] / result["svm_ops_per_s"])
    with pytest.raises(ValueError, match="positive"):
        measure_simulator(0)
