"""The client's typed exceptions.

Off-chain failures are specific: malformed bytes, RPC faults, timeouts and
program errors each have their own class, so callers can handle one without
string matching and nothing fails as a bare crash or silent wrong data.
"""

from __future__ import annotations


class SessionsClientError(Exception):
    """Base class of every error this package raises on purpose."""


class DecodeError(SessionsClientError, ValueError):
    """Bytes that do not decode to the expected record (too short, bad variant, bad tag)."""


class EncodeError(SessionsClientError, ValueError):
    """A value that cannot be encoded into its fixed layout (wrong length, out of range)."""


class AccountNotFoundError(SessionsClientError):
    """The requested account does not exist on the cluster."""


class RpcError(SessionsClientError):
    """The RPC endpoint answered with an error, or with a malformed response."""


class RpcTimeoutError(RpcError, TimeoutError):
    """The RPC endpoint did not answer, or a transaction did not confirm, in time."""


class TransactionFailedError(SessionsClientError):
    """A transaction failed for a reason that is not a sessions-program error."""

    def __init__(self, message: str, logs: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.logs = logs


class RpcConnectionError(RpcError, ConnectionError):
    """The RPC endpoint could not be reached (connection refused, reset, DNS), after retries."""


class MalformedRpcResponseError(RpcError):
    """The RPC endpoint answered, but not with what the method promises; the message says what."""


class RpcResponseError(RpcError):
    """The RPC endpoint answered with a JSON-RPC error object (``code``, ``message``, ``data``)."""

    def __init__(self, method: str, code: int, message: str, data: object = None) -> None:
        super().__init__(f"{method}: JSON-RPC error {code}: {message}")
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data


class PendingOperationError(SessionsClientError):
    """An optimistic operation was refused: another one on the same session is in flight."""

    def __init__(self, address: object, pending: str, requested: str) -> None:
        super().__init__(
            f"session {address}: cannot start {requested} while {pending} is in flight"
        )
        self.address = address
        self.pending = pending
        self.requested = requested


class TransactionNotFoundError(SessionsClientError, LookupError):
    """The RPC endpoint has no record of the requested transaction signature."""
