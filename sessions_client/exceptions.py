"""The client's typed exceptions.

Off-chain failures are specific: malformed bytes, RPC faults, timeouts and
program errors each have their own class, so callers can handle one without
string matching and nothing fails as a bare crash or silent wrong data.
"""

from __future__ import annotations

from solders.rpc.responses import RpcSimulateTransactionResult


class SessionsClientError(Exception):
    """Base class of every error this package raises on purpose."""


class DecodeError(SessionsClientError, ValueError):
    """Bytes that do not decode to the expected record (too short, bad variant, bad tag)."""


class InvalidSessionError(DecodeError):
    """A Session that decodes but that the program never stores: a forgery or a newer layout.

    ``field`` names the culprit (``version``, ``status``, ``config.max_duration``,
    ``address``); each case has its own subclass.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"Session.{field}: {problem}")
        self.field = field


class UnsupportedSessionVersionError(InvalidSessionError):
    """The account's layout version is not the one this client reads."""

    def __init__(self, version: int, supported: int) -> None:
        super().__init__(
            "version", f"layout version {version} is not supported (this client reads {supported})"
        )
        self.version = version


class InvalidSessionStatusError(InvalidSessionError):
    """A status the program never stores (an in-flight or end state of the client's model)."""


class InvalidSessionConfigError(InvalidSessionError):
    """A stored config value outside the bounds the program enforces at creation."""


class SessionAddressMismatchError(InvalidSessionError):
    """A Session served at an address that is not its PDA (creator, id and stored bump)."""

    def __init__(self, address: object, expected: object | None) -> None:
        pda = "no valid PDA" if expected is None else expected
        super().__init__(
            "address",
            f"served at {address}, which is not the PDA of its creator, id and bump ({pda})",
        )
        self.address = address
        self.expected = expected


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


class DuplicateAccountError(MalformedRpcResponseError):
    """A listing (getProgramAccounts) that names the same account more than once."""

    def __init__(self, where: str, address: object, first: str) -> None:
        super().__init__(f"{where}: {address} is listed again (first at {first})")
        self.address = address


class RpcResponseError(RpcError):
    """The RPC endpoint answered with a JSON-RPC error object (``code``, ``message``, ``data``).

    ``simulation`` is the preflight simulation of a -32002 answer, read by
    solders (typed ``err``, ``logs``); None for other errors, or when the data
    is not one.
    """

    def __init__(
        self,
        method: str,
        code: int,
        message: str,
        data: object = None,
        *,
        simulation: RpcSimulateTransactionResult | None = None,
    ) -> None:
        super().__init__(f"{method}: JSON-RPC error {code}: {message}")
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data
        self.simulation = simulation


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
