"""A bounded soak over loopback: many honest clients and one hostile one, in parallel.

Each round, ``CLIENTS`` websocket clients subscribe with every account
encoding (plus signature and slot subscriptions), each sends a transfer
that touches its account, ``READERS`` HTTP clients read the chain, and one
hostile client does what issue 11 found: a base58 subscription to an
address that then grows past 128 bytes, frames nested 100,000 deep, ids that
are not valid JSON, a request announcing 100 GB, and connections dripping a
request head a byte at a time. The soak passes when no honest request fails,
every honest subscriber gets every notification it is owed (one per
account change, its signature, every slot without a gap), every hostile
connection gets its error or is cut, and memory settles after a warm-up
round: RSS stays bounded over the following rounds, and in a last round
under tracemalloc the connection-handling code keeps nothing of the round
once its connections are closed, the process nothing but the ledger's own
history.

Bounded: a warm-up round, ``UNTRACED_ROUNDS`` rounds measured by RSS and
one under tracemalloc (which slows everything several times), a 20 s
deadline per round, loopback on free ports, and every connection closed by
the end of its round.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import resource
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import (
    CreateAccountParams,
    TransferParams,
    create_account,
    transfer,
)
from solders.transaction import VersionedTransaction
from websockets.asyncio.client import ClientConnection, connect

from sessions_tools.localnet import (
    AccountConfig,
    LocalnetConfig,
    RunningLocalnet,
    ServerConfig,
    start_in_thread,
)

pytestmark = pytest.mark.localnet

ENCODINGS: Final = ("base58", "binary", "base64", "base64+zstd", "jsonParsed")
CLIENTS: Final = 20
READERS: Final = 6
READS_PER_READER: Final = 8
DRIPPERS: Final = 5
UNTRACED_ROUNDS: Final = 3
"""Rounds after the warm-up measured by RSS; one more round runs under tracemalloc."""
ROUND_DEADLINE: Final = 20.0
HEADER_TIMEOUT: Final = 1.0
GROWN_SIZE: Final = 200
PAYER: Final = Keypair()
CONNECTION_CODE: Final = (
    "sessions_tools/localnet/pubsub.py",
    "sessions_tools/localnet/server.py",
    "sessions_tools/localnet/dispatch.py",
    "sessions_tools/localnet/jsonwire.py",
    "sessions_tools/localnet/http_limits.py",
    "/uvicorn/",
    "/starlette/",
    "/websockets/",
    "/h11/",
    "/httpx/",
    "/httpcore/",
)
"""Where a leak per connection or subscription would show up (server and client side)."""
CONNECTION_KEPT_LIMIT: Final = 8 * 1024
"""A round keeps ~2.5 KiB of caches there; one leaked 5-entry dict per connection is ~10 KiB."""
HISTORY_BYTES_PER_TRANSACTION_LIMIT: Final = 16 * 1024
"""The ledger keeps every transaction's record (getTransaction): that much is expected."""
RSS_GROWTH_LIMIT: Final = 32 * 2**20


@dataclass
class Tally:
    """What the round did, for the assertions and the printed figures."""

    requests: int = 0
    notifications: int = 0
    transactions: int = 0
    hostile_refusals: int = 0
    failures: list[str] = field(default_factory=list)


