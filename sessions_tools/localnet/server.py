"""HTTP front end: a Starlette app on uvicorn, blocking or in a background thread.

``POST /`` carries JSON-RPC like a validator's port 8899, a websocket on
``/`` carries PubSub (served on the next port too, where clients look for
it); ``GET /health`` answers ``ok`` like the validator's health endpoint.
Bodies over the limit get HTTP 413 with a JSON-RPC error: at once, and the
connection closed, when the declared ``Content-Length`` is too large; a
chunked body is drained (up to a cap) so a keep-alive connection stays
usable. A body that does not arrive within the body timeout gets 408, and a
client that disconnects mid-request is logged in one line. The limits come
from :class:`ServerConfig`; :mod:`.http_limits` adds the ones uvicorn lacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import uvicorn
from solders.pubkey import Pubkey
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from sessions_tools.localnet.chain import Chain, ChainState
from sessions_tools.localnet.config import LocalnetConfig, ServerConfig, require_loopback
from sessions_tools.localnet.dispatch import Dispatcher, encode
from sessions_tools.localnet.http_limits import limited_protocol
from sessions_tools.localnet.pubsub import PubSubConnection, PubSubHub
from sessions_tools.localnet.rpc_errors import invalid_request

JSON_MEDIA_TYPE: Final = "application/json"
T = TypeVar("T")
_log = logging.getLogger(__name__)
DRAIN_FACTOR: Final = 16
"""Oversized bodies are read and discarded up to this many times the limit, then cut off."""


def create_app(ledger: Chain, limits: ServerConfig) -> Starlette:
    """The ASGI app serving ``ledger``: JSON-RPC over HTTP, PubSub over websocket."""
    dispatcher = Dispatcher(ledger, max_batch_size=limits.max_batch_size)
    hub = PubSubHub(ledger, max_subscriptions=limits.max_subscriptions)
    max_body_bytes = limits.max_body_bytes

    async def rpc(request: Request) -> Response:
        try:
            async with asyncio.timeout(limits.body_timeout):
                body, too_large, drained = await _read_limited(request, max_body_bytes)
        except TimeoutError:
            message = f"request body not received within {limits.body_timeout:g} s"
            return _refusal(408, message, close=True)
        except ClientDisconnect:
            _log.info("%s disconnected before sending its whole request body", _peer(request))
            return Response(status_code=400)
        if too_large:
            message = (
                f"request body of {too_large} bytes or more exceeds the limit of "
                f"{max_body_bytes} bytes"
            )
            return _refusal(413, message, close=not drained)
        answer = await dispatcher.handle_body(body)
        if answer is None:
            return Response(status_code=204)
        return Response(encode(answer), media_type=JSON_MEDIA_TYPE)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def wrong_method(request: Request) -> Response:
        error = invalid_request("JSON-RPC requests must be sent with HTTP POST")
        payload = encode({"jsonrpc": "2.0", "error": error.to_json(), "id": None})
        return Response(payload, status_code=405, media_type=JSON_MEDIA_TYPE)

    async def pubsub(websocket: WebSocket) -> None:
        await websocket.accept()
        with hub.connect() as connection:
            writer = asyncio.create_task(_pump(websocket, connection))
            try:
                while connection.close_reason is None:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    text = message.get("text")
                    if text is None:
                        text = (message.get("bytes") or b"").decode("utf-8", "replace")
                    await connection.handle_text(text)
                if connection.close_reason is not None:
                    code, reason = connection.close_reason
                    await websocket.close(code=code, reason=reason)
            except WebSocketDisconnect:
                pass
            finally:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await writer

    return Starlette(
        routes=[
            WebSocketRoute("/", pubsub),
            Route("/", rpc, methods=["POST"]),
            Route("/", wrong_method, methods=["GET", "PUT", "DELETE", "PATCH"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


async def _pump(websocket: WebSocket, connection: PubSubConnection) -> None:
    while True:
        message = await connection.queue.get()
        await websocket.send_text(encode(message).decode("utf-8"))


def _refusal(status: int, message: str, *, close: bool) -> Response:
    payload = encode({"jsonrpc": "2.0", "error": invalid_request(message).to_json(), "id": None})
    headers = {"Connection": "close"} if close else {}
    return Response(payload, status_code=status, media_type=JSON_MEDIA_TYPE, headers=headers)


def _peer(request: Request) -> str:
    return "client" if request.client is None else f"{request.client.host}:{request.client.port}"


async def _read_limited(request: Request, limit: int) -> tuple[bytes, int, bool]:
    """Read the body; returns (body, size-if-too-large-else-0, fully-drained).

    A declared length over the limit is refused before reading anything: a
    client announcing 100 GB must not be waited for.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return b"", int(declared), False
    chunks: list[bytes] = []
    size = 0
    too_large = 0
    async for chunk in request.stream():
        size += len(chunk)
        if too_large or size > limit:
            too_large = max(too_large, size)
            if size > limit * DRAIN_FACTOR:
                return b"", too_large, False
            continue
        chunks.append(chunk)
    return b"".join(chunks), too_large, True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET
    if host != "localhost" and ipaddress.ip_address(host).version == 6:
        family = socket.AF_INET6
    # proto must be IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on accepted
    # sockets whose proto says TCP, and without it every response stalls ~40 ms
    # (Nagle against the client's delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _bind_pair(host: str, port: int, attempts: int = 20) -> tuple[socket.socket, socket.socket]:
    """JSON-RPC on ``port`` and PubSub on ``port + 1``, the validator's convention.

    Clients derive the websocket URL from the HTTP one by adding 1 to the
    port, so the pair must be adjacent; with ``port=0`` free pairs are tried.
    """
    for _ in range(attempts if port == 0 else 1):
        rpc_socket = _bind(host, port)
        rpc_port = int(rpc_socket.getsockname()[1])
        try:
            if rpc_port >= 65535:
                raise OSError(f"no port above {rpc_port} for the websocket")
            return rpc_socket, _bind(host, rpc_port + 1)
        except OSError:
            rpc_socket.close()
            if port != 0:
                raise
    raise OSError(f"no two adjacent free ports found on {host} after {attempts} attempts")


