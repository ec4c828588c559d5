"""The client names the quota the program refused (QuotaExceeded for all three)."""

from __future__ import annotations

from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client.errors import ErrorCode
from sessions_client.refusals import Quota, QuotaExceededError, explain_quota
from sessions_client.types import ResourceQuotas, SessionStatus
from tests.program.support import expected_session, params

from .support import SOL, ExecHarness, Live

DEFAULT_CHARGE = 200_000


def pay(live: Live, lamports: int) -> Instruction:
    return transfer(
        TransferParams(from_pubkey=live.signer, to_pubkey=live.owner.pubkey(), lamports=lamports)
    )


def refused_quota(x: ExecHarness, live: Live, lamports: int, charge: int) -> Quota:
    before = x.session(live.address)
    limit = [] if charge == DEFAULT_CHARGE else [set_compute_unit_limit(charge)]
    _exe, ixs, signers = x.execute(live, [pay(live, lamports)], before=limit)
    x.reject(ixs, signers, ErrorCode.QUOTA_EXCEEDED, index=len(ixs) - 1)
    return explain_quota(before, charge).quota


def test_each_quota_is_named(x: ExecHarness) -> None:
    live = x.live(fund=SOL, quotas=ResourceQuotas(1, 10**9, 10**9))
    x.run(live, [pay(live, 1)])
    assert refused_quota(x, live, 1, DEFAULT_CHARGE) is Quota.MAX_EXECUTIONS
    live = x.live(fund=SOL, quotas=ResourceQuotas(10, 300_000, 10**9))
    x.run(live, [pay(live, 1)])
    assert refused_quota(x, live, 1, DEFAULT_CHARGE) is Quota.MAX_COMPUTE_UNITS
    assert x.session(live.address).usage.compute_units_used == DEFAULT_CHARGE
    x.run(live, [pay(live, 1)], before=[set_compute_unit_limit(100_000)])  # exactly at the limit
    live = x.live(fund=SOL, quotas=ResourceQuotas(10, 10**9, 100))
    assert refused_quota(x, live, 101, DEFAULT_CHARGE) is Quota.MAX_LAMPORTS


def test_the_error_says_which_limit() -> None:
    s = expected_session(
        owner=Pubkey.new_unique(),
        creator=Pubkey.new_unique(),
        session_id=1,
        bump=255,
        p=params(quotas=ResourceQuotas(5, 10, 20)),
        status=SessionStatus.ACTIVE,
        created_at=0,
    )
    error = QuotaExceededError(explain_quota(s, 11))
    assert error.code is ErrorCode.QUOTA_EXCEEDED
    assert error.use.quota is Quota.MAX_COMPUTE_UNITS
    assert "max_compute_units 10 (used 0, this execute 11)" in str(error)