class Peer:
    """A websocket client that sorts answers (by id) from notifications (by subscription)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._next_id = 0
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.errors: list[dict[str, Any]] = []
        self.changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for frame in self.ws:
                message = json.loads(frame)
                request_id = message.get("id")
                if isinstance(request_id, int) and request_id in self._answers:
                    self._answers.pop(request_id).set_result(message)
                elif "params" in message:
                    subscription = message["params"]["subscription"]
                    self.notes.setdefault(subscription, []).append(message["params"]["result"])
                else:
                    self.errors.append(message)
                self.changed.set()

    async def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        self._next_id += 1
        answer = asyncio.get_running_loop().create_future()
        self._answers[self._next_id] = answer
        request = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}
        await self.ws.send(json.dumps(request))
        return await asyncio.wait_for(answer, 10)

    async def subscribe(self, method: str, params: list[Any]) -> int:
        answer = await self.call(method, params)
        subscription: int = answer["result"]
        return subscription

    async def until(self, done: Any) -> None:
        while not done():
            self.changed.clear()
            await self.changed.wait()

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def peer(net: RunningLocalnet) -> AsyncIterator[Peer]:
    ws = await connect(net.ws_url, max_size=None)
    client = Peer(ws)
    try:
        yield client
    finally:
        await client.close()


def wire(instruction: Any, blockhash: Hash, *signers: Keypair) -> tuple[str, str]:
    message = MessageV0.try_compile(PAYER.pubkey(), [instruction], [], blockhash)
    tx = VersionedTransaction(message, [PAYER, *signers])
    return base64.b64encode(bytes(tx)).decode(), str(tx.signatures[0])


async def rpc(http: httpx.AsyncClient, tally: Tally, method: str, params: list[Any]) -> Any:
    request = {"jsonrpc": "2.0", "id": tally.requests, "method": method, "params": params}
    tally.requests += 1
    try:
        answer = (await http.post("/", json=request)).json()
    except httpx.HTTPError as exc:
        tally.failures.append(f"{method}: {type(exc).__name__} {exc}")
        return None
    if "result" not in answer:
        tally.failures.append(f"{method}: {answer}")
    return answer.get("result")


@dataclass(frozen=True)
class RoundPlan:
    blockhash: Hash
    hostile_target: Keypair
    subscribed: asyncio.Barrier
    """Everyone subscribes before anyone sends, so every notification is owed."""
    all_sent: asyncio.Event
    final_slot: list[int]


async def honest_subscriber(
    net: RunningLocalnet, http: httpx.AsyncClient, plan: RoundPlan, index: int, tally: Tally
) -> None:
    recipient = Keypair().pubkey()
    encoding = ENCODINGS[index % len(ENCODINGS)]
    pay = transfer(TransferParams(from_pubkey=PAYER.pubkey(), to_pubkey=recipient, lamports=10**6))
    tx, signature = wire(pay, plan.blockhash)
    async with peer(net) as me:
        account = await me.subscribe("accountSubscribe", [str(recipient), {"encoding": encoding}])
        landed = await me.subscribe("signatureSubscribe", [signature])
        slots = await me.subscribe("slotSubscribe", []) if index % 4 == 0 else None
        grown = None
        if index % 5 == 2:  # beside the hostile subscriber, on the same address
            target = str(plan.hostile_target.pubkey())
            grown = await me.subscribe("accountSubscribe", [target, {"encoding": "base64"}])
        await plan.subscribed.wait()
        if await rpc(http, tally, "sendTransaction", [tx, {"encoding": "base64"}]) is not None:
            tally.transactions += 1
        await me.until(lambda: account in me.notes and landed in me.notes)
        await plan.all_sent.wait()
        if grown is not None:
            await me.until(lambda: grown in me.notes)
        if slots is not None:
            await me.until(lambda: plan.final_slot[0] in [n["slot"] for n in me.notes[slots]])
    [value] = [note["value"] for note in me.notes[account]]
    if value["lamports"] != 10**6 or value["space"] != 0:
        tally.failures.append(f"client {index}: wrong account notification {value}")
    [status] = me.notes[landed]
    if status["value"]["err"] is not None:
        tally.failures.append(f"client {index}: transaction failed {status}")
    if grown is not None:
        [grown_note] = me.notes[grown]
        if grown_note["value"]["space"] != GROWN_SIZE:
            tally.failures.append(f"client {index}: wrong grown account {grown_note}")
    if slots is not None:
        seen = [note["slot"] for note in me.notes[slots]]
        if seen != list(range(seen[0], seen[0] + len(seen))):
            tally.failures.append(f"client {index}: slot notifications with gaps {seen}")
    if me.errors:
        tally.failures.append(f"client {index}: unexpected errors {me.errors}")
    tally.notifications += sum(len(notes) for notes in me.notes.values())


async def reader(http: httpx.AsyncClient, tally: Tally) -> None:
    payer = str(PAYER.pubkey())
    for _ in range(READS_PER_READER):
        await rpc(http, tally, "getAccountInfo", [payer, {"encoding": "base64"}])
        await rpc(http, tally, "getBalance", [payer])
        await rpc(http, tally, "getMultipleAccounts", [[payer, str(Pubkey.new_unique())]])
        await rpc(http, tally, "getLatestBlockhash", [])


async def drip(net: RunningLocalnet, tally: Tally) -> None:
    """A slowloris connection: one header byte every 100 ms until the server cuts it."""
    reader_, writer = await asyncio.open_connection(net.host, net.port)
    head = b"POST / HTTP/1.1\r\nhost: localhost\r\ncontent-length: 45\r\n\r\n"

    async def one_byte_at_a_time() -> None:
        for byte in head:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.1)

    sender = asyncio.create_task(one_byte_at_a_time())
    answer = await asyncio.wait_for(reader_.read(), HEADER_TIMEOUT * 4)
    sender.cancel()
    writer.close()
    if answer.startswith(b"HTTP/1.1 408"):
        tally.hostile_refusals += 1
    else:
        tally.failures.append(f"dripper was not cut with 408: {answer[:40]!r}")


async def announce_100_gb(net: RunningLocalnet, tally: Tally) -> None:
    reader_, writer = await asyncio.open_connection(net.host, net.port)
    writer.write(b"POST / HTTP/1.1\r\nhost: localhost\r\ncontent-length: 99999999999\r\n\r\n")
    answer = await asyncio.wait_for(reader_.read(), 5)
    writer.close()
    if answer.startswith(b"HTTP/1.1 413"):
        tally.hostile_refusals += 1
    else:
        tally.failures.append(f"100 GB announcement not refused with 413: {answer[:40]!r}")


async def hostile(
    net: RunningLocalnet, http: httpx.AsyncClient, plan: RoundPlan, tally: Tally
) -> None:
    target = plan.hostile_target
    async with peer(net) as me:
        doomed = await me.subscribe(
            "accountSubscribe", [str(target.pubkey()), {"encoding": "base58"}]
        )
        for frame in ("[" * 100_000, '{"jsonrpc":"2.0","id":1e400,"method":"slotSubscribe"}'):
            await me.ws.send(frame)
        await plan.subscribed.wait()
        grow = create_account(
            CreateAccountParams(
                from_pubkey=PAYER.pubkey(),
                to_pubkey=target.pubkey(),
                lamports=10**7,
                space=GROWN_SIZE,
                owner=Pubkey.default(),
            )
        )
        tx, _ = wire(grow, plan.blockhash, target)
        if await rpc(http, tally, "sendTransaction", [tx, {"encoding": "base64"}]) is not None:
            tally.transactions += 1
        await me.until(lambda: len(me.errors) >= 3)
    codes = sorted(error["error"]["code"] for error in me.errors)
    ended = [e for e in me.errors if e["error"].get("data") == {"subscription": doomed}]
    if codes != [-32700, -32602, -32600]:  # nesting, the ended subscription, the bad id
        tally.failures.append(f"hostile frames answered {codes}")
    if len(ended) != 1 or doomed in me.notes:
        tally.failures.append(f"hostile base58 subscription not ended once: {me.errors}")
    tally.hostile_refusals += len(me.errors)


async def one_round(net: RunningLocalnet) -> Tally:
    tally = Tally()
    async with httpx.AsyncClient(base_url=net.url) as http:
        latest = await rpc(http, tally, "getLatestBlockhash", [])
        plan = RoundPlan(
            blockhash=Hash.from_string(latest["value"]["blockhash"]),
            hostile_target=Keypair(),
            subscribed=asyncio.Barrier(CLIENTS + 1),
            all_sent=asyncio.Event(),
            final_slot=[0],
        )
        subscribers = [
            asyncio.create_task(honest_subscriber(net, http, plan, index, tally))
            for index in range(CLIENTS)
        ]
        others = [
            asyncio.create_task(hostile(net, http, plan, tally)),
            asyncio.create_task(announce_100_gb(net, tally)),
            *(asyncio.create_task(reader(http, tally)) for _ in range(READERS)),
            *(asyncio.create_task(drip(net, tally)) for _ in range(DRIPPERS)),
        ]
        try:
            async with asyncio.timeout(ROUND_DEADLINE):
                while tally.transactions < CLIENTS + 1 and not tally.failures:
                    await asyncio.sleep(0.02)
                plan.final_slot[0] = await rpc(http, tally, "getSlot", [])
                plan.all_sent.set()
                await asyncio.gather(*subscribers, *others)
        except TimeoutError as exc:
            raise AssertionError(f"round did not finish: {tally}") from exc
    return tally


def traced(snapshot: tracemalloc.Snapshot, parts: tuple[str, ...] = ("",)) -> int:
    """Bytes still allocated, at the snapshot, by code whose file path contains a part."""
    return sum(
        stat.size
        for stat in snapshot.statistics("filename")
        if any(part in stat.traceback[0].filename for part in parts)
    )


async def settle() -> None:
    """Let the server thread finish closing the round's connections, then collect."""
    await asyncio.sleep(0.3)
    gc.collect()


