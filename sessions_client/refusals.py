"""Which quota refused an execute: the program answers QuotaExceeded for all three, and the
client names the one that was crossed from the session's own counters.

The program's order is max_executions, then the compute quota (before any CPI), then the lamport
quota (after the CPIs, from the measured outflow), so the first quota that the session's usage
plus this execution's charge crosses is the one the program refused.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.types import Session


class Quota(enum.Enum):
    """The three quotas execute enforces (lifetime totals; zero allows nothing)."""

    MAX_EXECUTIONS = "max_executions"
    MAX_COMPUTE_UNITS = "max_compute_units"
    MAX_LAMPORTS = "max_lamports"


@dataclass(frozen=True, slots=True)
class QuotaUse:
    """A quota's limit, what the session used before this execute, what it asked for."""

    quota: Quota
    limit: int
    used: int
    requested: int | None  # None: the lamports an execute spends are known only on-chain


class QuotaExceededError(SessionsProgramError):
    """QuotaExceeded, naming the quota: ``.use`` says which limit, how much was used."""

    def __init__(self, use: QuotaUse, logs: tuple[str, ...] = ()) -> None:
        super().__init__(ErrorCode.QUOTA_EXCEEDED, logs)
        self.use = use
        asked = "" if use.requested is None else f", this execute {use.requested}"
        self.args = (f"QuotaExceeded: {use.quota.value} {use.limit} (used {use.used}{asked})",)


def explain_quota(session: Session, compute_charge: int) -> QuotaUse:
    """The quota the program refused, given the session as it was before the execute."""
    q, usage = session.quotas, session.usage
    if session.usage_count >= q.max_executions:
        return QuotaUse(Quota.MAX_EXECUTIONS, q.max_executions, session.usage_count, 1)
    if usage.compute_units_used + compute_charge > q.max_compute_units:
        return QuotaUse(
            Quota.MAX_COMPUTE_UNITS, q.max_compute_units, usage.compute_units_used, compute_charge
        )
    return QuotaUse(Quota.MAX_LAMPORTS, q.max_lamports, usage.lamports_spent, None)
