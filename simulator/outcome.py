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
