"""One RPC approach: every request the library sends is a solders typed request.

Methods, params, configs, filters and encodings are serialized by solders
(``solders.rpc.requests``, as solana-py does), never spelled as JSON by hand; the answers
are read by the strict readers of :mod:`sessions_client.rpc`. And the library holds no
base58 codec of its own (solders' key and signature types are the only base58 it uses).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from solders.account_decoder import UiAccountEncoding
from solders.commitment_config import CommitmentLevel
from solders.pubkey import Pubkey
from solders.rpc.config import RpcAccountInfoConfig, RpcProgramAccountsConfig
from solders.rpc.filter import Memcmp
from solders.rpc.requests import GetProgramAccounts

import sessions_client
from sessions_client.accounts import SESSION_ACCOUNT_SIZE, SESSION_DISCRIMINATOR
from sessions_client.client import OWNER_OFFSET

ROOT = Path(sessions_client.__file__).parent


def test_no_request_is_spelled_by_hand() -> None:
    for path in sorted(ROOT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "call"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                raise AssertionError(f"{path.name}: {ast.unparse(node)}")


def test_the_library_has_no_base58_codec() -> None:
    for path in sorted(ROOT.glob("*.py")):
        tree = ast.parse(path.read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert not {n for n in names if "b58" in n or "base58" in n}, path.name


def test_listing_filters_serialize_as_agave_reads_them() -> None:
    owner = Pubkey(bytes([5]) * 32)
    config = RpcProgramAccountsConfig(
        RpcAccountInfoConfig(UiAccountEncoding.Base64, commitment=CommitmentLevel.Confirmed),
        [
            SESSION_ACCOUNT_SIZE,
            Memcmp(0, SESSION_DISCRIMINATOR),
            Memcmp(OWNER_OFFSET, bytes(owner)),
        ],
    )
    params = json.loads(GetProgramAccounts(Pubkey.default(), config).to_json())["params"]
    filters = params[1]["filters"]
    assert filters[0] == {"dataSize": SESSION_ACCOUNT_SIZE}
    assert filters[2]["memcmp"] == {
        "offset": OWNER_OFFSET,
        "encoding": "bytes",
        "bytes": list(bytes(owner)),
    }
