"""JSON-RPC calls over solana-py's AsyncClient: timeouts, retries, typed errors, strict reading.

:class:`RpcCaller` sends one JSON-RPC request through
``AsyncClient.send_rpc_request`` and turns every way that can go wrong into
one of the client's exceptions:

* no answer within ``timeout`` (ours, or the HTTP client's) ->
  :class:`~sessions_client.exceptions.RpcTimeoutError`;
* connection refused/reset -> :class:`~sessions_client.exceptions.RpcConnectionError`;
* a JSON-RPC error object -> :class:`~sessions_client.exceptions.RpcResponseError`
  (code, message and data kept: preflight failures carry the simulation's logs);
* a body that is not a JSON-RPC response, or an HTTP error status ->
  :class:`~sessions_client.exceptions.MalformedRpcResponseError` /
  :class:`~sessions_client.exceptions.RpcError`.

Only timeouts and transport failures are retried; an answer, even an error
answer, is final. The ``expect_*`` helpers read the result JSON and raise
:class:`~sessions_client.exceptions.MalformedRpcResponseError` naming the
method and the path of whatever is missing or of the wrong type, so a broken
endpoint never surfaces as a bare ``KeyError``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, TypeAlias

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.jsonrpc import JsonRpcRequest, SolanaJsonRpcError
from solders.commitment_config import CommitmentLevel
from solders.pubkey import Pubkey
from solders.signature import Signature

from sessions_client.exceptions import (
    MalformedRpcResponseError,
    RpcConnectionError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
)

Commitment: TypeAlias = Literal["processed", "confirmed", "finalized"]
COMMITMENT_RANK: Final[dict[str, int]] = {"processed": 0, "confirmed": 1, "finalized": 2}


_COMMITMENT_LEVELS: Final[Mapping[str, CommitmentLevel]] = MappingProxyType(
    {
        "processed": CommitmentLevel.Processed,
        "confirmed": CommitmentLevel.Confirmed,
        "finalized": CommitmentLevel.Finalized,
    }
)


def commitment_level(value: Commitment) -> CommitmentLevel:
    """solders' CommitmentLevel for a commitment name (for typed request configs)."""
    return _COMMITMENT_LEVELS[value]


class RpcRequestBody(Protocol):
    """A solders typed RPC request (``solders.rpc.requests``): it serializes itself."""

    def to_json(self) -> str: ...


def check_commitment(value: str) -> Commitment:
    """``value`` if it is a commitment level; ValueError otherwise."""
    if value == "processed":
        return "processed"
    if value == "confirmed":
        return "confirmed"
    if value == "finalized":
        return "finalized"
    raise ValueError(f"commitment must be processed, confirmed or finalized, got {value!r}")


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The HTTP library's exception behind a SolanaRpcException, if any."""
    cause = exc.__cause__
    return cause if cause is not None else exc.__context__


