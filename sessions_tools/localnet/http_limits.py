"""Connection limits uvicorn does not offer: a request-head deadline and a hard connection cap.

uvicorn's ``timeout_keep_alive`` only runs while a connection is idle
between requests: a client that starts a request head and drips a byte a
second holds its connection (and a file descriptor) forever. Its
``limit_concurrency`` answers 503 only once a whole request head has
arrived, so such drippers still pile up, and websocket upgrades are never
counted against it. This protocol, uvicorn's own h11 one plus two checks,
closes both gaps:

* a connection accepted while ``max_connections`` (HTTP and websocket
  together) are open gets an immediate 503 and is closed before anything is
  read;
* a request head must be complete within ``header_timeout`` seconds of its
  first byte (of the connection, for the first request), or the client gets
  408 and the connection is closed.

Both answers carry a JSON-RPC error object, like every other refusal, and
end in a lingering close: the write side is shut after the answer and
whatever the client still sends is read and dropped for up to
:data:`LINGER_SECONDS`, so the client reads the answer instead of a
connection reset.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from sessions_tools.localnet.dispatch import encode
from sessions_tools.localnet.rpc_errors import invalid_request

_log = logging.getLogger(__name__)
_REASONS: Final = {408: "Request Timeout", 503: "Service Unavailable"}
LINGER_SECONDS: Final = 1.0


def canned_response(status: int, message: str) -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response with a JSON-RPC error body."""
    body = encode({"jsonrpc": "2.0", "error": invalid_request(message).to_json(), "id": None})
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap and a request-head deadline.

    Use :func:`limited_protocol` to get a subclass with the limits filled in:
    uvicorn instantiates the protocol class itself, so the limits live on
    the class.
    """

    max_connections: ClassVar[int]
    header_timeout: ClassVar[float]
    _head_timer: asyncio.TimerHandle | None = None
    _linger_timer: asyncio.TimerHandle | None = None
    _refused: bool = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Refuse at once over the cap; otherwise start the first request head's deadline."""
        assert isinstance(transport, asyncio.Transport)
        if len(self.connections) >= self.max_connections:
            self._refused = True
            self.transport = transport
            self._refuse(503, f"too many connections (limit {self.max_connections}); retry later")
            return
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """A refused connection was never registered; others clean up as uvicorn does."""
        self._cancel_head_timer()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        if not self._refused:
            super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed h11, then keep the deadline only while a request head is incomplete."""
        if self._linger_timer is not None:
            return  # refused: drop what the client still sends
        if self.conn.their_state is h11.IDLE:
            self._arm_head_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "client"
        _log.info("closing %s: no complete request head within %g s", client, self.header_timeout)
        self._refuse(408, f"request head not received within {self.header_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answer, shut the write side, drop input until the client closes or the linger ends.

        (uvicorn's ``eof_received`` returns None, so asyncio closes the
        transport as soon as the client closes its side.)
        """
        self.transport.write(canned_response(status, message))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)


def limited_protocol(*, max_connections: int, header_timeout: float) -> type[LimitedH11Protocol]:
    """A :class:`LimitedH11Protocol` subclass with these limits, for uvicorn's ``http=``."""
    return type(
        "LimitedH11Protocol",
        (LimitedH11Protocol,),
        {"max_connections": max_connections, "header_timeout": header_timeout},
    )
