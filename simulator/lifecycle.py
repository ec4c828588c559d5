"""The seed's session state machine, in full, with its in-flight states explicit.

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
factory restores that state; the seed's diagram has no edge for it.)
"""

from __future__ import annotations

import enum
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
TRANSITIONS: Final[dict[tuple[SessionStatus | None, Step], SessionStatus]] = {
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

IN_FLIGHT: Final = frozenset({S.CREATING, S.ACTIVATING, S.CLOSING})
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
