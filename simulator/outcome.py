"""What one simulated transaction did: the same facts the SVM harness reports."""

from __future__ import annotations

import enum
from typing import NamedTuple

from sessions_client.errors import ErrorCode
from sessions_client.events import Event


class RuntimeFailure(enum.Enum):
    """Failures that are not the sessions program's own error codes."""

    #: The transaction never landed (expired blockhash, dropped): nothing happened on-chain.
    DROPPED = "transaction dropped before it landed"
    #: A program execute invoked failed (the system or a token program's own error).
    CALLEE_FAILED = "a CPI's callee failed"
    #: The runtime's rent-state rule refused the transaction (an account left rent-paying).
    RENT_STATE = "an account left rent-paying"


class RuntimeRefusalError(Exception):
    """Raised by a handler when the runtime, not the sessions program, fails the
    transaction: a callee's error (``detail`` as the runtime names it, e.g. ``Custom(1)``),
    or a transaction-level rule (``instruction_level`` False: no failing instruction)."""

    def __init__(self, failure: RuntimeFailure, detail: str, *, instruction_level: bool) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.instruction_level = instruction_level


class Outcome(NamedTuple):
    """Success, or which instruction failed and why; the events of a successful transaction.

    Immutable like a frozen dataclass; a NamedTuple because every simulated transaction
    returns one and a tuple is four times cheaper to construct.
    """

    ok: bool
    #: The program's error code when the program rejected an instruction.
    error: ErrorCode | None = None
    events: tuple[Event, ...] = ()
    failed_instruction: int | None = None
    #: A failure that is not one of the program's codes (None otherwise).
    failure: RuntimeFailure | None = None
    #: The runtime's name for that failure (``Custom(1)``, ``InsufficientFundsForRent``).
    detail: str | None = None
