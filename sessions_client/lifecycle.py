"""The session state machine, defined once, with its in-flight states explicit.

Both users of in-flight states take them from here: the library's optimistic cache
(:class:`~sessions_client.cache.OptimisticSessionManager`) and the simulator's
``SessionFactory``. An :class:`Operation` is a transaction sent and not yet confirmed;
:data:`IN_FLIGHT_STEPS` says which edges it takes when it is sent, confirmed and failed,
and the statuses it shows (:func:`in_flight_status`, :func:`failed_status`) are those
edges' targets in :data:`TRANSITIONS`, so no second table can disagree.

::

    (new) --request--> Requested --send_approve--> Creating
    (new) --send_create--> Creating --confirm_create--> Created
                           Creating --fail_create--> CreationFailed
    Requested --cancel--> Cancelled          Requested --time_out--> TimedOut
    Created --send_activate--> Activating --confirm_activate--> Active
                               Activating --fail_activate--> ActivationFailed
    Active --pause--> Paused --resume--> Active
    Created | Active | Paused --expire--> Expired
    Created | Active | Paused --expire_and_close--> Closed      (AUTO_EXPIRE)
    Created | Active | Paused | Expired --send_close--> Closing --confirm_close--> Closed

Creating, Activating and Closing are a transaction sent and not yet confirmed: the caller
confirms or fails it later. The program stores only Requested, Created, Active, Paused
and Expired; Closed, Cancelled, TimedOut, CreationFailed and ActivationFailed are end
states. (A close that fails leaves the session as it was before the close was sent: the
factory and the cache restore that state; the seed's diagram has no edge for it.)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from sessions_client.types import SessionStatus


class Step(enum.Enum):
    """A named edge of the diagram."""

    REQUEST = "request"
    SEND_CREATE = "send_create"
    SEND_APPROVE = "send_approve"
    CONFIRM_CREATE = "confirm_create"
    FAIL_CREATE = "fail_create"
    CANCEL = "cancel"
    TIME_OUT = "time_out"
    SEND_ACTIVATE = "send_activate"
    CONFIRM_ACTIVATE = "confirm_activate"
    FAIL_ACTIVATE = "fail_activate"
    PAUSE = "pause"
    RESUME = "resume"
    EXPIRE = "expire"
    EXPIRE_AND_CLOSE = "expire_and_close"
    SEND_CLOSE = "send_close"
    CONFIRM_CLOSE = "confirm_close"


class InvalidTransitionError(Exception):
    """A step the diagram does not allow from the current state."""

    def __init__(self, current: SessionStatus | None, step: Step) -> None:
        where = "a new session" if current is None else current.name
        super().__init__(f"{step.value} is not allowed from {where}")
        self.current = current
        self.step = step


S = SessionStatus
_EXPIRABLE: Final = (S.CREATED, S.ACTIVE, S.PAUSED)

#: (state or None for a new session, step) -> next state: every edge of the diagram.
TRANSITIONS: Final[Mapping[tuple[SessionStatus | None, Step], SessionStatus]] = MappingProxyType(
    {
        (None, Step.REQUEST): S.REQUESTED,
        (None, Step.SEND_CREATE): S.CREATING,
        (S.REQUESTED, Step.SEND_APPROVE): S.CREATING,
        (S.REQUESTED, Step.CANCEL): S.CANCELLED,
        (S.REQUESTED, Step.TIME_OUT): S.TIMED_OUT,
        (S.CREATING, Step.CONFIRM_CREATE): S.CREATED,
        (S.CREATING, Step.FAIL_CREATE): S.CREATION_FAILED,
        (S.CREATED, Step.SEND_ACTIVATE): S.ACTIVATING,
        (S.ACTIVATING, Step.CONFIRM_ACTIVATE): S.ACTIVE,
        (S.ACTIVATING, Step.FAIL_ACTIVATE): S.ACTIVATION_FAILED,
        (S.ACTIVE, Step.PAUSE): S.PAUSED,
        (S.PAUSED, Step.RESUME): S.ACTIVE,
        **{(s, Step.EXPIRE): S.EXPIRED for s in _EXPIRABLE},
        **{(s, Step.EXPIRE_AND_CLOSE): S.CLOSED for s in _EXPIRABLE},
        **{(s, Step.SEND_CLOSE): S.CLOSING for s in (*_EXPIRABLE, S.EXPIRED)},
        (S.CLOSING, Step.CONFIRM_CLOSE): S.CLOSED,
    }
)

END_STATES: Final = frozenset(
    {S.CLOSED, S.CANCELLED, S.TIMED_OUT, S.CREATION_FAILED, S.ACTIVATION_FAILED}
)
#: The failure exits of the diagram (a transaction sent and failed, or a request abandoned).
FAILURE_EXITS: Final = frozenset(
    {
        (S.REQUESTED, Step.CANCEL),
        (S.REQUESTED, Step.TIME_OUT),
        (S.CREATING, Step.FAIL_CREATE),
        (S.ACTIVATING, Step.FAIL_ACTIVATE),
    }
)


def next_status(current: SessionStatus | None, step: Step) -> SessionStatus:
    """The state after ``step``; :class:`InvalidTransitionError` if the diagram forbids it."""
    found = TRANSITIONS.get((current, step))
    if found is None:
        raise InvalidTransitionError(current, step)
    return found


def allowed_steps(current: SessionStatus | None) -> frozenset[Step]:
    """Every step the diagram allows from ``current``."""
    return frozenset(step for (state, step) in TRANSITIONS if state is current)


class Operation(enum.Enum):
    """What a client has sent for a session and not yet seen land.

    CREATE, APPROVE, ACTIVATE and CLOSE are the diagram's in-flight operations
    (:data:`IN_FLIGHT_STEPS`). UPDATE is any other transaction (pause, resume, expire),
    which has no in-flight state: it applies when it lands, and the session keeps its
    status meanwhile.
    """

    CREATE = "create"
    APPROVE = "approve"
    ACTIVATE = "activate"
    CLOSE = "close"
    UPDATE = "update"


@dataclass(frozen=True, slots=True)
class InFlightSteps:
    """The edges of one in-flight operation: sent, confirmed, and failed (None: a failed
    operation restores the state before it was sent)."""

    send: Step
    confirm: Step
    fail: Step | None


IN_FLIGHT_STEPS: Final[Mapping[Operation, InFlightSteps]] = MappingProxyType(
    {
        Operation.CREATE: InFlightSteps(Step.SEND_CREATE, Step.CONFIRM_CREATE, Step.FAIL_CREATE),
        Operation.APPROVE: InFlightSteps(
            Step.SEND_APPROVE, Step.CONFIRM_CREATE, Step.FAIL_CREATE
        ),
        Operation.ACTIVATE: InFlightSteps(
            Step.SEND_ACTIVATE, Step.CONFIRM_ACTIVATE, Step.FAIL_ACTIVATE
        ),
        Operation.CLOSE: InFlightSteps(Step.SEND_CLOSE, Step.CONFIRM_CLOSE, None),
    }
)


def _target(step: Step) -> SessionStatus:
    """The one state every edge named ``step`` leads to."""
    (target,) = {after for (_, s), after in TRANSITIONS.items() if s is step}
    return target


#: operation -> the status it shows while in flight (UPDATE shows none).
_IN_FLIGHT_STATUS: Final[Mapping[Operation, SessionStatus]] = MappingProxyType(
    {op: _target(steps.send) for op, steps in IN_FLIGHT_STEPS.items()}
)
#: operation -> the status its failure exit leads to (CLOSE and UPDATE restore instead).
_FAILED_STATUS: Final[Mapping[Operation, SessionStatus]] = MappingProxyType(
    {op: _target(steps.fail) for op, steps in IN_FLIGHT_STEPS.items() if steps.fail is not None}
)


#: The in-flight states: what a session shows while a sent transaction is unconfirmed.
IN_FLIGHT: Final = frozenset(_IN_FLIGHT_STATUS.values())


def in_flight_status(operation: Operation) -> SessionStatus | None:
    """What a session shows while ``operation`` is in flight (None: its status stays)."""
    return _IN_FLIGHT_STATUS.get(operation)


def failed_status(operation: Operation) -> SessionStatus | None:
    """Where ``operation``'s failure exit leads (None: the state before it is restored)."""
    return _FAILED_STATUS.get(operation)
