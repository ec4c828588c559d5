"""A tiny scripted HTTP JSON-RPC server on 127.0.0.1 for fault-injection tests.

Each request is answered by ``handler(method, params)``, which returns a
:class:`Reply`: a JSON ``result`` or ``error``, raw bytes (garbage), an HTTP
status, or a delay before answering (to trigger client timeouts). Every
request's method is recorded, so tests can count attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    result: Any = None
    error: dict[str, Any] | None = None
    raw: bytes | None = None
    status: int = 200
    delay: float = 0.0


Handler = Callable[[str, list[Any]], Reply]


@dataclass
class FakeRpc:
    handler: Handler
    url: str = ""
    calls: list[str] = field(default_factory=list)

    def count(self, method: str) -> int:
        return sum(1 for call in self.calls if call == method)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = json.loads(await reader.readexactly(length))
                method = body.get("method", "")
                self.calls.append(method)
                reply = self.handler(method, body.get("params") or [])
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.raw is not None:
                    payload = reply.raw
                else:
                    envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": body.get("id")}
                    if reply.error is not None:
                        envelope["error"] = reply.error
                    else:
                        envelope["result"] = reply.result
                    payload = json.dumps(envelope).encode()
                writer.write(
                    f"HTTP/1.1 {reply.status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def fake_rpc(handler: Handler) -> AsyncIterator[FakeRpc]:
    """Serve ``handler`` on a free loopback port for the duration of the block."""
    fake = FakeRpc(handler)
    server = await asyncio.start_server(fake._serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1.0)


def context(value: Any, slot: int = 1) -> dict[str, Any]:
    """A ``{"context": ..., "value": ...}`` result."""
    return {"context": {"slot": slot, "apiVersion": "2.2.0"}, "value": value}
