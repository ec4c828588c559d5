"""Reading JSON-RPC ``params`` with errors that name the offending argument.

Solana methods take positional params: some required values, then an
optional configuration object. Clients such as solana-py send every config
field, with ``null`` for the unset ones, so ``null`` always means "absent".
Unknown config fields are ignored, as the validator does, because newer
clients send fields older validators have never heard of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

U64_MAX: Final = (1 << 64) - 1
COMMITMENTS: Final = frozenset(
    {"processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max"}
)


def describe(value: JsonValue) -> str:
    """A short JSON type name for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def as_u64(value: JsonValue, where: str) -> int:
    """An integer in [0, 2**64); floats with no fraction are refused too, as serde does."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_params(f"{where}: expected an unsigned integer, got {describe(value)}")
    if not 0 <= value <= U64_MAX:
        raise invalid_params(f"{where}: {value} is out of range for an unsigned 64-bit integer")
    return value


def as_string(value: JsonValue, where: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise invalid_params(f"{where}: expected a string, got {describe(value)}")
    return value


def as_bool(value: JsonValue, where: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise invalid_params(f"{where}: expected a boolean, got {describe(value)}")
    return value


def as_pubkey(value: JsonValue, where: str) -> Pubkey:
    """A base58 public key."""
    text = as_string(value, where)
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise invalid_params(f"{where}: {text!r} is not a valid public key ({exc})") from exc


def as_signature(value: JsonValue, where: str) -> Signature:
    """A base58 transaction signature."""
    text = as_string(value, where)
    try:
        return Signature.from_string(text)
    except ValueError as exc:
        raise invalid_params(f"{where}: {text!r} is not a valid signature ({exc})") from exc


def as_hash(value: JsonValue, where: str) -> Hash:
    """A base58 blockhash."""
    text = as_string(value, where)
    try:
        return Hash.from_string(text)
    except Exception as exc:  # solders raises its own ParseHashError, not a ValueError
        raise invalid_params(f"{where}: {text!r} is not a valid blockhash") from exc


def as_list(value: JsonValue, where: str) -> list[JsonValue]:
    """A JSON array."""
    if not isinstance(value, list):
        raise invalid_params(f"{where}: expected an array, got {describe(value)}")
    return value


class Config:
    """The optional trailing configuration object of a call."""

    def __init__(self, where: str, values: Mapping[str, JsonValue]) -> None:
        self.where = where
        self._values = values

    def get(self, name: str) -> JsonValue:
        """The raw value, ``None`` when missing or null."""
        return self._values.get(name)

    def has(self, name: str) -> bool:
        """Whether ``name`` was given a non-null value."""
        return self._values.get(name) is not None

    def _at(self, name: str) -> str:
        return f"{self.where}.{name}"

    def boolean(self, name: str, default: bool) -> bool:
        """A boolean field."""
        value = self.get(name)
        return default if value is None else as_bool(value, self._at(name))

    def u64(self, name: str) -> int | None:
        """An unsigned integer field."""
        value = self.get(name)
        return None if value is None else as_u64(value, self._at(name))

    def string(self, name: str) -> str | None:
        """A string field."""
        value = self.get(name)
        return None if value is None else as_string(value, self._at(name))

    def choice(self, name: str, allowed: Sequence[str], default: str) -> str:
        """A string field restricted to ``allowed``."""
        value = self.string(name)
        if value is None:
            return default
        if value not in allowed:
            raise invalid_params(
                f"{self._at(name)}: unknown value {value!r} (expected one of: {', '.join(allowed)})"
            )
        return value

    def sub(self, name: str) -> Config | None:
        """A nested object field."""
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid_params(f"{self._at(name)}: expected an object, got {describe(value)}")
        return Config(self._at(name), value)

    def commitment(self) -> str:
        """``commitment``, validated; every level reads the same state here."""
        value = self.string("commitment")
        if value is None:
            return "finalized"
        if value not in COMMITMENTS:
            raise invalid_params(
                f"{self._at('commitment')}: unknown commitment {value!r} "
                "(expected processed, confirmed or finalized)"
            )
        return value

    def min_context_slot(self) -> int | None:
        """``minContextSlot``."""
        return self.u64("minContextSlot")


class Params:
    """Positional params of one call, with bounds and type checks."""

    def __init__(self, method: str, values: Sequence[JsonValue]) -> None:
        self.method = method
        self._values = values

    def __len__(self) -> int:
        return len(self._values)

    def at_most(self, count: int) -> None:
        """Refuse surplus arguments instead of silently ignoring them."""
        if len(self._values) > count:
            raise invalid_params(
                f"{self.method} takes at most {count} parameter(s), got {len(self._values)}"
            )

    def where(self, index: int, name: str) -> str:
        """How an argument is named in errors, e.g. ``params[0] (pubkey)``."""
        return f"params[{index}] ({name})"

    def required(self, index: int, name: str) -> JsonValue:
        """A required argument; missing or null is an error."""
        if index >= len(self._values) or self._values[index] is None:
            raise invalid_params(f"{self.method}: missing required {self.where(index, name)}")
        return self._values[index]

    def optional(self, index: int) -> JsonValue:
        """An optional argument, ``None`` when absent."""
        return self._values[index] if index < len(self._values) else None

    def pubkey(self, index: int, name: str = "pubkey") -> Pubkey:
        """A required public key argument."""
        return as_pubkey(self.required(index, name), self.where(index, name))

    def signature(self, index: int, name: str = "signature") -> Signature:
        """A required signature argument."""
        return as_signature(self.required(index, name), self.where(index, name))

    def u64(self, index: int, name: str) -> int:
        """A required unsigned integer argument."""
        return as_u64(self.required(index, name), self.where(index, name))

    def string(self, index: int, name: str) -> str:
        """A required string argument."""
        return as_string(self.required(index, name), self.where(index, name))

    def array(self, index: int, name: str) -> list[JsonValue]:
        """A required array argument."""
        return as_list(self.required(index, name), self.where(index, name))

    def config(self, index: int, name: str = "config") -> Config:
        """The optional config object; absent or null gives an empty one."""
        value = self.optional(index)
        where = self.where(index, name)
        if value is None:
            return Config(where, {})
        if not isinstance(value, dict):
            raise invalid_params(f"{where}: expected a configuration object, got {describe(value)}")
        return Config(where, value)
