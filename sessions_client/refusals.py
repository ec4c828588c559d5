"""Which quota or guard predicate refused an execute: the program answers QuotaExceeded for all
three quotas and GuardRejected for any false guard; the client names the quota crossed from the
session's own counters, and the guard's refusing predicates by evaluating the decoded guard on
what it knows of the execution.

The program's order is max_executions, then the compute quota (before any CPI), then the lamport
quota (after the CPIs, from the measured outflow), so the first quota that the session's usage
plus this execution's charge crosses is the one the program refused.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.guard_codec import GuardEncodingError
from sessions_client.guard_explain import ExecutionContext, GuardExplanation, Truth
from sessions_client.guard_nodes import And, GuardExpr, Not, Or, RateLimit
from sessions_client.guards import decode_guard, explain
from sessions_client.types import Session

_U32_MAX: Final = (1 << 32) - 1


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


@dataclass(frozen=True, slots=True)
class ClusterTime:
    """The cluster's unix time as the client read it (None: could not), and from where."""

    unix_timestamp: int | None
    source: str


class GuardRejectedError(SessionsProgramError):
    """GuardRejected, naming the refusing predicate(s) when the client can compute them.

    ``explanation`` is the guard evaluated on what the client knows of the refused inner
    instruction ``instruction_index`` (None when the stored guard does not decode); its notes
    say where each input came from and which inputs are unknown off-chain.
    """

    def __init__(
        self,
        explanation: GuardExplanation | None,
        instruction_index: int | None,
        logs: tuple[str, ...] = (),
    ) -> None:
        super().__init__(ErrorCode.GUARD_REJECTED, logs)
        self.explanation = explanation
        self.instruction_index = instruction_index
        if explanation is None:
            self.args = ("GuardRejected: the stored guard could not be explained",)
        else:
            notes = "".join(f"\n  note: {note}" for note in explanation.notes)
            self.args = (
                f"GuardRejected: inner instruction {instruction_index}: {explanation}{notes}",
            )


def _rate_seconds(expr: GuardExpr) -> int:
    """The calls_per window of ``expr`` (0: none), as guard_rate_window_seconds reads it."""
    pending = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, RateLimit):
            return node.seconds
        if isinstance(node, And | Or):
            pending += (node.a, node.b)
        elif isinstance(node, Not):
            pending.append(node.a)
    return 0


def window_count_after(session: Session, seconds: int, now: int | None) -> int | None:
    """The rate window's count with this execution (execute.c's next_window); None when it
    depends on a cluster time the client does not know."""
    start, count = session.usage.rate_window_start, session.usage.rate_window_count
    if seconds == 0:
        return count  # no RATE_LIMIT: the stored window is left as it is
    if now is None:
        return None
    if start == 0 or now < start or now - start >= seconds:
        return 1
    return count if count == _U32_MAX else count + 1


def explain_guard_rejection(
    session: Session,
    caller: Pubkey,
    instructions: Sequence[Instruction],
    time: ClusterTime,
    logs: tuple[str, ...] = (),
) -> GuardRejectedError:
    """The GuardRejectedError for an execute of ``instructions`` by ``caller`` on ``session``
    (as it was before the refused execute): the first inner instruction the guard refuses on
    the client's inputs, else the first it cannot decide, else the first (the program's inputs
    then differed from the client's, e.g. its clock). Spend is unknown off-chain."""
    try:
        expr = decode_guard(session.guard)
    except GuardEncodingError:
        return GuardRejectedError(None, None, logs)
    if expr is None:
        return GuardRejectedError(None, None, logs)
    count = window_count_after(session, _rate_seconds(expr), time.unix_timestamp)
    notes = (
        f"now: {time.source}",
        f"usage and rate window: the session as read after the refusal (usage_count "
        f"{session.usage_count}, window start {session.usage.rate_window_start}, "
        f"count {session.usage.rate_window_count})",
        "lamports_out and token spends: unknown (the program measures them from balances)",
    )
    explained = [
        explain(
            expr,
            ExecutionContext(
                caller=caller,
                owner=session.owner,
                now=time.unix_timestamp,
                usage_after=session.usage_count + 1,
                window_count_after=count,
                program_id=inner.program_id,
                data=bytes(inner.data),
                account_keys=tuple(meta.pubkey for meta in inner.accounts),
                lamports_out=None,
                token_spends=None,
                notes=notes,
            ),
        )
        for inner in instructions
    ]
    for wanted in (Truth.FALSE, Truth.UNKNOWN, Truth.TRUE):
        for index, explanation in enumerate(explained):
            if explanation.truth is wanted:
                return GuardRejectedError(explanation, index, logs)
    return GuardRejectedError(None, None, logs)  # no inner instruction: refused earlier
