"""``sessions watch``: the sessions program's events as they happen, over ``logsSubscribe``.

It subscribes to the logs of transactions that mention the program (the
PubSub websocket of the ``-u`` cluster, found as the Solana CLI finds it:
``http`` -> ``ws``, ``https`` -> ``wss``, an explicit port plus one) and
decodes every ``Program data:`` line the program itself logged with
:func:`sessions_client.events.parse_events`. A failed transaction prints the
program's error by name (the same attribution as ``sessions logs``). Output is
one line per event (and per program error), or one JSON object per line with
``--json``; ``--count N`` stops after N such lines. An unreachable cluster or
a refused subscription is one ``error:`` line and exit code 1 (see
:mod:`sessions_tools.ops.runner`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.markup import escape
from solders.errors import SerdeJSONError
from solders.pubkey import Pubkey
from solders.rpc.responses import LogsNotification, parse_websocket_message
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from sessions_client.events import Event, parse_events
from sessions_client.rpc import excerpt, solders_read
from sessions_tools.ops.display import readable_rows, to_json
from sessions_tools.ops.logs import ProgramFailure, program_failure
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.ops.session_client import program_address
from sessions_tools.ops.solana_config import Target

OPEN_TIMEOUT_S: Final = 10.0
SUBSCRIBE_ID: Final = 1


def websocket_url(rpc_url: str) -> str:
    """The PubSub URL of an RPC URL, by the Solana CLI's rule (port + 1 when one is given)."""
    parts = urlsplit(rpc_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise OperatorError(f"cannot derive a websocket URL from {rpc_url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if parts.port is None else f"{host}:{parts.port + 1}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class Sighting:
    """What one logsNotification meant for the sessions program."""

    slot: int
    signature: str
    events: tuple[Event, ...]
    failure: ProgramFailure | None


def read_notification(raw: str | bytes, program_id: Pubkey) -> Sighting | None:
    """A logsNotification decoded (solders' typed LogsNotification); ``None`` for any other
    message solders reads (a subscription answer); OperatorError for one it cannot read,
    MalformedRpcResponseError for a signature that is not one (solders reads it lazily)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    try:
        messages = parse_websocket_message(text)
    except (SerdeJSONError, ValueError) as exc:
        raise OperatorError(f"not a PubSub message solders reads: {excerpt(text)}") from exc
    notification = next((m for m in messages if isinstance(m, LogsNotification)), None)
    if notification is None:
        return None
    result = notification.result
    logs = tuple(result.value.logs)
    return Sighting(
        slot=result.context.slot,
        signature=str(solders_read(lambda: result.value.signature, "logsNotification signature")),
        events=tuple(parse_events(logs, program_id)),
        failure=program_failure(result.value.err, logs, (), program_id),
    )


def sighting_lines(sighting: Sighting, *, as_json: bool) -> list[str]:
    """The lines ``watch`` prints for one transaction (none when it did not concern us)."""
    lines = []
    for event in sighting.events:
        if as_json:
            record = {
                "slot": sighting.slot,
                "signature": sighting.signature,
                "event": type(event).__name__,
                "fields": to_json(event),
            }
            lines.append(json.dumps(record))
        else:
            fields = " ".join(f"{name}={value}" for name, value in readable_rows(event))
            lines.append(f"slot {sighting.slot} {type(event).__name__} {fields}")
    if sighting.failure is not None:
        code = sighting.failure.code
        if as_json:
            error = {"code": int(code), "name": code.pascal_name, "message": code.message}
            record = {"slot": sighting.slot, "signature": sighting.signature, "error": error}
            lines.append(json.dumps(record))
        else:
            lines.append(
                f"slot {sighting.slot} failed {code.pascal_name} ({int(code)}): {code.message} "
                f"signature={sighting.signature}"
            )
    return lines


async def _subscribe(socket: ClientConnection, program_id: Pubkey, commitment: str) -> None:
    request = {
        "jsonrpc": "2.0",
        "id": SUBSCRIBE_ID,
        "method": "logsSubscribe",
        "params": [{"mentions": [str(program_id)]}, {"commitment": commitment}],
    }
    await socket.send(json.dumps(request))
    # The answer is read as JSON, not by solders: its SubscriptionError goes through
    # solders' RPCError reader, which panics on an error object it does not expect.
    while True:
        answer = json.loads(await socket.recv())
        if answer.get("id") != SUBSCRIBE_ID:
            continue
        if "error" in answer:
            raise OperatorError(f"logsSubscribe refused: {answer['error'].get('message')}")
        return


async def sightings(
    ws_url: str, program_id: Pubkey, commitment: str, on_ready: Callable[[], None]
) -> AsyncIterator[Sighting]:
    """Every logsNotification for ``program_id``, decoded, until the connection ends."""
    try:
        async with connect(ws_url, open_timeout=OPEN_TIMEOUT_S, max_size=None) as socket:
            await _subscribe(socket, program_id, commitment)
            on_ready()
            async for raw in socket:
                sighting = read_notification(raw, program_id)
                if sighting is not None:
                    yield sighting
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
        raise OperatorError(f"cannot reach {ws_url}: {exc or type(exc).__name__}") from exc
    except ConnectionClosed as exc:
        raise OperatorError(f"{ws_url} closed the connection: {exc}") from exc
    raise OperatorError(f"{ws_url} closed the connection")


async def watch_events(
    target: Target,
    program_id_text: str | None,
    *,
    ws_url: str | None,
    count: int | None,
    as_json: bool,
    console: Console,
) -> None:
    """Print events until interrupted, or until ``count`` events were printed."""
    if count is not None and count < 1:
        raise OperatorError("--count must be at least 1")
    program_id = program_address(program_id_text)
    url = ws_url or websocket_url(target.url)

    def ready() -> None:
        sys.stderr.write(f"watching {program_id} on {url} (Ctrl-C to stop)\n")
        sys.stderr.flush()

    printed = 0
    async for sighting in sightings(url, program_id, target.commitment, ready):
        for line in sighting_lines(sighting, as_json=as_json):
            if as_json:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            else:
                console.print(escape(line), soft_wrap=True)
            printed += 1
            if count is not None and printed >= count:
                return
