"""The validator's websocket PubSub, the part JavaScript clients need to confirm.

web3.js ``confirmTransaction``/``sendAndConfirmTransaction`` and
@solana/kit's ``sendAndConfirmTransactionFactory`` wait on
``signatureSubscribe`` (and kit on ``slotSubscribe``); without a websocket
they hang. Supported: signature, slot, root and account subscriptions, the
logs and program streams of :mod:`~sessions_tools.localnet.streams`, and
their unsubscribes. A signature that already landed is notified at once,
because here transactions land before ``sendTransaction`` even returns.

Each connection owns a queue; the ledger's block listener only enqueues, so
nothing blocks the ledger lock, and one writer task per connection sends.
A subscriber's failure stays its own: an account that outgrows its
subscription's encoding ends that subscription with an error message, and a
connection whose notifications fail is logged and closed, while the block's
sender and every other connection carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey
from solders.signature import Signature

from sessions_tools.localnet.chain import BlockEvent, Chain
from sessions_tools.localnet.config import DEFAULT_MAX_SUBSCRIPTIONS
from sessions_tools.localnet.encoding import AccountEncoding, check_encodable, encode_account
from sessions_tools.localnet.jsonwire import parse_json
from sessions_tools.localnet.jsonwire import request_id as checked_id
from sessions_tools.localnet.methods.common import API_VERSION
from sessions_tools.localnet.methods.render import error_json
from sessions_tools.localnet.params import Params
from sessions_tools.localnet.rpc_errors import (
    JsonRpcError,
    JsonValue,
    internal_error,
    invalid_params,
    invalid_request,
    method_not_found,
)
from sessions_tools.localnet.streams import SUBSCRIBE as STREAM_SUBSCRIBE
from sessions_tools.localnet.streams import UNSUBSCRIBE as STREAM_UNSUBSCRIBE
from sessions_tools.localnet.streams import StreamSubscription

_log = logging.getLogger(__name__)
MAX_QUEUED: Final = 10_000
"""Notifications buffered per connection before a slow client is cut off."""
CLOSE_OVERFLOW: Final = (1008, "too many queued notifications")
CLOSE_INTERNAL: Final = (1011, "internal error while notifying")


@dataclass(frozen=True)
class SignatureSubscription:
    """Notify once when ``signature`` lands, then end."""

    signature: Signature


@dataclass(frozen=True)
class AccountSubscription:
    """Notify with the account's new state whenever a transaction touches it."""

    address: Pubkey
    encoding: AccountEncoding


@dataclass(frozen=True)
class SlotSubscription:
    """Notify on every new slot (``slotNotification``) or root (``rootNotification``)."""

    roots_only: bool


Subscription = SignatureSubscription | AccountSubscription | SlotSubscription | StreamSubscription

_UNSUBSCRIBE: Final[dict[str, type[Subscription]]] = {
    "signatureUnsubscribe": SignatureSubscription,
    "accountUnsubscribe": AccountSubscription,
    "slotUnsubscribe": SlotSubscription,
    "rootUnsubscribe": SlotSubscription,
    **STREAM_UNSUBSCRIBE,
}


def _notification(method: str, subscription: int, result: JsonValue) -> dict[str, JsonValue]:
    return {
        "jsonrpc": "2.0",
        "method": method,
        "params": {"result": result, "subscription": subscription},
    }


def _context(slot: int, value: JsonValue) -> dict[str, JsonValue]:
    return {"context": {"slot": slot, "apiVersion": API_VERSION}, "value": value}


def _signature_notification(subscription: int, slot: int, err: JsonValue) -> dict[str, JsonValue]:
    return _notification("signatureNotification", subscription, _context(slot, {"err": err}))


