"""Malformed and hostile requests get JSON-RPC errors and the server keeps serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sessions_tools.localnet import Chain, Dispatcher, RunningLocalnet
from sessions_tools.localnet.methods import METHODS
from sessions_tools.localnet.params import Params
from sessions_tools.localnet.rpc_errors import JsonValue

pytestmark = pytest.mark.localnet


@pytest.fixture
def http(toml_net: RunningLocalnet) -> Iterator[httpx.Client]:
    """One keep-alive connection, so tests also prove it survives each error."""
    with httpx.Client(base_url=toml_net.url) as client:
        yield client
        assert_alive(client)


def assert_alive(client: httpx.Client) -> None:
    answer = client.post("/", json={"jsonrpc": "2.0", "id": "alive", "method": "getHealth"})
    assert answer.json() == {"jsonrpc": "2.0", "result": "ok", "id": "alive"}


def post_raw(client: httpx.Client, body: bytes | str) -> dict[str, Any]:
    answer = client.post("/", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200
    decoded: dict[str, Any] = answer.json()
    return decoded


def call(
    client: httpx.Client, method: str, params: Any = None, request_id: Any = 1
) -> dict[str, Any]:
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        request["params"] = params
    decoded: dict[str, Any] = client.post("/", json=request).json()
    return decoded


@pytest.mark.parametrize(
    "body",
    [b"{", b"not json", b'{"jsonrpc": "2.0",', b"\xff\xfe", b"", b"[1, 2", b'{"a": NaN}'],
)
def test_malformed_json_is_parse_error(http: httpx.Client, body: bytes) -> None:
    answer = post_raw(http, body)
    assert answer["id"] is None
    assert answer["error"]["code"] == -32700
    assert answer["error"]["message"].startswith("Parse error: ")


@pytest.mark.parametrize(
    ("request_body", "fragment"),
    [
        (42, "expected a request object, got number"),
        ({"id": 1, "method": "getSlot"}, "'jsonrpc' must be exactly \"2.0\""),
        ({"jsonrpc": "1.0", "id": 1, "method": "getSlot"}, "'jsonrpc'"),
        ({"jsonrpc": "2.0", "id": 1}, "'method' must be a string, got null"),
        ({"jsonrpc": "2.0", "id": 1, "method": 7}, "'method' must be a string, got number"),
        (
            {"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": "x"},
            "'params' must be an array",
        ),
        (
            {"jsonrpc": "2.0", "id": [1], "method": "getSlot"},
            "'id' must be a string, an unsigned 64-bit integer or null, got array",
        ),
    ],
)
def test_invalid_requests(http: httpx.Client, request_body: Any, fragment: str) -> None:
    answer = post_raw(http, json.dumps(request_body))
    assert answer["error"]["code"] == -32600
    assert fragment in answer["error"]["message"]


DEEP = 100_000


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deep_nesting_is_parse_error(http: httpx.Client, opener: str) -> None:
    answer = post_raw(http, opener * DEEP)
    assert answer["id"] is None
    assert answer["error"]["code"] == -32700
    assert "nested too deeply" in answer["error"]["message"]


@pytest.mark.parametrize(
    "raw_id",
    ["1e400", "-1e400", "1.5", "1.0", "-1", str(1 << 64), "true", "{}", "[1]"],
)
def test_ids_that_cannot_round_trip_are_refused(http: httpx.Client, raw_id: str) -> None:
    answer = post_raw(http, f'{{"jsonrpc":"2.0","id":{raw_id},"method":"getHealth"}}')
    assert answer["id"] is None
    assert answer["error"]["code"] == -32600
    assert "'id' must be a string, an unsigned 64-bit integer or null" in answer["error"]["message"]


@pytest.mark.parametrize("request_id", ["abc", "", 0, (1 << 64) - 1, None])
def test_valid_ids_are_echoed(http: httpx.Client, request_id: Any) -> None:
    answer = call(http, "getHealth", request_id=request_id)
    assert answer == {"jsonrpc": "2.0", "result": "ok", "id": request_id}


def test_a_bad_id_in_a_batch_spoils_only_its_member(http: httpx.Client) -> None:
    body = '[{"jsonrpc":"2.0","id":1e400,"method":"getHealth"},' + (
        '{"jsonrpc":"2.0","id":2,"method":"getHealth"}]'
    )
    answers = http.post("/", content=body).json()
    assert [answer["id"] for answer in answers] == [None, 2]
    assert answers[0]["error"]["code"] == -32600
    assert answers[1]["result"] == "ok"


def test_unknown_method(http: httpx.Client) -> None:
    answer = call(http, "getEverything", [], request_id="abc")
    assert answer == {
        "jsonrpc": "2.0",
        "error": {"code": -32601, "message": "Method not found: getEverything"},
        "id": "abc",
    }


@pytest.mark.parametrize(
    ("method", "params", "fragment"),
    [
        ("getBalance", [], "missing required params[0] (pubkey)"),
        ("getBalance", [42], "params[0] (pubkey): expected a string, got number"),
        (
            "getBalance",
            ["not-base58-0OIl"],
            "params[0] (pubkey): 'not-base58-0OIl' is not a valid public key",
        ),
        ("getBalance", ["abc"], "is not a valid public key"),
        (
            "getBalance",
            ["11111111111111111111111111111111", "finalized"],
            "expected a configuration object",
        ),
        (
            "getBalance",
            ["11111111111111111111111111111111", {"commitment": "eventually"}],
            "unknown commitment",
        ),
        ("getBalance", ["11111111111111111111111111111111", {}, 3], "takes at most 2 parameter(s)"),
        ("getBalance", {"pubkey": "11111111111111111111111111111111"}, "positional params"),
        ("getMinimumBalanceForRentExemption", [-1], "-1 is out of range"),
        ("getMinimumBalanceForRentExemption", [1.5], "expected an unsigned integer, got number"),
        ("getMinimumBalanceForRentExemption", [2**64], "out of range"),
        ("getSignatureStatuses", ["sig"], "expected an array"),
        (
            "getSignatureStatuses",
            [["xyz"]],
            "params[0] (signatures)[0]: 'xyz' is not a valid signature",
        ),
        ("getTransaction", ["1" * 10], "is not a valid signature"),
        ("sendTransaction", ["!!!"], "invalid base58 encoding"),
        ("sendTransaction", ["AAAA", {"encoding": "base64"}], "failed to deserialize transaction"),
        ("sendTransaction", ["AAAA", {"encoding": "hex"}], "unknown value 'hex'"),
        ("sendTransaction", ["A" * 2000, {"encoding": "base64"}], "too large"),
        ("isBlockhashValid", ["zzz"], "is not a valid blockhash"),
        ("requestAirdrop", ["11111111111111111111111111111111", 0], "must be greater than 0"),
        ("getMultipleAccounts", [["11111111111111111111111111111111"] * 101], "max 100"),
        (
            "getAccountInfo",
            ["11111111111111111111111111111111", {"encoding": "hex"}],
            "unknown encoding 'hex'",
        ),
        (
            "getProgramAccounts",
            ["11111111111111111111111111111111", {"filters": [{"bad": 1}]}],
            "unsupported filter 'bad'",
        ),
        ("getVersion", [1], "takes at most 0 parameter(s)"),
    ],
)
def test_invalid_params_name_the_culprit(
    http: httpx.Client, method: str, params: Any, fragment: str
) -> None:
    answer = call(http, method, params)
    assert answer["error"]["code"] == -32602, answer
    assert fragment in answer["error"]["message"]
    assert answer["id"] == 1


def test_oversized_body_is_413_and_connection_stays_usable(
    toml_net: RunningLocalnet, http: httpx.Client
) -> None:
    filler = "x" * (2 << 20)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": [filler]})
    answer = http.post("/", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == -32600
    assert "exceeds the limit of 1048576 bytes" in error["message"]
    assert_alive(http)


def test_oversized_chunked_body_without_content_length(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    answer = http.post("/", content=chunks())
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == -32600


def test_batch_mixing_good_and_bad(http: httpx.Client) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "getHealth"},
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        {"jsonrpc": "2.0", "id": 3, "method": "getBalance", "params": ["bad"]},
        {"jsonrpc": "2.0", "method": "getHealth"},  # notification: no answer
        17,
        {"jsonrpc": "2.0", "id": 4, "method": "getVersion"},
    ]
    answers = post_raw_list(http, json.dumps(batch))
    assert [answer.get("id") for answer in answers] == [1, 2, 3, None, 4]
    assert answers[0]["result"] == "ok"
    assert answers[1]["error"]["code"] == -32601
    assert answers[2]["error"]["code"] == -32602
    assert answers[3]["error"]["code"] == -32600
    assert "solana-core" in answers[4]["result"]


def post_raw_list(client: httpx.Client, body: str) -> list[dict[str, Any]]:
    answer = client.post("/", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200
    decoded: list[dict[str, Any]] = answer.json()
    return decoded


def test_empty_batch_is_invalid_request(http: httpx.Client) -> None:
    answer = post_raw(http, "[]")
    assert answer["error"]["code"] == -32600
    assert "empty batch" in answer["error"]["message"]


def test_notifications_get_no_body(http: httpx.Client) -> None:
    single = http.post("/", json={"jsonrpc": "2.0", "method": "getHealth"})
    assert single.status_code == 204
    assert single.content == b""
    batch = http.post("/", json=[{"jsonrpc": "2.0", "method": "getSlot"}])
    assert batch.status_code == 204


def test_get_is_not_json_rpc_but_health_is(http: httpx.Client) -> None:
    wrong = http.get("/")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == -32600
    health = http.get("/health")
    assert health.status_code == 200
    assert health.text == "ok"


async def test_internal_error_is_32603_and_dispatch_continues() -> None:
    async def broken(ledger: Chain, params: Params) -> JsonValue:
        raise ZeroDivisionError("boom")

    dispatcher = Dispatcher(Chain(), {**METHODS, "broken": broken})
    answer = await dispatcher.handle_body(b'{"jsonrpc":"2.0","id":5,"method":"broken"}')
    assert answer == {
        "jsonrpc": "2.0",
        "error": {"code": -32603, "message": "Internal error: ZeroDivisionError: boom"},
        "id": 5,
    }
    healthy = await dispatcher.handle_body(b'{"jsonrpc":"2.0","id":6,"method":"getHealth"}')
    assert healthy == {"jsonrpc": "2.0", "result": "ok", "id": 6}


def test_server_survives_a_barrage(toml_net: RunningLocalnet) -> None:
    bodies = [
        b"{",
        b"[]",
        b"[{}]",
        b"null",
        b'"x"',
        b'{"jsonrpc":"2.0","id":1,"method":"getSlot","params":[{"minContextSlot":"x"}]}',
    ]
    with httpx.Client(base_url=toml_net.url) as client:
        for body in bodies * 20:
            assert client.post("/", content=body).status_code in (200, 204)
        assert_alive(client)
