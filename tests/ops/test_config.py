"""The Solana CLI conventions: config.yml, -u monikers, -C, keypair files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from solders.keypair import Keypair

from sessions_tools.ops.keypairs import (
    address_or_keypair_file,
    load_or_create_keypair,
    parse_signature,
    read_keypair,
    write_keypair,
)
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.ops.solana_config import (
    MONIKERS,
    default_config_path,
    load_cli_config,
    normalize_url,
    resolve_target,
)

from .support import write_solana_config


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("localhost", "http://localhost:8899"),
        ("l", "http://localhost:8899"),
        ("devnet", "https://api.devnet.solana.com"),
        ("d", "https://api.devnet.solana.com"),
        ("mainnet-beta", "https://api.mainnet-beta.solana.com"),
        ("m", "https://api.mainnet-beta.solana.com"),
        ("testnet", "https://api.testnet.solana.com"),
        ("t", "https://api.testnet.solana.com"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("https://rpc.example:443/path", "https://rpc.example:443/path"),
    ],
)
def test_monikers_and_urls(given: str, url: str) -> None:
    assert normalize_url(given) == url


@pytest.mark.parametrize("bad", ["mainnet", "x", "ftp://host", "127.0.0.1:8899", "http://"])
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(OperatorError, match="neither an http"):
        normalize_url(bad)


def test_every_moniker_has_a_distinct_letter() -> None:
    assert len({name[0] for name in MONIKERS}) == len(MONIKERS)


def test_reads_a_solana_cli_config(tmp_path: Path) -> None:
    cli = write_solana_config(tmp_path, "http://127.0.0.1:1234")
    config = load_cli_config(cli.config)
    assert config.json_rpc_url == "http://127.0.0.1:1234"
    assert config.keypair_path == cli.keypair_path
    assert config.commitment == "confirmed"


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    cli = write_solana_config(tmp_path, "http://127.0.0.1:1234")
    other = tmp_path / "other.json"
    target = resolve_target(cli.config, "d", other)
    assert (target.url, target.keypair_path) == ("https://api.devnet.solana.com", other)
    assert resolve_target(cli.config, None, None).url == "http://127.0.0.1:1234"


def test_without_a_file_the_solana_defaults_apply(isolated_home: Path) -> None:
    assert default_config_path() == isolated_home / ".config" / "solana" / "cli" / "config.yml"
    config = load_cli_config(None)
    assert config.json_rpc_url == MONIKERS["mainnet-beta"]
    assert config.keypair_path == isolated_home / ".config" / "solana" / "id.json"


def test_the_default_file_is_read_from_home(isolated_home: Path) -> None:
    directory = isolated_home / ".config" / "solana" / "cli"
    directory.mkdir(parents=True)
    (directory / "config.yml").write_text("json_rpc_url: l\nkeypair_path: ~/k.json\n")
    config = load_cli_config(None)
    assert config.json_rpc_url == "http://localhost:8899"
    assert config.keypair_path == isolated_home / "k.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("json_rpc_url: [1, 2\n", "not valid YAML"),
        ("- a\n- b\n", "not a mapping"),
        ("json_rpc_url: 5\n", "json_rpc_url must be a string"),
        ("commitment: fast\n", "commitment must be"),
        ("json_rpc_url: nowhere\n", "neither an http"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yml"
    path.write_text(text)
    with pytest.raises(OperatorError, match=message):
        load_cli_config(path)


def test_an_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match="does not exist"):
        load_cli_config(tmp_path / "missing.yml")


def test_keypair_files_are_solana_cli_json(tmp_path: Path) -> None:
    keypair = Keypair()
    path = tmp_path / "kp.json"
    write_keypair(path, keypair)
    assert json.loads(path.read_text()) == list(bytes(keypair))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keypair(path) == keypair
    assert address_or_keypair_file(str(path), "program") == keypair.pubkey()
    assert address_or_keypair_file(str(keypair.pubkey()), "program") == keypair.pubkey()
    with pytest.raises(OperatorError, match="already exists"):
        write_keypair(path, Keypair())


def test_load_or_create_keeps_an_existing_keypair(tmp_path: Path) -> None:
    path = tmp_path / "buffer.json"
    first, created = load_or_create_keypair(path, "buffer keypair")
    again, created_again = load_or_create_keypair(path, "buffer keypair")
    assert (created, created_again) == (True, False)
    assert first == again


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("not json", "not a JSON array of 64 bytes"),
        (json.dumps(list(range(32))), "not a JSON array of 64 bytes"),
        (json.dumps([256] * 64), "not a JSON array of 64 bytes"),
        (json.dumps([True] * 64), "not a JSON array of 64 bytes"),
        (json.dumps(list(range(64))), "inconsistent keypair"),
    ],
)
def test_bad_keypair_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "id.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(OperatorError, match=message):
        read_keypair(path)


def test_bad_signatures() -> None:
    with pytest.raises(OperatorError, match="not a base58 transaction signature"):
        parse_signature("abc")