def _url(host: str, port: int, scheme: str = "http") -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def _uvicorn_server(app: Starlette, limits: ServerConfig, log_level: str) -> uvicorn.Server:
    http = limited_protocol(
        max_connections=limits.max_connections, header_timeout=limits.header_timeout
    )
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            lifespan="off",
            access_log=False,
            http=http,
            timeout_keep_alive=limits.keep_alive_seconds,
            ws_max_size=limits.max_body_bytes,
        )
    )


def serve(
    config: LocalnetConfig,
    *,
    port: int | None = None,
    log_level: str = "info",
    announce: Callable[[str, str, Pubkey], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM); for the CLI.

    ``announce`` receives the HTTP and websocket URLs once the ports are bound, and the
    node identity (a fresh key per process, what ``getIdentity`` answers): whoever starts
    the process can ask the URL for it and so know they reach this process, not another
    server that took the port.
    """
    host = config.server.host
    require_loopback(host)
    ledger = Chain.from_config(config)
    sockets = _bind_pair(host, config.server.port if port is None else port)
    rpc_port = int(sockets[0].getsockname()[1])
    if announce is not None:
        announce(_url(host, rpc_port), _url(host, rpc_port + 1, "ws"), ledger.identity)
    app = create_app(ledger, config.server)
    _uvicorn_server(app, config.server, log_level).run(sockets=list(sockets))


class RunningLocalnet:
    """A server running in a background thread; stop it with :meth:`stop` or ``with``.

    The server owns an event loop in that thread, and so does the ledger's
    lock: use :meth:`call` to run ledger coroutines (such as
    :meth:`Chain.warp_to_slot`) from the test's own thread or loop.
    """

    def __init__(
        self,
        *,
        url: str,
        host: str,
        port: int,
        ledger: Chain,
        server: uvicorn.Server,
        thread: threading.Thread,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.url = url
        self.ws_url = _url(host, port + 1, "ws")
        self.host = host
        self.port = port
        self.ledger = ledger
        self._server = server
        self._thread = thread
        self._loop = loop

    @property
    def running(self) -> bool:
        """Whether the server thread is still alive."""
        return self._thread.is_alive()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coroutine`` on the server's loop and wait for its result (thread-safe)."""
        if not self.running:
            coroutine.close()
            raise RuntimeError(f"localnet at {self.url} is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def warp_to_slot(self, slot: int) -> ChainState:
        """Jump the chain forward to ``slot`` (the clock moves 400 ms per slot)."""
        return self.call(self.ledger.warp_to_slot(slot))

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to shut down and wait for the thread; safe to call twice."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"localnet at {self.url} did not stop within {timeout} s")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def _run_server(
    server: uvicorn.Server, sockets: list[socket.socket], loop: asyncio.AbstractEventLoop
) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(server.serve(sockets=sockets))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def start_in_thread(
    config: LocalnetConfig | None = None,
    *,
    port: int | None = None,
    ledger: Chain | None = None,
    startup_timeout: float = 10.0,
    log_level: str = "warning",
) -> RunningLocalnet:
    """Start a localnet in a daemon thread and return once it accepts connections.

    ``port=0`` (or ``[server] port = 0``) binds a free port; the chosen one is
    in ``.port`` and ``.url``, and PubSub listens on the next port
    (``.ws_url``). Sockets are bound before returning, so a busy port raises
    ``OSError`` here rather than in the thread.
    """
    config = config or LocalnetConfig()
    host = config.server.host
    require_loopback(host)
    ledger = ledger or Chain.from_config(config)
    sockets = list(_bind_pair(host, config.server.port if port is None else port))
    bound_port = int(sockets[0].getsockname()[1])
    app = create_app(ledger, config.server)
    server = _uvicorn_server(app, config.server, log_level)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=_run_server,
        args=(server, sockets, loop),
        name=f"sessions-localnet-{bound_port}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(1.0)
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.close()
            raise RuntimeError(f"localnet on {_url(host, bound_port)} failed to start")
        time.sleep(0.01)
    return RunningLocalnet(
        url=_url(host, bound_port),
        host=host,
        port=bound_port,
        ledger=ledger,
        server=server,
        thread=thread,
        loop=loop,
    )
