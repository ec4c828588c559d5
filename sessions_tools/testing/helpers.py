"""Plain helpers behind the pytest fixtures, usable without pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sessions_client.constants import Permission
from sessions_client.errors import SessionsProgramError
from sessions_client.exceptions import TransactionFailedError
from sessions_client.types import (
    Guard,
    ResourceQuotas,
    SessionConfig,
    SessionParams,
    SessionScope,
)

if TYPE_CHECKING:
    from sessions_tools.svm import TxOutcome

#: One hour: long enough for any test, well under MAX_SESSION_DURATION.
DEFAULT_MAX_DURATION: Final = 3600
#: 10 SOL: enough rent and fees for hundreds of sessions.
DEFAULT_PAYER_LAMPORTS: Final = 10_000_000_000
#: Small but nonzero quotas (zero means "none allowed" and fails closed).
DEFAULT_QUOTAS: Final = ResourceQuotas(
    max_executions=100,
    max_compute_units=1_000_000,
    max_lamports=1_000_000_000,
    max_borrowed_accounts=2,
    max_children=2,
)


def make_session_params(
    *,
    max_duration: int = DEFAULT_MAX_DURATION,
    permissions: int = int(Permission.EXECUTE),
    settings: int = 0,
    scope: SessionScope | None = None,
    quotas: ResourceQuotas | None = None,
    guard: Guard | None = None,
    metadata: bytes | None = None,
) -> SessionParams:
    """SessionParams the program accepts, with any field overridden.

    ``metadata`` may be shorter than the 64-byte field; it is zero-padded.
    Values are passed through unchecked, so invalid overrides reach the
    program and can be used to test its rejections.
    """
    params = SessionParams(
        config=SessionConfig(max_duration=max_duration, permissions=permissions, settings=settings),
        scope=scope if scope is not None else SessionScope(),
        quotas=quotas if quotas is not None else DEFAULT_QUOTAS,
        guard=guard if guard is not None else Guard(),
    )
    if metadata is None:
        return params
    padded = metadata.ljust(len(params.metadata), b"\0")
    return SessionParams(
        config=params.config,
        scope=params.scope,
        quotas=params.quotas,
        guard=params.guard,
        metadata=padded,
    )


def raise_for_outcome(outcome: TxOutcome) -> TxOutcome:
    """Return a successful SVM outcome; raise the client's typed error for a failed one.

    Makes :class:`~sessions_tools.svm.SessionsSVM` results behave like
    :class:`~sessions_client.client.SessionsClient` calls (for example inside the
    operations given to :class:`~sessions_client.cache.OptimisticSessionManager`).
    """
    if outcome.ok:
        return outcome
    if outcome.error is not None:
        raise SessionsProgramError(outcome.error, outcome.logs)
    raise TransactionFailedError(
        f"transaction {outcome.signature} failed: {outcome.failure}", outcome.logs
    )