class PubSubConnection:
    """One websocket client: its subscriptions and its outgoing queue."""

    def __init__(
        self, ledger: Chain, ids: Iterator[int], max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS
    ) -> None:
        self._ledger = ledger
        self._ids = ids
        self._max_subscriptions = max_subscriptions
        self.queue: asyncio.Queue[dict[str, JsonValue]] = asyncio.Queue(MAX_QUEUED)
        self._subscriptions: dict[int, Subscription] = {}
        self.close_reason: tuple[int, str] | None = None
        """Set when the server must close the websocket: (close code, reason)."""

    def _push(self, message: dict[str, JsonValue]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.close_reason = CLOSE_OVERFLOW

    async def handle_text(self, text: str) -> None:
        """Answer one incoming frame (requests only; batches are not supported)."""
        request_id: JsonValue = None
        try:
            request = parse_json(text)
            if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
                raise invalid_request("expected a JSON-RPC 2.0 request object")
            request_id = checked_id(request)
            method = request.get("method")
            params = request.get("params") or []
            if not isinstance(method, str) or not isinstance(params, list):
                raise invalid_request("'method' must be a string and 'params' an array")
            result, followups = await self._call(method, Params(method, params))
        except JsonRpcError as error:
            self._push({"jsonrpc": "2.0", "error": error.to_json(), "id": request_id})
            return
        self._push({"jsonrpc": "2.0", "result": result, "id": request_id})
        for notification in followups:  # after the answer, so clients know the id
            self._push(notification)

    async def _call(
        self, method: str, params: Params
    ) -> tuple[JsonValue, list[dict[str, JsonValue]]]:
        if method in _UNSUBSCRIBE:
            params.at_most(1)
            subscription_id = params.u64(0, "subscription")
            current = self._subscriptions.get(subscription_id)
            if not isinstance(current, _UNSUBSCRIBE[method]):
                raise invalid_params(f"{method}: no such subscription {subscription_id}")
            del self._subscriptions[subscription_id]
            return True, []
        if method.endswith("Subscribe") and len(self._subscriptions) >= self._max_subscriptions:
            raise internal_error(
                "Subscription refused. This connection has reached its limit of "
                f"{self._max_subscriptions} subscriptions"
            )
        if method == "signatureSubscribe":
            params.at_most(2)
            signature = params.signature(0)
            params.config(1).commitment()
            subscription_id = next(self._ids)
            self._subscriptions[subscription_id] = SignatureSubscription(signature)
            record = await self._ledger.transaction(signature)
            if record is None:
                return subscription_id, []
            del self._subscriptions[subscription_id]
            landed = _signature_notification(
                subscription_id, record.slot, error_json(record.execution)
            )
            return subscription_id, [landed]
        if method == "accountSubscribe":
            params.at_most(2)
            address = params.pubkey(0)
            config = params.config(1)
            config.commitment()
            name = config.string("encoding") or "base64"
            encoding = AccountEncoding.parse(name, where=f"{config.where}.encoding")
            existing = (await self._ledger.account(address)).value
            if existing is not None:
                check_encodable(len(existing.data), encoding)
            subscription_id = next(self._ids)
            self._subscriptions[subscription_id] = AccountSubscription(address, encoding)
            return subscription_id, []
        if method in STREAM_SUBSCRIBE:
            stream = STREAM_SUBSCRIBE[method](params)
            subscription_id = next(self._ids)
            self._subscriptions[subscription_id] = stream
            return subscription_id, []
        if method in ("slotSubscribe", "rootSubscribe"):
            params.at_most(0)
            subscription_id = next(self._ids)
            self._subscriptions[subscription_id] = SlotSubscription(method == "rootSubscribe")
            return subscription_id, []
        raise method_not_found(method)

    def _signature_landed(self, subscription_id: int, slot: int, err: JsonValue) -> None:
        del self._subscriptions[subscription_id]
        self._push(
            _notification("signatureNotification", subscription_id, _context(slot, {"err": err}))
        )

    def on_block(self, event: BlockEvent) -> None:
        """Enqueue whatever this block means for this client's subscriptions."""
        changed = dict(event.accounts)
        for subscription_id, subscription in list(self._subscriptions.items()):
            if isinstance(subscription, SlotSubscription):
                if subscription.roots_only:
                    self._push(_notification("rootNotification", subscription_id, event.slot))
                else:
                    slot_info = {"parent": event.parent, "root": event.parent, "slot": event.slot}
                    self._push(_notification("slotNotification", subscription_id, slot_info))
            elif isinstance(subscription, SignatureSubscription):
                record = event.record
                if record is not None and record.signature == subscription.signature:
                    self._signature_landed(
                        subscription_id, record.slot, error_json(record.execution)
                    )
            elif isinstance(subscription, StreamSubscription):
                for message in subscription.notifications(subscription_id, event):
                    self._push(message)
            elif subscription.address in changed:
                account = changed[subscription.address]
                try:
                    value = (
                        None if account is None else encode_account(account, subscription.encoding)
                    )
                except JsonRpcError as error:
                    self._end_subscription(subscription_id, error)
                    continue
                self._push(
                    _notification(
                        "accountNotification", subscription_id, _context(event.parent, value)
                    )
                )

    def _end_subscription(self, subscription_id: int, error: JsonRpcError) -> None:
        """Drop a subscription that can no longer be served and tell its client why.

        JSON-RPC has no error notification, so this is an error object with a
        null id whose ``data`` names the subscription.
        """
        del self._subscriptions[subscription_id]
        ended = JsonRpcError(
            error.code,
            f"{error.message} (subscription {subscription_id} ended)",
            {"subscription": subscription_id},
        )
        self._push({"jsonrpc": "2.0", "error": ended.to_json(), "id": None})


class PubSubHub:
    """All websocket connections of one ledger; created once per app."""

    def __init__(
        self, ledger: Chain, *, max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS
    ) -> None:
        self._ledger = ledger
        self._max_subscriptions = max_subscriptions
        self._ids = itertools.count(1)
        self._connections: set[PubSubConnection] = set()
        self._remove_listener: Callable[[], None] | None = None

    def _on_block(self, event: BlockEvent) -> None:
        for connection in list(self._connections):
            try:
                connection.on_block(event)
            except Exception:
                _log.exception("websocket notification failed on slot %d; closing", event.slot)
                self._connections.discard(connection)
                connection.close_reason = CLOSE_INTERNAL

    @contextlib.contextmanager
    def connect(self) -> Iterator[PubSubConnection]:
        """A connection registered for block events for the duration of the ``with``."""
        if self._remove_listener is None:
            self._remove_listener = self._ledger.add_listener(self._on_block)
        connection = PubSubConnection(self._ledger, self._ids, self._max_subscriptions)
        self._connections.add(connection)
        try:
            yield connection
        finally:
            self._connections.discard(connection)
