"""Every server limit, crossed for real over loopback sockets (issue 11, item 5).

Each test starts its own server with small limits, crosses one of them with
raw sockets (so nothing in a client library hides what the server does) and
checks what the README's "Localnet limits" table promises the client sees,
and that honest clients are still served.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sessions_tools.localnet import LocalnetConfig, RunningLocalnet, ServerConfig, start_in_thread

pytestmark = pytest.mark.localnet

HEALTH = b'{"jsonrpc":"2.0","id":1,"method":"getHealth"}'


def start(**limits: Any) -> RunningLocalnet:
    return start_in_thread(LocalnetConfig(server=ServerConfig(port=0, **limits)))


@pytest.fixture
def server_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Also capture uvicorn's loggers, which do not propagate to the root logger."""
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    try:
        yield caplog
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


def post_head(length: int | str, path: str = "/") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
        f"content-length: {length}\r\n\r\n"
    ).encode()


async def read_response(reader: asyncio.StreamReader, timeout: float) -> tuple[int, Any]:
    """Status and decoded JSON body of one response, then expect the server to close."""
    raw = await asyncio.wait_for(reader.read(), timeout)  # until EOF: the server closes
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body else None


def honest_health(net: RunningLocalnet) -> None:
    answer = httpx.post(net.url, content=HEALTH, headers={"content-type": "application/json"})
    assert answer.json()["result"] == "ok"


async def test_slowloris_connections_are_cut_at_the_header_timeout() -> None:
    with start(header_timeout=1.0, max_connections=200) as net:
        drippers = [await asyncio.open_connection(net.host, net.port) for _ in range(50)]
        started = time.monotonic()
        head = post_head(len(HEALTH))
        closed_at: list[float] = []

        async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            async def one_byte_every_100_ms() -> None:
                for byte in head:
                    writer.write(bytes([byte]))
                    await asyncio.sleep(0.1)

            sender = asyncio.create_task(one_byte_every_100_ms())  # ~9 s for the whole head
            status, body = await read_response(reader, 5)
            sender.cancel()
            closed_at.append(time.monotonic() - started)
            assert status == 408
            assert "request head not received within 1 s" in body["error"]["message"]
            writer.close()

        tasks = [asyncio.create_task(drip(*pair)) for pair in drippers]
        for _ in range(5):  # honest clients are served while 50 connections drip
            await asyncio.to_thread(honest_health, net)
            await asyncio.sleep(0.1)
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert len(closed_at) == 50
    assert max(closed_at) < 3.0


async def test_a_huge_declared_length_is_refused_at_once() -> None:
    with start(max_body_bytes=4096) as net:
        reader, writer = await asyncio.open_connection(net.host, net.port)
        writer.write(post_head(99_999_999_999))
        started = time.monotonic()
        status, body = await read_response(reader, 2)
        assert time.monotonic() - started < 1.0
        writer.close()
        honest_health(net)
    assert status == 413
    assert body["error"]["code"] == -32600
    assert "99999999999 bytes or more exceeds the limit of 4096 bytes" in body["error"]["message"]


async def test_a_body_that_stalls_gets_408_at_the_body_timeout() -> None:
    with start(body_timeout=0.5) as net:
        reader, writer = await asyncio.open_connection(net.host, net.port)
        writer.write(post_head(100) + b'{"jsonrpc"')
        started = time.monotonic()
        status, body = await read_response(reader, 3)
        elapsed = time.monotonic() - started
        writer.close()
        honest_health(net)
    assert status == 408
    assert "request body not received within 0.5 s" in body["error"]["message"]
    assert 0.4 < elapsed < 2.0


async def test_connections_over_the_limit_get_503_at_once() -> None:
    with start(max_connections=4) as net:
        async with connect(net.ws_url), connect(net.ws_url):  # websockets count too
            held = [await asyncio.open_connection(net.host, net.port) for _ in range(2)]
            await asyncio.sleep(0.1)
            reader, writer = await asyncio.open_connection(net.host, net.port)
            status, body = await read_response(reader, 2)
            writer.close()
            for _, held_writer in held:
                held_writer.close()
        assert status == 503
        assert "too many connections (limit 4)" in body["error"]["message"]
        await asyncio.sleep(0.2)
        await asyncio.to_thread(honest_health, net)  # capacity is back once they closed


async def test_idle_keep_alive_connections_close_after_keep_alive_seconds() -> None:
    with start(keep_alive_seconds=1) as net:
        reader, writer = await asyncio.open_connection(net.host, net.port)
        writer.write(post_head(len(HEALTH)) + HEALTH)
        started = time.monotonic()
        raw = await asyncio.wait_for(reader.read(), 4)  # the answer, then EOF when idle
        elapsed = time.monotonic() - started
        writer.close()
    assert raw.startswith(b"HTTP/1.1 200")
    assert 0.8 < elapsed < 3.0


def test_batches_over_the_limit_are_refused() -> None:
    with start(max_batch_size=3) as net, httpx.Client(base_url=net.url) as client:
        request = {"jsonrpc": "2.0", "id": 1, "method": "getHealth"}
        assert len(client.post("/", json=[request] * 3).json()) == 3
        answer = client.post("/", json=[request] * 4).json()
    assert answer["error"]["code"] == -32600
    assert "batch of 4 requests; max 3" in answer["error"]["message"]


async def test_subscriptions_over_the_limit_are_refused() -> None:
    with start(max_subscriptions=2) as net:
        async with connect(net.ws_url) as ws:

            async def call(request_id: int, method: str, params: list[Any]) -> Any:
                request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
                await ws.send(json.dumps(request))
                return json.loads(await asyncio.wait_for(ws.recv(), 5))

            first = (await call(1, "slotSubscribe", []))["result"]
            await call(2, "rootSubscribe", [])
            refused = await call(3, "slotSubscribe", [])
            assert (await call(4, "slotUnsubscribe", [first]))["result"] is True
            again = await call(5, "slotSubscribe", [])
    assert refused["error"]["code"] == -32603
    assert "Subscription refused" in refused["error"]["message"]
    assert "limit of 2 subscriptions" in refused["error"]["message"]
    assert isinstance(again["result"], int)


async def test_body_limit_applies_to_http_and_websocket_messages() -> None:
    with start(max_body_bytes=2048) as net:
        big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": ["x" * 3000]})
        with httpx.Client(base_url=net.url) as client:
            declared = client.post("/", content=big, headers={"content-type": "application/json"})

            def chunks() -> Iterator[bytes]:
                yield big.encode()

            chunked = client.post("/", content=chunks())
        async with connect(net.ws_url) as ws:
            await ws.send(big)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        honest_health(net)
    assert declared.status_code == chunked.status_code == 413
    assert declared.json()["error"]["code"] == chunked.json()["error"]["code"] == -32600
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # message too big


async def test_disconnects_are_logged_in_one_line(server_logs: pytest.LogCaptureFixture) -> None:
    with start() as net:
        _reader, writer = await asyncio.open_connection(net.host, net.port)
        writer.write(post_head(100) + b'{"jsonrpc"')
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.transport.abort()  # reset mid-body
        async with connect(net.ws_url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "slotSubscribe"}))
            await ws.recv()
            ws.transport.abort()  # gone without a close frame
        await asyncio.sleep(0.3)
        honest_health(net)
    records = [r for r in server_logs.records if "disconnected" in r.getMessage()]
    assert len(records) == 1
    assert "before sending its whole request body" in records[0].getMessage()
    assert not [r for r in server_logs.records if r.exc_info is not None]
    assert "Traceback" not in server_logs.text
