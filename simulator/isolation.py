"""SessionIsolationManager: what one session may touch, and how much of it.

Three boundaries, checked in this order after the execution gate
(:func:`~simulator.execution.validate_session_for_execution`):

* permission boundaries: cross-session reads need READ_CROSS_SESSION, cross-session
  writes WRITE_CROSS_SESSION (``PermissionDenied``);
* data access policies (``PolicyViolation``): a session executes only against its
  scope's program (the zero key means any), reads and writes only its scope's namespace,
  and its data is segregated: another session's data is reachable only with the
  cross-session permission, only between sessions of the same owner, and only inside
  the namespace both are scoped to;
* resource quotas per session (``QuotaExceeded``): executions, compute units, lamports,
  borrowed accounts and child sessions are counted against ``ResourceQuotas``, where zero
  means none allowed (fail closed), never unlimited.

The program has no execute instruction yet, so usage is kept here, per session address,
and never written into the session's account.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import NAMESPACE_LEN, Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import Session, SessionStatus, UsageStats
from simulator.execution import load_session_state, validate_session_for_execution
from simulator.state import SessionState

_ZERO_KEY: Final = Pubkey.default()
READ_CROSS: Final = Permission.READ_CROSS_SESSION
WRITE_CROSS: Final = Permission.WRITE_CROSS_SESSION


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """One execution under a session: its target program and what it consumes."""

    program: Pubkey
    compute_units: int = 0
    lamports: int = 0
    borrowed_accounts: int = 0
    children: int = 0


@dataclass(frozen=True, slots=True)
class Usage:
    """What a session has consumed: its execution count and its usage statistics."""

    executions: int = 0
    stats: UsageStats = field(default_factory=UsageStats)


class SessionIsolationManager:
    """Permission boundaries, per-session quotas and data access policies."""

    __slots__ = ("_data", "_usage")

    def __init__(self) -> None:
        self._usage: dict[Pubkey, Usage] = {}
        #: (session address, namespace, key) -> value: each session's own partition.
        self._data: dict[tuple[Pubkey, bytes, bytes], bytes] = {}

    # -- permissions -----------------------------------------------------------------------

    @staticmethod
    def check_permission(session: Session, permission: Permission) -> ErrorCode | None:
        """PermissionDenied unless every bit of ``permission`` is effective."""
        if session.effective_permissions & permission != permission:
            return ErrorCode.PERMISSION_DENIED
        return None

    # -- quotas ------------------------------------------------------------------------------

    def usage(self, address: Pubkey) -> Usage:
        return self._usage.get(address, Usage())

    def authorize_execution(
        self, state: SessionState, request: ExecutionRequest, now: int
    ) -> Usage | ErrorCode:
        """Gate, scope, then quotas; on success the execution is charged and the new usage
        returned. Nothing is charged when any check fails."""
        grant = validate_session_for_execution(state, now)
        if isinstance(grant, ErrorCode):
            return grant
        session = state.account
        if session.scope.program not in (_ZERO_KEY, request.program):
            return ErrorCode.POLICY_VIOLATION
        used = self.usage(state.address)
        q, s = session.quotas, used.stats
        if (
            used.executions + 1 > q.max_executions
            or s.compute_units_used + request.compute_units > q.max_compute_units
            or s.lamports_spent + request.lamports > q.max_lamports
            or s.borrowed_count + request.borrowed_accounts > q.max_borrowed_accounts
            or s.children_count + request.children > q.max_children
        ):
            return ErrorCode.QUOTA_EXCEEDED
        charged = Usage(
            used.executions + 1,
            replace(
                s,
                compute_units_used=s.compute_units_used + request.compute_units,
                lamports_spent=s.lamports_spent + request.lamports,
                last_used_at=now,
                borrowed_count=s.borrowed_count + request.borrowed_accounts,
                children_count=s.children_count + request.children,
            ),
        )
        self._usage[state.address] = charged
        return charged

    def release(self, address: Pubkey, *, borrowed_accounts: int = 0, children: int = 0) -> None:
        """Return borrowed accounts or retire children (the other counters only grow)."""
        used = self.usage(address)
        s = used.stats
        self._usage[address] = Usage(
            used.executions,
            replace(
                s,
                borrowed_count=max(0, s.borrowed_count - borrowed_accounts),
                children_count=max(0, s.children_count - children),
            ),
        )

    def forget(self, address: Pubkey) -> None:
        """Drop a closed session's usage and data."""
        self._usage.pop(address, None)
        for k in [k for k in self._data if k[0] == address]:
            del self._data[k]

    # -- data access -------------------------------------------------------------------------

    def read(
        self,
        state: SessionState,
        namespace: bytes,
        key: bytes,
        *,
        now: int,
        target: SessionState | None = None,
    ) -> bytes | ErrorCode | None:
        """Read ``key`` in ``namespace`` from this session's data, or from ``target``'s."""
        where = self._access(state, namespace, now=now, target=target, cross=READ_CROSS)
        if isinstance(where, ErrorCode):
            return where
        return self._data.get((where, namespace, key))

    def write(
        self,
        state: SessionState,
        namespace: bytes,
        key: bytes,
        value: bytes,
        *,
        now: int,
        target: SessionState | None = None,
    ) -> ErrorCode | None:
        """Write ``key`` in ``namespace`` into this session's data, or into ``target``'s."""
        where = self._access(state, namespace, now=now, target=target, cross=WRITE_CROSS)
        if isinstance(where, ErrorCode):
            return where
        self._data[(where, namespace, key)] = value
        return None

    def _access(
        self,
        state: SessionState,
        namespace: bytes,
        *,
        now: int,
        target: SessionState | None,
        cross: Permission,
    ) -> Pubkey | ErrorCode:
        """Whose partition the access lands in, or why it is refused."""
        if len(namespace) != NAMESPACE_LEN:
            raise ValueError(f"namespace must be {NAMESPACE_LEN} bytes")
        session = _usable(state, now)
        if isinstance(session, ErrorCode):
            return session
        if session.scope.namespace != namespace:
            return ErrorCode.POLICY_VIOLATION
        if target is None or target.address == state.address:
            return state.address
        denied = self.check_permission(session, cross)
        if denied is not None:
            return denied
        other = load_session_state(target)
        if isinstance(other, ErrorCode):
            return other
        if other.owner != session.owner or other.scope.namespace != namespace:
            return ErrorCode.POLICY_VIOLATION
        return target.address


def _usable(state: SessionState, now: int) -> Session | ErrorCode:
    """Data access needs a live session (Active, not expired), not the EXECUTE permission."""
    session = load_session_state(state)
    if isinstance(session, ErrorCode):
        return session
    if session.status is not SessionStatus.ACTIVE:
        return ErrorCode.SESSION_NOT_ACTIVE
    if now >= session.expires_at:
        return ErrorCode.SESSION_EXPIRED
    return session
