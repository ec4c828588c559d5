"""Pieces every method handler shares: the response context and account options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.encoding import AccountEncoding, DataSlice
from sessions_tools.localnet.params import Config, Params
from sessions_tools.localnet.rpc_errors import (
    JsonValue,
    invalid_params,
    min_context_slot_not_reached,
)

API_VERSION: Final = "2.3.0"
"""The validator RPC API level these responses follow (reported by getVersion too)."""
FEATURE_SET: Final = 3_294_202_862

Handler = Callable[[Chain, Params], Awaitable[JsonValue]]


def with_context(slot: int, value: JsonValue) -> dict[str, JsonValue]:
    """The ``{"context", "value"}`` envelope of context-carrying methods."""
    return {"context": {"slot": slot, "apiVersion": API_VERSION}, "value": value}


def check_min_context_slot(config: Config, slot: int) -> None:
    """Refuse to answer from a slot older than the caller's ``minContextSlot``."""
    minimum = config.min_context_slot()
    if minimum is not None and slot < minimum:
        raise min_context_slot_not_reached(slot)


def account_encoding(config: Config, default: AccountEncoding) -> AccountEncoding:
    """``encoding`` of an account-returning method."""
    value = config.string("encoding")
    if value is None:
        return default
    return AccountEncoding.parse(value, where=f"{config.where}.encoding")


def data_slice(config: Config, encoding: AccountEncoding) -> DataSlice | None:
    """``dataSlice``; like a validator, refused together with jsonParsed."""
    sub = config.sub("dataSlice")
    if sub is None:
        return None
    offset, length = sub.u64("offset"), sub.u64("length")
    if offset is None or length is None:
        raise invalid_params(f"{sub.where}: 'offset' and 'length' are both required")
    if encoding is AccountEncoding.JSON_PARSED:
        raise invalid_params(
            f"{sub.where}: sliced account data can only be encoded using binary (base 58), "
            "base58, base64 or base64+zstd encoding"
        )
    return DataSlice(offset, length)


def no_params(params: Params) -> None:
    """For methods that take no arguments at all."""
    params.at_most(0)


def context_config(params: Params, index: int = 0) -> Config:
    """The lone ``{commitment, minContextSlot}`` config most getters take."""
    params.at_most(index + 1)
    config = params.config(index)
    config.commitment()
    return config