class RpcCaller:
    """Sends JSON-RPC requests with a per-attempt timeout and bounded retries."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        timeout: float,
        retries: int,
        retry_backoff: float,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries}")
        self.client = client
        self.timeout = timeout
        self.retries = retries
        self.retry_backoff = retry_backoff
        self._next_id = 0

    async def send(self, request: RpcRequestBody) -> Any:
        """The ``result`` of a solders typed request: its method and params (configs,
        filters, encodings) are serialized by solders, as solana-py does; the answer is
        read by the caller with the strict ``expect_*`` readers below."""
        body = json.loads(request.to_json())
        return await self.call(body["method"], body.get("params"))

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        """The ``result`` of ``method(params)``; typed errors as described in the module doc."""
        attempts = self.retries + 1
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.retry_backoff * (2 ** (attempt - 1)))
            try:
                return await self._attempt(method, params)
            except _Retryable as retryable:
                if attempt + 1 < attempts:
                    continue
                error = retryable.error
                plural = "s" if attempts > 1 else ""
                raise type(error)(f"{error} (after {attempts} attempt{plural})") from (
                    retryable.__cause__
                )
        raise AssertionError("unreachable: the loop returns or raises")

    async def _attempt(self, method: str, params: list[Any] | None) -> Any:
        self._next_id += 1
        request = JsonRpcRequest(id=self._next_id, method=method, params=params)
        try:
            async with asyncio.timeout(self.timeout):
                return await self.client.send_rpc_request(request, Any)
        except TimeoutError as exc:
            raise _Retryable(
                RpcTimeoutError(f"{method}: no answer within {self.timeout:g} s")
            ) from exc
        except SolanaJsonRpcError as exc:
            raise RpcResponseError(method, exc.code, exc.message, exc.data) from exc
        except SolanaRpcException as exc:
            raise self._transport_error(method, exc) from exc
        except ValueError as exc:
            # pydantic's ValidationError: the body is not a JSON-RPC response envelope.
            first_line = str(exc).strip().splitlines()
            detail = " ".join(line.strip() for line in first_line[:3])
            raise MalformedRpcResponseError(
                f"{method}: the response is not a JSON-RPC 2.0 response: {detail}"
            ) from exc

    def _transport_error(self, method: str, exc: SolanaRpcException) -> Exception:
        cause = _transport_cause(exc)
        if cause is None:
            return RpcError(f"{method}: {exc}")
        names = _class_names(cause)
        if "TimeoutException" in names or isinstance(cause, TimeoutError):
            return _Retryable(
                RpcTimeoutError(f"{method}: no answer within {self.timeout:g} s ({cause!r})")
            )
        if "TransportError" in names or isinstance(cause, OSError):
            return _Retryable(RpcConnectionError(f"{method}: cannot reach the endpoint: {cause}"))
        response = getattr(cause, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            return RpcError(f"{method}: HTTP {status} from the endpoint")
        return RpcError(f"{method}: {type(cause).__name__}: {cause}")


class _Retryable(Exception):  # noqa: N818 - internal signal, never escapes RpcCaller
    """Wraps an error that may go away on a second attempt (timeout, transport)."""

    def __init__(self, error: RpcError) -> None:
        super().__init__(str(error))
        self.error = error


# -- reading results ------------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def malformed(where: str, expected: str, value: object) -> MalformedRpcResponseError:
    """The error for a value at ``where`` that is not what the method promises."""
    return MalformedRpcResponseError(f"{where}: expected {expected}, got {_kind(value)}")


def expect_dict(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise malformed(where, "an object", value)
    return value


def expect_list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise malformed(where, "an array", value)
    return value


def expect_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise malformed(where, "a non-negative integer", value)
    return value


def expect_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise malformed(where, "a string", value)
    return value


def member(obj: Mapping[str, Any], key: str, where: str) -> Any:
    """``obj[key]``, or a MalformedRpcResponseError naming ``where.key``."""
    if key not in obj:
        raise MalformedRpcResponseError(f"{where}: missing {key!r}")
    return obj[key]


def expect_pubkey(value: object, where: str) -> Pubkey:
    text = expect_str(value, where)
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise MalformedRpcResponseError(f"{where}: {text[:60]!r} is not a public key") from exc


def expect_signature(value: object, where: str) -> Signature:
    text = expect_str(value, where)
    try:
        return Signature.from_string(text)
    except ValueError as exc:
        raise MalformedRpcResponseError(f"{where}: {text[:100]!r} is not a signature") from exc


def expect_base64_data(value: object, where: str) -> bytes:
    """Account data in the ``["<base64>", "base64"]`` form."""
    pair = expect_list(value, where)
    if len(pair) != 2 or pair[1] != "base64":
        raise MalformedRpcResponseError(f"{where}: expected [data, 'base64'], got {pair[:2]!r}")
    text = expect_str(pair[0], f"{where}[0]")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRpcResponseError(f"{where}[0]: not valid base64: {exc}") from exc


def context_value(result: object, where: str) -> Any:
    """The ``value`` of a ``{"context": ..., "value": ...}`` result."""
    return member(expect_dict(result, where), "value", where)
