"""SessionFactory: the client side of sessions, on top of the program model.

It keeps a registry of sessions (:class:`~simulator.state.SessionState` by address),
named templates, the factory's defaults and limits, and session id generation. Every
operation builds the client builders' instructions and runs them on the
:class:`~simulator.program.ProgramModel`, so the registry's accounts are always the
model's accounts byte for byte.

Creation, approval, activation and closing are in flight between sending and
confirming: :meth:`SessionFactory.create` registers the session optimistically in
Creating (with the account a preflight predicts) and returns a
:class:`PendingOperation`; :meth:`SessionFactory.confirm` lands it later, on the chain as
it is by then (the clock may have moved, someone else may have acted), and
:meth:`SessionFactory.drop` models a transaction that never lands. Pause, resume,
request, cancel, timeout and expiry have no in-flight state in the seed's diagram and
apply at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionClosed
from sessions_client.lifecycle import IN_FLIGHT_STEPS, Operation, Step, next_status
from sessions_client.pda import find_session_address
from sessions_client.types import CloseReason, SessionParams, SessionStatus
from simulator.ids import SessionIdAllocator
from simulator.outcome import Outcome, RuntimeFailure
from simulator.program import ProgramModel
from simulator.record import to_session
from simulator.state import SessionState
from simulator.templates import DEFAULT_TEMPLATE, FactoryConfig, Overrides, SessionTemplate


class FactoryError(Exception):
    """The factory refused an operation, or the program rejected a synchronous one."""

    def __init__(self, code: ErrorCode | RuntimeFailure, detail: str = "") -> None:
        name = code.name
        super().__init__(f"{name}: {detail}" if detail else name)
        self.code = code


@dataclass(frozen=True, slots=True)
class PendingOperation:
    """A transaction sent and not yet confirmed."""

    number: int
    operation: Operation
    address: Pubkey
    instructions: tuple[Instruction, ...]
    payer: Pubkey
    #: The session's state when the transaction was sent (None for a new session).
    before: SessionState | None
    sent_at: int


class SessionFactory:
    """Registry, templates, configuration, ids and the lifecycle of many sessions."""

    def __init__(
        self,
        program: ProgramModel,
        config: FactoryConfig | None = None,
        templates: Iterable[SessionTemplate] = (),
    ) -> None:
        self.program = program
        self.config = config if config is not None else FactoryConfig()
        self._templates: dict[str, SessionTemplate] = {DEFAULT_TEMPLATE.name: DEFAULT_TEMPLATE}
        for template in templates:
            self.register_template(template)
        self._registry: dict[Pubkey, SessionState] = {}
        self._pending: dict[Pubkey, PendingOperation] = {}
        self._ids = SessionIdAllocator(
            start=self.config.first_session_id,
            prefer_cheapest=self.config.prefer_cheapest_ids,
            program_id=program.program_id,
        )
        self._sent = 0

    # -- templates -----------------------------------------------------------------------

    def register_template(self, template: SessionTemplate) -> None:
        """Add or replace a named template (its limits are checked when it is used)."""
        self._templates[template.name] = template

    def template(self, name: str) -> SessionTemplate:
        try:
            return self._templates[name]
        except KeyError:
            raise KeyError(f"no template named {name!r}") from None

    @property
    def templates(self) -> Mapping[str, SessionTemplate]:
        return MappingProxyType(self._templates)

    # -- registry -------------------------------------------------------------------------

    def get(self, address: Pubkey) -> SessionState:
        try:
            return self._registry[address]
        except KeyError:
            raise KeyError(f"no session registered at {address}") from None

    def sessions(
        self, *, owner: Pubkey | None = None, status: SessionStatus | None = None
    ) -> tuple[SessionState, ...]:
        return tuple(
            s
            for s in self._registry.values()
            if (owner is None or s.owner == owner) and (status is None or s.status is status)
        )

    def pending(self, address: Pubkey) -> PendingOperation | None:
        return self._pending.get(address)

    # -- creation -------------------------------------------------------------------------

    def create(
        self,
        owner: Pubkey,
        template: str = DEFAULT_TEMPLATE.name,
        overrides: Overrides | None = None,
        *,
        session_id: int | None = None,
    ) -> PendingOperation:
        """Send create_session for ``owner``; the session is registered at once, Creating."""
        params = self._params(owner, template, overrides)
        sid, address = self._allocate(owner, session_id)
        instruction = ix.create_session(owner, sid, params, program_id=self.program.program_id)
        return self._send(Operation.CREATE, address, (instruction,), owner, None)

    def request(
        self,
        requester: Pubkey,
        owner: Pubkey,
        template: str = DEFAULT_TEMPLATE.name,
        overrides: Overrides | None = None,
        *,
        request_ttl: int | None = None,
        session_id: int | None = None,
    ) -> SessionState:
        """A dapp (``requester``, who pays) asks ``owner`` for a session: Requested."""
        params = self._params(owner, template, overrides)
        sid, address = self._allocate(requester, session_id)
        ttl = request_ttl if request_ttl is not None else self.config.default_request_ttl
        instruction = ix.request_session(
            requester, owner, sid, params, ttl, program_id=self.program.program_id
        )
        outcome = self._execute_now(None, Step.REQUEST, (instruction,), requester)
        return self._settle(address, SessionStatus.REQUESTED, outcome)

    def approve(self, address: Pubkey) -> PendingOperation:
        """The owner approves a request: Requested -> Creating."""
        state = self.get(address)
        instruction = ix.approve_session(state.owner, address, program_id=self.program.program_id)
        return self._send(Operation.APPROVE, address, (instruction,), state.owner, state)

    # -- lifecycle ------------------------------------------------------------------------

    def activate(self, address: Pubkey) -> PendingOperation:
        """Created -> Activating."""
        state = self.get(address)
        instruction = ix.activate_session(state.owner, address, program_id=self.program.program_id)
        return self._send(Operation.ACTIVATE, address, (instruction,), state.owner, state)

    def pause(self, address: Pubkey) -> SessionState:
        return self._owner_now(address, Step.PAUSE, ix.pause_session)

    def resume(self, address: Pubkey) -> SessionState:
        return self._owner_now(address, Step.RESUME, ix.resume_session)

    def expire(self, address: Pubkey) -> SessionState:
        """Expire a session whose time is up (a Requested one times out).

        Expired, or Closed at once when the session has AUTO_EXPIRE.
        """
        state = self.get(address)
        instruction = ix.expire_session(
            address, state.creator, state.owner, program_id=self.program.program_id
        )
        if state.status is SessionStatus.REQUESTED:
            outcome = self._execute_now(state, Step.TIME_OUT, (instruction,), state.creator)
            return self._settle(address, SessionStatus.TIMED_OUT, outcome)
        outcome = self._execute_now(state, Step.EXPIRE, (instruction,), state.creator)
        closed = _closed_event(outcome) is not None  # AUTO_EXPIRE closes it at once
        step = Step.EXPIRE_AND_CLOSE if closed else Step.EXPIRE
        return self._settle(address, next_status(state.status, step), outcome)

    def cancel(self, address: Pubkey, *, by: Pubkey | None = None) -> SessionState:
        """Withdraw a request (by its creator or owner): Cancelled, or TimedOut if past due."""
        state = self.get(address)
        if state.status is not SessionStatus.REQUESTED:
            next_status(state.status, Step.CANCEL)  # raises: only requests are cancelled
        authority = by if by is not None else state.creator
        instruction = ix.close_session(
            authority, address, state.creator, state.owner, program_id=self.program.program_id
        )
        outcome = self._execute_now(state, Step.CANCEL, (instruction,), authority)
        closed = _closed_event(outcome)
        timed_out = closed is not None and closed.reason is CloseReason.TIMED_OUT
        status = next_status(state.status, Step.TIME_OUT if timed_out else Step.CANCEL)
        return self._settle(address, status, outcome)

    def close(self, address: Pubkey, *, by: Pubkey | None = None) -> PendingOperation:
        """Send close_session (by the owner, or the creator of an Expired session): Closing."""
        state = self.get(address)
        authority = by if by is not None else state.owner
        instruction = ix.close_session(
            authority, address, state.creator, state.owner, program_id=self.program.program_id
        )
        return self._send(Operation.CLOSE, address, (instruction,), authority, state)

    def reclaim(self, address: Pubkey) -> SessionState:
        """Close the account a failure exit left behind (its owner closes it, rent to the
        creator); the session stays in its end state."""
        state = self.get(address)
        if not (state.ended and state.on_chain):
            raise FactoryError(ErrorCode.INVALID_STATUS_TRANSITION, "nothing to reclaim")
        instruction = ix.close_session(
            state.owner, address, state.creator, state.owner, program_id=self.program.program_id
        )
        outcome = self.program.execute(instruction, payer=state.owner)
        if not outcome.ok:
            raise FactoryError(_code(outcome), "reclaim failed")
        return self._settle(address, state.status, outcome)

    # -- in flight ------------------------------------------------------------------------

    def confirm(self, pending: PendingOperation) -> SessionState:
        """Land ``pending`` now: the in-flight state is confirmed or takes its failure exit."""
        self._take(pending)
        outcome = self.program.execute(list(pending.instructions), payer=pending.payer)
        current = self._registry[pending.address].status
        if outcome.ok:
            confirmed = next_status(current, IN_FLIGHT_STEPS[pending.operation].confirm)
            return self._settle(pending.address, confirmed, outcome)
        return self._failed(pending, current, _code(outcome))

    def drop(self, pending: PendingOperation) -> SessionState:
        """``pending`` never lands: nothing happens on-chain; the failure exit is taken."""
        self._take(pending)
        current = self._registry[pending.address].status
        return self._failed(pending, current, RuntimeFailure.DROPPED)

    # -- internals -------------------------------------------------------------------------

    def _params(self, owner: Pubkey, template: str, overrides: Overrides | None) -> SessionParams:
        params = self.template(template).params(self.config, overrides)
        refused = self.config.check(params)
        if refused is not None:
            raise FactoryError(refused, "outside the factory's limits")
        live = sum(1 for s in self._registry.values() if s.owner == owner and not s.ended)
        if live >= self.config.max_sessions_per_owner:
            raise FactoryError(ErrorCode.QUOTA_EXCEEDED, f"{owner} holds {live} sessions")
        return params

    def _allocate(self, creator: Pubkey, session_id: int | None) -> tuple[int, Pubkey]:
        if session_id is not None:
            address, _ = find_session_address(creator, session_id, self.program.program_id)
            return session_id, address
        sid, address, _ = self._ids.allocate(creator, self._in_use)
        return sid, address

    def _in_use(self, address: Pubkey) -> bool:
        state = self._registry.get(address)
        return (state is not None and not state.ended) or self.program.record(address) is not None

    def _current(self, address: Pubkey) -> SessionStatus | None:
        """The lifecycle state a new operation starts from (None: a new session)."""
        state = self._registry.get(address)
        if state is None or (state.ended and not state.on_chain):
            return None
        return state.status

    def _send(
        self,
        operation: Operation,
        address: Pubkey,
        instructions: tuple[Instruction, ...],
        payer: Pubkey,
        before: SessionState | None,
    ) -> PendingOperation:
        if address in self._pending:
            raise FactoryError(ErrorCode.INVALID_STATUS_TRANSITION, "a transaction is in flight")
        status = next_status(self._current(address), IN_FLIGHT_STEPS[operation].send)
        outcome, after = self.program.preview(list(instructions), payer=payer)
        if not outcome.ok:
            raise FactoryError(_code(outcome), f"preflight of {operation.value} failed")
        record = after.get(address)
        if before is None:
            if record is None:  # pragma: no cover - a successful create leaves a session
                raise AssertionError("preflight created no session")
            predicted = SessionState(address, status, to_session(record), False, record.lamports)
        else:
            predicted = replace(before, status=status, error=None)
        self._registry[address] = predicted
        self._sent += 1
        pending = PendingOperation(
            self._sent,
            operation,
            address,
            instructions,
            payer,
            before,
            self.program.clock.now(),
        )
        self._pending[address] = pending
        return pending

    def _take(self, pending: PendingOperation) -> None:
        if self._pending.get(pending.address) is not pending:
            raise FactoryError(ErrorCode.INVALID_STATUS_TRANSITION, "not the pending operation")
        del self._pending[pending.address]

    def _failed(
        self,
        pending: PendingOperation,
        current: SessionStatus,
        error: ErrorCode | RuntimeFailure,
    ) -> SessionState:
        address = pending.address
        fail_step = IN_FLIGHT_STEPS[pending.operation].fail
        if fail_step is None:  # a failed close: the session is as it was
            assert pending.before is not None
            state = self._from_chain(address, pending.before.status, pending.before)
        else:
            state = self._from_chain(address, next_status(current, fail_step), self.get(address))
        state = replace(state, error=error)
        self._registry[address] = state
        return state

    def _owner_now(self, address: Pubkey, step: Step, build: _OwnerBuilder) -> SessionState:
        state = self.get(address)
        instruction = build(state.owner, address, program_id=self.program.program_id)
        outcome = self._execute_now(state, step, (instruction,), state.owner)
        return self._settle(address, next_status(state.status, step), outcome)

    def _execute_now(
        self,
        state: SessionState | None,
        step: Step,
        instructions: tuple[Instruction, ...],
        payer: Pubkey,
    ) -> Outcome:
        """A synchronous operation: allowed by the diagram, then executed at once."""
        if state is not None:
            if state.address in self._pending:
                raise FactoryError(
                    ErrorCode.INVALID_STATUS_TRANSITION, "a transaction is in flight"
                )
            next_status(self._current(state.address), step)
        else:
            next_status(None, step)
        outcome = self.program.execute(list(instructions), payer=payer)
        if not outcome.ok:
            if state is not None:
                self._registry[state.address] = replace(state, error=_code(outcome))
            raise FactoryError(_code(outcome))
        return outcome

    def _settle(self, address: Pubkey, status: SessionStatus, outcome: Outcome) -> SessionState:
        """Record ``status`` with the account as the chain now holds it."""
        known = self._registry.get(address)
        state = self._from_chain(address, status, known)
        closed = _closed_event(outcome)
        if closed is not None and closed.session == address:
            state = replace(state, close_reason=closed.reason)
        self._registry[address] = state
        return state

    def _from_chain(
        self, address: Pubkey, status: SessionStatus, known: SessionState | None
    ) -> SessionState:
        record = self.program.record(address)
        if record is not None:
            return SessionState(address, status, to_session(record), True, record.lamports)
        if known is None:  # pragma: no cover - settled sessions were registered or created
            raise AssertionError(f"no account and no history for {address}")
        return SessionState(address, status, known.account, False, 0, known.error)


class _OwnerBuilder(Protocol):
    """The shape of the owner-signed instruction builders."""

    def __call__(
        self, owner: Pubkey, session: Pubkey, *, program_id: Pubkey = ...
    ) -> Instruction: ...


def _closed_event(outcome: Outcome) -> SessionClosed | None:
    for emitted in outcome.events:
        if isinstance(emitted, SessionClosed):
            return emitted
    return None


def _code(outcome: Outcome) -> ErrorCode | RuntimeFailure:
    if outcome.error is not None:
        return outcome.error
    assert outcome.failure is not None
    return outcome.failure