def rss_bytes() -> int:
    """The process's resident set size now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


@pytest.fixture
def soak_net() -> Iterator[RunningLocalnet]:
    config = LocalnetConfig(
        server=ServerConfig(port=0, header_timeout=HEADER_TIMEOUT, max_connections=256),
        accounts=(AccountConfig(PAYER.pubkey(), 10**15),),
    )
    with start_in_thread(config) as net:
        yield net


async def test_soak_many_clients_one_hostile(soak_net: RunningLocalnet) -> None:
    started = time.monotonic()
    tallies = [await one_round(soak_net)]  # warm-up: imports, caches, pools
    await settle()
    rss_warm = rss_bytes()
    for _ in range(UNTRACED_ROUNDS):
        tallies.append(await one_round(soak_net))
    await settle()
    rss_growth = rss_bytes() - rss_warm
    tracemalloc.start()  # only what the traced round allocates and keeps is counted
    try:
        tallies.append(await one_round(soak_net))
        await settle()
        kept = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    failures = [failure for tally in tallies for failure in tally.failures]
    assert failures == []
    connections_kept = traced(kept, CONNECTION_CODE)
    all_kept = traced(kept)
    print(
        f"\nsoak: {len(tallies)} rounds in {elapsed:.1f} s; per round {CLIENTS} websocket "
        f"clients, {READERS} readers, 1 hostile + {DRIPPERS} drippers; totals: "
        f"{sum(t.requests for t in tallies)} HTTP requests, "
        f"{sum(t.transactions for t in tallies)} transactions, "
        f"{sum(t.notifications for t in tallies)} notifications, "
        f"{sum(t.hostile_refusals for t in tallies)} hostile refusals; after warm-up RSS "
        f"{rss_growth / 2**20:+.1f} MiB over {UNTRACED_ROUNDS} rounds; traced round keeps "
        f"{connections_kept / 1024:.1f} KiB in connection code, {all_kept / 1024:.1f} KiB in all"
    )
    assert all(t.transactions == CLIENTS + 1 for t in tallies)
    assert rss_growth < RSS_GROWTH_LIMIT
    assert connections_kept < CONNECTION_KEPT_LIMIT
    assert all_kept < (CLIENTS + 1) * HISTORY_BYTES_PER_TRANSACTION_LIMIT
    assert soak_net.running
