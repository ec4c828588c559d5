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
* the quotas execute does not charge (``QuotaExceeded``): borrowed accounts and child
  sessions, against ``ResourceQuotas`` (zero means none allowed).

Executions, compute units and lamports are not counted here: ``execute`` decides them, on
chain and in the model (:mod:`simulator.ix_execute`), on the session record's usage, with
the guard and the effect checks. The gate is the one execute runs
(:func:`~simulator.execute_policy.check_execution_gate`, through
:func:`~simulator.execution.validate_session_for_execution`).
"""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

from sessions_client.constants import NAMESPACE_LEN, Permission
from sessions_client.errors import ErrorCode
from sessions_client.types import Session, SessionStatus
from simulator.execute_policy import (
    ExecutionRequest,
    charge_leases,
    check_lease_quotas,
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
        #: Borrowed accounts and children per session address (execute keeps the rest).
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
        """Gate, scope, then the lease quotas; on success the borrows and children are
        charged and the new counts returned. Nothing is charged when any check fails."""
        grant = validate_session_for_execution(state, now)
        if isinstance(grant, ErrorCode):
            return grant
        session = state.account
        refused = check_target_program(session.scope.program, request.program)
        if refused is None:
            refused = check_lease_quotas(session.quotas, self.usage(state.address), request)
        if refused is not None:
            return refused
        charged = charge_leases(self.usage(state.address), request)
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
