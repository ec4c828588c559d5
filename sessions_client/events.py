"""Events the program emits with ``sol_log_data``: ``sha256("event:<Name>")[:8]`` + borsh.

Parsing is strict about what it claims: a ``Program data:`` line whose
discriminator is one of ours but whose body does not decode raises
:class:`~sessions_client.exceptions.DecodeError`; lines from other programs
(unknown discriminators) are skipped, because a transaction may carry
events of any program.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Final

from solders.pubkey import Pubkey

from sessions_client.borsh import I64, U8, U16, U32, U64
from sessions_client.codec import Layout, layout_of
from sessions_client.constants import PROGRAM_ID
from sessions_client.discriminators import DISCRIMINATOR_LEN, event_discriminator
from sessions_client.exceptions import DecodeError
from sessions_client.types import CloseReason, ResourceQuotas, SessionStatus


@dataclass(frozen=True, slots=True)
class SessionRequested:
    """A dapp asked an owner for a session; the owner approves or it times out."""

    session: Pubkey
    owner: Pubkey
    creator: Pubkey
    session_id: Annotated[int, U64]
    request_deadline: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class SessionCreated:
    """The session exists in Created (by create_session or by approval of a request)."""

    session: Pubkey
    owner: Pubkey
    creator: Pubkey
    session_id: Annotated[int, U64]
    permissions: Annotated[int, U32]
    settings: Annotated[int, U32]
    created_at: Annotated[int, I64]
    expires_at: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class SessionActivated:
    session: Pubkey
    owner: Pubkey
    activated_at: Annotated[int, I64]
    expires_at: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class SessionPaused:
    session: Pubkey
    owner: Pubkey
    paused_at: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class SessionResumed:
    session: Pubkey
    owner: Pubkey
    resumed_at: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class SessionExpired:
    """The session's time ran out and someone moved it to its end state."""

    session: Pubkey
    owner: Pubkey
    expires_at: Annotated[int, I64]
    expired_at: Annotated[int, I64]
    previous_status: SessionStatus


@dataclass(frozen=True, slots=True)
class SessionClosed:
    """The account is gone; its rent went back to the creator, the signer's SOL to the owner."""

    session: Pubkey
    owner: Pubkey
    rent_receiver: Pubkey
    lamports_returned: Annotated[int, U64]
    #: What the session signer held in SOL, moved to the owner (0: it held nothing).
    swept_to_owner: Annotated[int, U64]
    closed_at: Annotated[int, I64]
    reason: CloseReason


@dataclass(frozen=True, slots=True)
class SessionExecuted:
    """EXECUTION_LOGGING: one successful execute, with what it consumed."""

    session: Pubkey
    owner: Pubkey
    #: The authority that signed execute (the owner or a key the guard admits).
    caller: Pubkey
    #: The first inner instruction's program.
    program: Pubkey
    #: Gross lamport outflow of the session signer during this execute.
    lamports_spent: Annotated[int, U64]
    #: The compute charge (the transaction's requested compute-unit limit).
    compute_units: Annotated[int, U64]
    #: usage_count after this execute.
    usage_count: Annotated[int, U64]
    executed_at: Annotated[int, I64]
    instruction_count: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class SessionGuardUpdated:
    """update_guard: the owner replaced the guard, or an admitted caller narrowed it."""

    session: Pubkey
    owner: Pubkey
    authority: Pubkey
    updated_at: Annotated[int, I64]
    guard_len: Annotated[int, U16]
    #: 1: made under the narrowing rule (anyone admitted, any time); 0: by the owner, Paused.
    narrowed: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class SessionPermissionsUpdated:
    """update_permissions: the permissions now in force."""

    session: Pubkey
    owner: Pubkey
    authority: Pubkey
    updated_at: Annotated[int, I64]
    previous: Annotated[int, U32]
    permissions: Annotated[int, U32]
    #: 1: made under the narrowing rule (anyone admitted, any time); 0: by the owner, Paused.
    narrowed: Annotated[int, U8]


@dataclass(frozen=True, slots=True)
class SessionQuotasUpdated:
    """update_quotas: the quotas now in force (usage is never reset)."""

    session: Pubkey
    owner: Pubkey
    authority: Pubkey
    quotas: ResourceQuotas
    updated_at: Annotated[int, I64]
    #: 1: made under the narrowing rule (anyone admitted, any time); 0: by the owner, Paused.
    narrowed: Annotated[int, U8]


Event = (
    SessionRequested
    | SessionCreated
    | SessionActivated
    | SessionPaused
    | SessionResumed
    | SessionExpired
    | SessionClosed
    | SessionExecuted
    | SessionGuardUpdated
    | SessionPermissionsUpdated
    | SessionQuotasUpdated
)

#: Every event type, in IDL order.
EVENT_TYPES: Final[tuple[type, ...]] = (
    SessionRequested,
    SessionCreated,
    SessionActivated,
    SessionPaused,
    SessionResumed,
    SessionExpired,
    SessionClosed,
    SessionExecuted,
    SessionGuardUpdated,
    SessionPermissionsUpdated,
    SessionQuotasUpdated,
)

_BY_DISCRIMINATOR: Final[dict[bytes, type]] = {
    event_discriminator(cls.__name__): cls for cls in EVENT_TYPES
}

_PROGRAM_DATA = "Program data: "


def encode_event(event: Event) -> bytes:
    """The exact bytes the program passes to ``sol_log_data``."""
    return event_discriminator(type(event).__name__) + layout_of(type(event)).encode(event)


def decode_event(data: bytes) -> Event | None:
    """Decode one event payload; None if the discriminator is not one of ours."""
    cls = _BY_DISCRIMINATOR.get(bytes(data[:DISCRIMINATOR_LEN]))
    if cls is None:
        return None
    layout: Layout[Any] = layout_of(cls)
    size = DISCRIMINATOR_LEN + layout.size
    if len(data) != size:
        raise DecodeError(f"{cls.__name__}: expected {size} bytes, got {len(data)}")
    event: Event = layout.decode(data, DISCRIMINATOR_LEN)
    return event


def _invocation_owner(line: str, stack: list[str]) -> None:
    """Track which program is running from the runtime's invoke/success/failed lines."""
    if line.startswith("Program ") and " invoke [" in line:
        stack.append(line.split(" ", 2)[1])
    elif line.startswith("Program ") and (line.endswith(" success") or " failed" in line) and stack:
        stack.pop()


def parse_events(logs: Iterable[str], program_id: Pubkey = PROGRAM_ID) -> list[Event]:
    """Decode the sessions events in a transaction's log messages, in order.

    Only ``Program data:`` lines logged while ``program_id`` itself was executing
    count, so another program cannot forge our events by logging our
    discriminators.
    """
    events: list[Event] = []
    stack: list[str] = []
    ours = str(program_id)
    for line in logs:
        if line.startswith(_PROGRAM_DATA):
            if not stack or stack[-1] != ours:
                continue
            for chunk in line[len(_PROGRAM_DATA) :].split():
                try:
                    payload = base64.b64decode(chunk, validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise DecodeError(f"event log line is not base64: {chunk[:40]!r}") from exc
                event = decode_event(payload)
                if event is not None:
                    events.append(event)
        else:
            _invocation_owner(line, stack)
    return events
