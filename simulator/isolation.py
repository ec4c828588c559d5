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

The program has no execute instruction yet, so usage is kept here, per session address
(as the record's :class:`~simulator.record.UsageFields`), and never written into the
session's account. The gate, scope and quota checks themselves are
:mod:`simulator.execute_policy`'s, which the next issue's execute handler calls on the
record instead; this manager then keeps only the data-access policies.
"""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import NAMESPACE_LEN, Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import Session, SessionStatus
from simulator.execute_policy import (
    ExecutionRequest,
    charge,
    check_quotas,
    check_target_program,
    release,
)
from simulator.execution import load_session_state, validate_session_for_execution
from simulator.record import NO_USAGE, UsageFields
from simulator.state import SessionState

READ_CROSS: Final = Permission.READ_CROSS_SESSION
WRITE_CROSS: Final = Permission.WRITE_CROSS_SESSION


class SessionIsolationManager:
    """Permission boundaries, per-session quotas and data access policies."""

    __slots__ = ("_data", "_usage")

    def __init__(self) -> None:
        #: Usage per session address, until execute keeps it in the record's usage group.
        self._usage: dict[Pubkey, UsageFields] = {}
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

    def usage(self, address: Pubkey) -> UsageFields:
        return self._usage.get(address, NO_USAGE)

    def authorize_execution(
        self, state: SessionState, request: ExecutionRequest, now: int
    ) -> UsageFields | ErrorCode:
        """Gate, scope, then quotas; on success the execution is charged and the new usage
        returned. Nothing is charged when any check fails."""
        grant = validate_session_for_execution(state, now)
        if isinstance(grant, ErrorCode):
            return grant
        session = state.account
        refused = check_target_program(session.scope.program, request.program)
        if refused is None:
            refused = check_quotas(session.quotas, self.usage(state.address), request)
        if refused is not None:
            return refused
        charged = charge(self.usage(state.address), request, now)
        self._usage[state.address] = charged
        return charged

    def release(self, address: Pubkey, *, borrowed_accounts: int = 0, children: int = 0) -> None:
        """Return borrowed accounts or retire children (the other counters only grow)."""
        self._usage[address] = release(self.usage(address), borrowed_accounts, children)

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
