"""JSON-RPC 2.0 dispatch: bytes in, bytes out, never an exception out.

Everything a client can send ends as a well-formed JSON-RPC answer: bad
JSON (-32700), a non-request (-32600), an unknown method (-32601), bad
arguments (-32602) and our own bugs (-32603, logged with a traceback). A
batch answers each member independently, so one bad call cannot spoil the
others, and notifications (no ``id``) get no answer, per the spec.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Final

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.config import DEFAULT_MAX_BATCH_SIZE
from sessions_tools.localnet.jsonwire import parse_json
from sessions_tools.localnet.jsonwire import request_id as checked_id
from sessions_tools.localnet.methods import METHODS, Handler
from sessions_tools.localnet.params import Params, describe
from sessions_tools.localnet.rpc_errors import (
    JsonRpcError,
    JsonValue,
    internal_error,
    invalid_params,
    invalid_request,
    method_not_found,
)

_log = logging.getLogger(__name__)
_NOT_RECOVERABLE: Final = (KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError)


def _response(request_id: JsonValue, *, result: JsonValue = None) -> dict[str, JsonValue]:
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def _error_response(request_id: JsonValue, error: JsonRpcError) -> dict[str, JsonValue]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def encode(response: JsonValue) -> bytes:
    """Compact JSON bytes for a response (or batch of responses)."""
    return json.dumps(response, separators=(",", ":")).encode("utf-8")


class Dispatcher:
    """Routes JSON-RPC requests to the method table against one ledger."""

    def __init__(
        self,
        ledger: Chain,
        methods: Mapping[str, Handler] = METHODS,
        *,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
    ) -> None:
        self._ledger = ledger
        self._methods = methods
        self._max_batch_size = max_batch_size

    @property
    def ledger(self) -> Chain:
        """The ledger the methods read and write."""
        return self._ledger

    async def handle_body(self, body: bytes) -> JsonValue:
        """Answer an HTTP body; ``None`` means "nothing to send" (only notifications)."""
        try:
            payload = parse_json(body)
        except JsonRpcError as error:
            return _error_response(None, error)
        if isinstance(payload, list):
            return await self._handle_batch(payload)
        return await self.handle_request(payload)

    async def _handle_batch(self, batch: list[JsonValue]) -> JsonValue:
        if not batch:
            return _error_response(None, invalid_request("empty batch"))
        if len(batch) > self._max_batch_size:
            problem = f"batch of {len(batch)} requests; max {self._max_batch_size}"
            return _error_response(None, invalid_request(problem))
        answers = [await self.handle_request(request) for request in batch]
        present = [answer for answer in answers if answer is not None]
        return present or None

    async def handle_request(self, request: JsonValue) -> dict[str, JsonValue] | None:
        """Answer one request object; ``None`` for a notification."""
        if not isinstance(request, dict):
            return _error_response(
                None, invalid_request(f"expected a request object, got {describe(request)}")
            )
        is_notification = "id" not in request
        try:
            request_id = checked_id(request)
        except JsonRpcError as error:
            return _error_response(None, error)
        try:
            result = await self._call(request)
        except JsonRpcError as error:
            return None if is_notification else _error_response(request_id, error)
        except _NOT_RECOVERABLE:
            raise
        except BaseException as exc:  # pyo3 panics derive from BaseException
            _log.exception("internal error in %r", request.get("method"))
            failure = internal_error(f"{type(exc).__name__}: {exc}")
            return None if is_notification else _error_response(request_id, failure)
        return None if is_notification else _response(request_id, result=result)

    async def _call(self, request: dict[str, JsonValue]) -> JsonValue:
        if request.get("jsonrpc") != "2.0":
            raise invalid_request("'jsonrpc' must be exactly \"2.0\"")
        method = request.get("method")
        if not isinstance(method, str):
            raise invalid_request(f"'method' must be a string, got {describe(method)}")
        handler = self._methods.get(method)
        if handler is None:
            raise method_not_found(method)
        raw_params = request.get("params")
        if raw_params is None:
            raw_params = []
        if isinstance(raw_params, dict):
            raise invalid_params(f"{method} takes positional params (an array), not an object")
        if not isinstance(raw_params, list):
            raise invalid_request(f"'params' must be an array, got {describe(raw_params)}")
        return await handler(self._ledger, Params(method, raw_params))
