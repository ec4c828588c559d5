"""Account reads over fixtures preloaded from toml_net.toml (data_base64 and data_file)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import DataSliceOpts, MemcmpOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_tools.localnet import RunningLocalnet
from sessions_tools.localnet.base58 import b58encode

from .conftest import FILE_BACKED, FIXTURES, OWNER, PROGRAM_ID

pytestmark = pytest.mark.localnet

OWNED = [fixture for fixture in FIXTURES if fixture.owner == OWNER]


def rpc(url: str, method: str, params: list[Any]) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    ).json()
    return answer


def addresses(entries: list[dict[str, Any]]) -> set[str]:
    return {entry["pubkey"] for entry in entries}


def expected(predicate: Any) -> set[str]:
    return {str(fixture.address) for fixture in OWNED if predicate(fixture.data)}


async def test_program_accounts_all_and_only_owned(client: AsyncClient) -> None:
    found = (await client.get_program_accounts(OWNER, encoding="base64")).value
    assert {entry.pubkey for entry in found} == {fixture.address for fixture in OWNED}
    by_address = {entry.pubkey: entry.account for entry in found}
    for fixture in OWNED:
        assert by_address[fixture.address].data == fixture.data
        assert by_address[fixture.address].lamports == fixture.lamports
        assert by_address[fixture.address].owner == OWNER


async def test_program_accounts_memcmp_and_data_size_via_solana_py(client: AsyncClient) -> None:
    alpha = b58encode(b"alpha")
    found = (
        await client.get_program_accounts(
            OWNER, encoding="base64", filters=[16, MemcmpOpts(offset=1, bytes=alpha)]
        )
    ).value
    assert {str(entry.pubkey) for entry in found} == expected(
        lambda data: len(data) == 16 and data[1:6] == b"alpha"
    )
    assert len(found) == 2  # the data_base64 one and the data_file one


def test_memcmp_base64_and_byte_list_encodings(toml_net: RunningLocalnet) -> None:
    prefix = b"\x01beta!"
    for memcmp in (
        {"offset": 0, "bytes": base64.b64encode(prefix).decode(), "encoding": "base64"},
        {"offset": 0, "bytes": b58encode(prefix), "encoding": "base58"},
        {"offset": 0, "bytes": b58encode(prefix)},
        {"offset": 0, "bytes": list(prefix), "encoding": "bytes"},
    ):
        answer = rpc(
            toml_net.url,
            "getProgramAccounts",
            [str(OWNER), {"encoding": "base64", "filters": [{"memcmp": memcmp}]}],
        )
        assert addresses(answer["result"]) == expected(lambda data: data.startswith(prefix)), memcmp


def test_memcmp_past_the_end_matches_nothing(toml_net: RunningLocalnet) -> None:
    answer = rpc(
        toml_net.url,
        "getProgramAccounts",
        [str(OWNER), {"filters": [{"memcmp": {"offset": 40, "bytes": b58encode(b"\x00")}}]}],
    )
    assert answer["result"] == []


def test_data_size_zero(toml_net: RunningLocalnet) -> None:
    answer = rpc(toml_net.url, "getProgramAccounts", [str(OWNER), {"filters": [{"dataSize": 0}]}])
    assert addresses(answer["result"]) == expected(lambda data: data == b"")


def test_data_slice_with_context_and_base58(toml_net: RunningLocalnet) -> None:
    answer = rpc(
        toml_net.url,
        "getProgramAccounts",
        [
            str(OWNER),
            {
                "encoding": "base58",
                "dataSlice": {"offset": 1, "length": 5},
                "withContext": True,
                "filters": [{"dataSize": 32}],
            },
        ],
    )
    result = answer["result"]
    assert result["context"]["slot"] >= 1000
    (entry,) = result["value"]
    assert entry["account"]["data"] == [b58encode(b"beta!"), "base58"]
    assert entry["account"]["space"] == 32


def test_base64_zstd_encoding(toml_net: RunningLocalnet) -> None:
    zstandard = pytest.importorskip("zstandard")
    answer = rpc(
        toml_net.url,
        "getAccountInfo",
        [str(FILE_BACKED.address), {"encoding": "base64+zstd"}],
    )
    text, encoding = answer["result"]["value"]["data"]
    assert encoding == "base64+zstd"
    restored = zstandard.ZstdDecompressor().decompress(base64.b64decode(text))
    assert restored == FILE_BACKED.data


def test_json_parsed_falls_back_to_base64(toml_net: RunningLocalnet) -> None:
    answer = rpc(
        toml_net.url, "getAccountInfo", [str(FILE_BACKED.address), {"encoding": "jsonParsed"}]
    )
    assert answer["result"]["value"]["data"] == [
        base64.b64encode(FILE_BACKED.data).decode(),
        "base64",
    ]


def test_account_info_defaults_to_binary_and_limits_base58(toml_net: RunningLocalnet) -> None:
    answer = rpc(toml_net.url, "getAccountInfo", [str(FILE_BACKED.address)])
    assert answer["result"]["value"]["data"] == b58encode(FILE_BACKED.data)
    loader = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
    programdata, _ = Pubkey.find_program_address([bytes(PROGRAM_ID)], loader)
    big = rpc(toml_net.url, "getAccountInfo", [str(programdata)])
    assert big["error"]["code"] == -32602
    assert "please use base64" in big["error"]["message"]
    as_base64 = rpc(toml_net.url, "getAccountInfo", [str(programdata), {"encoding": "base64"}])
    assert as_base64["result"]["value"]["space"] > 128


def test_too_many_filters_is_invalid_params(toml_net: RunningLocalnet) -> None:
    answer = rpc(
        toml_net.url,
        "getProgramAccounts",
        [str(OWNER), {"filters": [{"dataSize": 1}] * 5}],
    )
    assert answer["error"]["code"] == -32602
    assert "too many filters" in answer["error"]["message"]


def test_bad_memcmp_bytes_is_invalid_params(toml_net: RunningLocalnet) -> None:
    answer = rpc(
        toml_net.url,
        "getProgramAccounts",
        [str(OWNER), {"filters": [{"memcmp": {"offset": 0, "bytes": "0OIl"}}]}],
    )
    assert answer["error"]["code"] == -32602
    assert "filters[0].memcmp.bytes" in answer["error"]["message"]
    assert "invalid base58" in answer["error"]["message"]


async def test_multiple_accounts_and_data_slice(client: AsyncClient) -> None:
    missing = Keypair().pubkey()
    found = (
        await client.get_multiple_accounts(
            [FIXTURES[0].address, missing, FIXTURES[1].address],
            data_slice=DataSliceOpts(offset=1, length=4),
        )
    ).value
    assert found[1] is None
    assert found[0] is not None
    assert found[0].data == b"alph"
    assert found[2] is not None
    assert found[2].data == b"beta"


async def test_account_info_missing_is_none(client: AsyncClient) -> None:
    assert (await client.get_account_info(Keypair().pubkey())).value is None
    assert (await client.get_balance(Keypair().pubkey())).value == 0


async def test_rent_exemption_matches_litesvm_rent(client: AsyncClient) -> None:
    from solders.litesvm import LiteSVM

    for size in (0, 165, 10_000):
        expected_lamports = LiteSVM().minimum_balance_for_rent_exemption(size)
        assert (
            await client.get_minimum_balance_for_rent_exemption(size)
        ).value == expected_lamports


def test_min_context_slot_in_the_future(toml_net: RunningLocalnet) -> None:
    answer = rpc(toml_net.url, "getBalance", [str(OWNER), {"minContextSlot": 10**12}])
    assert answer["error"]["code"] == -32016
    assert answer["error"]["message"] == "Minimum context slot has not been reached"
    assert 1000 <= answer["error"]["data"]["contextSlot"] < 10**12
