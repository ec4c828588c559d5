"""JSON on the wire: parsing what clients send and checking request ids.

HTTP bodies and websocket frames go through the same two functions, so both
transports refuse the same things with the same codes: text that is not
JSON, or nests deeper than Python's parser can recurse (-32700), and ids a
validator would not accept (-32600). Accepted ids are exactly what
jsonrpc-core deserializes (a string, an unsigned 64-bit integer or null), so
every id echoed back is valid JSON that the client can match.
"""

from __future__ import annotations

import json
from typing import Final

from sessions_tools.localnet.params import U64_MAX, describe
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_request, parse_error

ID_RULE: Final = "'id' must be a string, an unsigned 64-bit integer or null"


def _reject_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes | str) -> JsonValue:
    """The decoded document, or a -32700 :class:`JsonRpcError` saying why not."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise parse_error(f"body is not UTF-8 ({exc.reason})") from exc
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise parse_error("JSON nested too deeply") from exc
    except ValueError as exc:
        raise parse_error(str(exc)) from exc


def request_id(request: dict[str, JsonValue]) -> JsonValue:
    """The request's ``id`` (``None`` when absent), or -32600 for an id no client can match.

    Floats are refused, not only ``1e400`` (which Python reads as infinity and
    would echo as the non-JSON ``Infinity``): a validator refuses ``1.0`` too.
    """
    value = request.get("id")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U64_MAX:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = describe(value)
    elif isinstance(value, int):
        shown = f"{value}, out of range"
    else:
        shown = "a number with a fraction or exponent"
    raise invalid_request(f"{ID_RULE}, got {shown}")
