"""JSON-RPC error values, with the codes a real Solana validator uses.

Clients branch on these codes (web3.js and @solana/kit map -32002 to a
"preflight failure" carrying the simulation logs, solana-py raises
``RPCException``), so the numbers and the ``data`` payloads must match the
validator; the messages are ours and always say what was wrong.
"""

from __future__ import annotations

import enum
from typing import Any

JsonValue = Any
"""A value that ``json.dumps`` accepts; JSON has no useful static type here."""


class RpcErrorCode(enum.IntEnum):
    """Standard JSON-RPC 2.0 codes plus the Solana server codes we emit."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    BLOCK_CLEANED_UP = -32001
    SEND_TRANSACTION_PREFLIGHT_FAILURE = -32002
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE = -32003
    BLOCK_NOT_AVAILABLE = -32004
    SLOT_SKIPPED = -32007
    TRANSACTION_HISTORY_NOT_AVAILABLE = -32011
    UNSUPPORTED_TRANSACTION_VERSION = -32015
    MIN_CONTEXT_SLOT_NOT_REACHED = -32016


class JsonRpcError(Exception):
    """An error answer for one JSON-RPC call; raised by handlers, caught by the dispatcher."""

    def __init__(self, code: RpcErrorCode, message: str, data: JsonValue = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, JsonValue]:
        """The ``error`` member of a JSON-RPC response."""
        error: dict[str, JsonValue] = {"code": int(self.code), "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def parse_error(detail: str) -> JsonRpcError:
    """The body is not JSON at all."""
    return JsonRpcError(RpcErrorCode.PARSE_ERROR, f"Parse error: {detail}")


def invalid_request(detail: str) -> JsonRpcError:
    """The JSON is not a JSON-RPC 2.0 request object."""
    return JsonRpcError(RpcErrorCode.INVALID_REQUEST, f"Invalid request: {detail}")


def method_not_found(method: str) -> JsonRpcError:
    """No handler is registered under ``method``."""
    return JsonRpcError(RpcErrorCode.METHOD_NOT_FOUND, f"Method not found: {method}")


def invalid_params(detail: str) -> JsonRpcError:
    """The method exists but its arguments are wrong; ``detail`` names the argument."""
    return JsonRpcError(RpcErrorCode.INVALID_PARAMS, f"Invalid params: {detail}")


def internal_error(detail: str) -> JsonRpcError:
    """A bug on our side; the server logs it and keeps serving."""
    return JsonRpcError(RpcErrorCode.INTERNAL_ERROR, f"Internal error: {detail}")


def preflight_failure(description: str, simulation: dict[str, JsonValue]) -> JsonRpcError:
    """sendTransaction's simulation failed; ``data`` is the simulation result, logs included."""
    return JsonRpcError(
        RpcErrorCode.SEND_TRANSACTION_PREFLIGHT_FAILURE,
        f"Transaction simulation failed: {description}",
        simulation,
    )


def signature_verification_failure() -> JsonRpcError:
    """A signature does not verify (preflight or simulateTransaction with sigVerify)."""
    return JsonRpcError(
        RpcErrorCode.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
        "Transaction signature verification failure",
    )


def unsupported_transaction_version(version: int) -> JsonRpcError:
    """getTransaction of a versioned tx without a high enough maxSupportedTransactionVersion."""
    return JsonRpcError(
        RpcErrorCode.UNSUPPORTED_TRANSACTION_VERSION,
        f"Transaction version ({version}) is not supported by the requesting client. "
        "Please try the request again with the following configuration parameter: "
        f'"maxSupportedTransactionVersion": {version}',
    )


def min_context_slot_not_reached(context_slot: int) -> JsonRpcError:
    """The caller asked for a slot the ledger has not reached yet."""
    return JsonRpcError(
        RpcErrorCode.MIN_CONTEXT_SLOT_NOT_REACHED,
        "Minimum context slot has not been reached",
        {"contextSlot": context_slot},
    )
