"""JSON-RPC calls over solana-py's AsyncClient: timeouts, retries, typed errors, typed answers.

:class:`RpcCaller` sends a solders typed request (``solders.rpc.requests``)
through ``AsyncClient.send_rpc_request`` and reads the answer with the solders
typed response the caller names (``solders.rpc.responses``: GetAccountInfoResp,
GetMultipleAccountsResp, GetProgramAccountsResp, GetBalanceResp, ...), as
solana-py's own methods do. Every way that can go wrong becomes one of the
client's exceptions:

* no answer within ``timeout`` (ours, or the HTTP client's) ->
  :class:`~sessions_client.exceptions.RpcTimeoutError`;
* connection refused/reset -> :class:`~sessions_client.exceptions.RpcConnectionError`;
* a JSON-RPC error object -> :class:`~sessions_client.exceptions.RpcResponseError`
  (code, message and data kept; a -32002 preflight failure also carries the
  simulation as solders' ``RpcSimulateTransactionResult``: its typed ``err`` and logs);
* a body that is not a JSON-RPC response, or an HTTP error status ->
  :class:`~sessions_client.exceptions.MalformedRpcResponseError` /
  :class:`~sessions_client.exceptions.RpcError`;
* a result the solders type refuses -> MalformedRpcResponseError naming the
  method, the response type and an excerpt of the result (solders' own message,
  "did not match any variant of untagged enum Resp", says none of that).

Only timeouts and transport failures are retried; an answer, even an error
answer, is final.

What stays outside solders, and why:

* the JSON-RPC envelope (``jsonrpc``, ``id``, exactly one of ``result`` /
  ``error``) is checked by solana-py's ``JsonRpcResponseEnvelope`` (inside
  ``send_rpc_request``): solders' ``Resp`` reads a body without ``id``, with
  another ``jsonrpc`` or with both members;
* error objects are read from that envelope (code, message, data), not by
  solders' ``RPCError``: for a known code with a missing or malformed ``data``
  (``{"code": -32005, "message": "Node is unhealthy"}`` from a proxy) solders
  panics (``PanicException``, a BaseException), and for an unknown code it keeps
  only the number. Only the preflight simulation, the one ``data`` the client
  reads, is handed to solders (``RpcSimulateTransactionResult.from_json``);
* :func:`solders_read` guards the few solders getters that parse lazily and
  panic on bad input (``RpcBlockhash.blockhash``, ``RpcLogsResponse.signature``
  hold the string they were given);
* :meth:`RpcCaller.call` returns the untyped ``result``, for a raw call
  (``SessionsClient.call``) of a method the client does not read itself.

What no type can say stays with the callers: answer counts (getMultipleAccounts,
getSignatureStatuses), listings re-checked against their filters and for
duplicates, a getTransaction record without ``meta``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, TypeAlias, TypeVar

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.jsonrpc import JsonRpcRequest, SolanaJsonRpcError
from solders.commitment_config import CommitmentLevel
from solders.errors import SerdeJSONError
from solders.rpc.responses import RpcSimulateTransactionResult

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


class TypedResponse(Protocol):
    """A solders typed RPC response class (``solders.rpc.responses``): it reads a body."""

    @staticmethod
    def from_json(raw: str) -> object: ...


ResponseT = TypeVar("ResponseT", bound=TypedResponse)
OtherResponseT = TypeVar("OtherResponseT", bound=TypedResponse)

#: JSON-RPC error code of a failed preflight simulation (its data is the simulation result).
PREFLIGHT_FAILURE: Final = -32002
#: How much of an unreadable result a MalformedRpcResponseError quotes.
EXCERPT_CHARS: Final = 200


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

    async def send(self, request: RpcRequestBody, response_type: type[ResponseT]) -> ResponseT:
        """The answer to a solders typed request, read as solders' ``response_type``.

        The request's method and params (configs, filters, encodings) are
        serialized by solders, as solana-py does.
        """
        method, result = await self._send(request)
        return read_response(method, result, response_type)

    async def send_either(
        self,
        request: RpcRequestBody,
        response_type: type[ResponseT],
        alternative: type[OtherResponseT],
    ) -> ResponseT | OtherResponseT:
        """Like :meth:`send`, for a method with two answer shapes (getProgramAccounts with
        or without its context): the first type that reads the result."""
        method, result = await self._send(request)
        try:
            return read_response(method, result, response_type)
        except MalformedRpcResponseError:
            return read_response(method, result, alternative, response_type)

    async def _send(self, request: RpcRequestBody) -> tuple[str, Any]:
        body = json.loads(request.to_json())
        method = str(body["method"])
        return method, await self.call(method, body.get("params"))

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
            raise RpcResponseError(
                method, exc.code, exc.message, exc.data, simulation=_simulation(exc)
            ) from exc
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


def _simulation(error: SolanaJsonRpcError) -> RpcSimulateTransactionResult | None:
    """The preflight simulation in a -32002 error's data, read by solders; None otherwise.

    Data solders cannot read leaves the error a plain RpcResponseError (code,
    message and the raw data kept), as an error answer it still is.
    """
    if error.code != PREFLIGHT_FAILURE or not isinstance(error.data, dict):
        return None
    try:
        return RpcSimulateTransactionResult.from_json(json.dumps(error.data))
    except (SerdeJSONError, ValueError):
        return None


# -- reading results ------------------------------------------------------------------------


def excerpt(value: object) -> str:
    """A short JSON excerpt of ``value`` for an error message."""
    text = json.dumps(value, separators=(",", ":"), default=repr)
    return text if len(text) <= EXCERPT_CHARS else f"{text[:EXCERPT_CHARS]}..."


def read_response(
    method: str, result: object, response_type: type[ResponseT], *tried: type[TypedResponse]
) -> ResponseT:
    """``result`` (a JSON-RPC result) read as solders' ``response_type``.

    Raises MalformedRpcResponseError naming the method, the type(s) tried and
    an excerpt of the result when solders refuses it: the answer is never
    returned half-read.
    """
    envelope = json.dumps({"jsonrpc": "2.0", "id": 0, "result": result})
    names = " or ".join(t.__name__ for t in (*tried, response_type))
    try:
        parsed = response_type.from_json(envelope)
    except (SerdeJSONError, ValueError) as exc:
        detail = str(exc)
        reason = "" if "did not match any variant" in detail else f" ({detail})"
        raise MalformedRpcResponseError(
            f"{method}: the result is not a {names}{reason}: {excerpt(result)}"
        ) from exc
    if not isinstance(parsed, response_type):  # an RPCError: impossible for a result body
        raise MalformedRpcResponseError(f"{method}: the result is not a {names}: {parsed!r}")
    return parsed


ReadT = TypeVar("ReadT")


def solders_read(read: Callable[[], ReadT], where: str) -> ReadT:
    """``read()``, a solders getter that parses lazily, with its panic made a typed error.

    pyo3 raises ``PanicException`` (a BaseException, no importable class) when
    such a getter meets bad input: e.g. ``RpcBlockhash.blockhash`` on a string
    that is not a hash. (The panic's message still reaches stderr from Rust's
    panic hook; the caller gets a typed error, not a crash.)
    """
    try:
        return read()
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise MalformedRpcResponseError(f"{where}: {exc}") from None
