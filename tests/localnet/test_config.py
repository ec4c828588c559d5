"""localnet.toml parsing: defaults, path resolution, build resolver, and keyed errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from solders.pubkey import Pubkey

from sessions_tools.localnet import (
    LocalnetConfig,
    LocalnetConfigError,
    ServerConfig,
    load_config,
    start_in_thread,
)
from sessions_tools.localnet.config import SYSTEM_PROGRAM_ID, require_loopback

from .sbf import write_program

pytestmark = pytest.mark.localnet

KEY = "11111111111111111111111111111112"
OTHER = "SysvarC1ock11111111111111111111111111111111"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "localnet.toml"
    path.write_text(text)
    return path


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config == LocalnetConfig()
    assert (config.server.host, config.server.port) == ("127.0.0.1", 8899)
    assert config.clock.slot is None
    assert config.clock.unix_timestamp is None


def test_full_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_program(tmp_path / "sub" / "p.so")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    config = load_config(
        write(
            tmp_path,
            f"""
            [server]
            host = "localhost"
            port = 9001
            max_body_bytes = 4096
            [clock]
            unix_timestamp = 1234
            slot = 99
            [[programs]]
            name = "p"
            program_id = "{KEY}"
            so = "sub/p.so"
            [[accounts]]
            address = "{OTHER}"
            lamports = 5
            owner = "{KEY}"
            data_file = "blob.bin"
            executable = true
            rent_epoch = 7
            [[accounts]]
            address = "{Pubkey.new_unique()}"
            lamports = 1
            data_base64 = "{base64.b64encode(b"hi").decode()}"
            """,
        )
    )
    assert (config.server.host, config.server.port, config.server.max_body_bytes) == (
        "localhost",
        9001,
        4096,
    )
    assert (config.clock.unix_timestamp, config.clock.slot) == (1234, 99)
    (program,) = config.programs
    assert program.so_path == tmp_path / "sub" / "p.so"
    first, second = config.accounts
    assert (first.data, first.owner, first.executable, first.rent_epoch) == (
        b"\x00\x01\x02",
        Pubkey.from_string(KEY),
        True,
        7,
    )
    assert (second.data, second.owner, second.executable) == (b"hi", SYSTEM_PROGRAM_ID, False)


def test_server_limits(tmp_path: Path) -> None:
    text = """
        [server]
        max_body_bytes = 2048
        max_batch_size = 7
        max_connections = 9
        max_subscriptions = 11
        header_timeout = 0.5
        body_timeout = 2
        keep_alive_seconds = 3
        """
    server = load_config(write(tmp_path, text)).server
    assert server == ServerConfig(
        max_body_bytes=2048,
        max_batch_size=7,
        max_connections=9,
        max_subscriptions=11,
        header_timeout=0.5,
        body_timeout=2.0,
        keep_alive_seconds=3,
    )


def test_default_limits_are_sane() -> None:
    server = ServerConfig()
    assert server.max_body_bytes == 1 << 20
    assert server.max_batch_size == 1000
    assert server.max_connections == 512
    assert server.max_subscriptions == 1000
    assert (server.header_timeout, server.body_timeout, server.keep_alive_seconds) == (10, 30, 5)


def test_build_resolver_is_called_with_the_name(tmp_path: Path) -> None:
    built = write_program(tmp_path / "built.so")
    asked: list[str] = []

    def resolver(name: str) -> Path:
        asked.append(name)
        return built

    config = load_config(
        write(
            tmp_path,
            f'[[programs]]\nname = "s"\nprogram_id = "{KEY}"\nbuild = "sessions"\n',
        ),
        build=resolver,
    )
    assert asked == ["sessions"]
    assert config.programs[0].so_path == built


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('[server]\nhost = "0.0.0.0"', "server.host", "not a loopback address"),
        ('[server]\nhost = "10.1.2.3"', "server.host", "not a loopback address"),
        ('[server]\nhost = "example.com"', "server.host", "use 127.0.0.1"),
        ('[server]\nport = "8899"', "server.port", "must be an integer"),
        ("[server]\nport = 70000", "server.port", "between 0 and 65535"),
        ("[server]\nprot = 1", "server.prot", "unknown key"),
        ("[server]\nmax_batch_size = 0", "server.max_batch_size", "between 1 and"),
        ("[server]\nmax_connections = 0", "server.max_connections", "between 1 and"),
        ("[server]\nmax_subscriptions = 2.5", "server.max_subscriptions", "must be an integer"),
        ("[server]\nmax_body_bytes = 10", "server.max_body_bytes", "between 1024 and"),
        ("[server]\nheader_timeout = 0", "server.header_timeout", "must be above 0"),
        ("[server]\nbody_timeout = 7200", "server.body_timeout", "at most 3600"),
        ('[server]\nbody_timeout = "5s"', "server.body_timeout", "must be a number of seconds"),
        ("[server]\nkeep_alive_seconds = 0.5", "server.keep_alive_seconds", "must be an integer"),
        ("[clock]\nslot = -1", "clock.slot", "between 0"),
        ("[clock]\nslot = true", "clock.slot", "must be an integer"),
        ("clock = 3", "clock", "must be a table"),
        ("[whatever]", "whatever", "unknown key"),
        (f'[[programs]]\nname = "p"\nprogram_id = "{KEY}"', "programs[0]", "exactly one of"),
        (
            f'[[programs]]\nname = "p"\nprogram_id = "{KEY}"\nso = "missing.so"',
            "programs[0].so",
            "does not exist",
        ),
        (
            '[[programs]]\nname = "p"\nprogram_id = "nope"\nso = "x.so"',
            "programs[0].program_id",
            "not a base58 public key",
        ),
        (f'[[programs]]\nprogram_id = "{KEY}"\nso = "x.so"', "programs[0].name", "is required"),
        (
            f'[[programs]]\nname = "p"\nprogram_id = "{KEY}"\nbuild = "sessions"',
            "programs[0].build",
            "no build resolver",
        ),
        (f'[[accounts]]\naddress = "{KEY}"', "accounts[0].lamports", "is required"),
        (f'[[accounts]]\naddress = "{KEY}"\nlamports = -5', "accounts[0].lamports", "between 0"),
        (
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 1\ndata_base64 = "***"',
            "accounts[0].data_base64",
            "not valid base64",
        ),
        (
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 1\ndata_file = "none.bin"',
            "accounts[0].data_file",
            "cannot read",
        ),
        (
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 1\nexecutable = 1',
            "accounts[0].executable",
            "true or false",
        ),
        (
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 1\ndata_base64 = ""\ndata_file = "x"',
            "accounts[0]",
            "at most one",
        ),
        (
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 1\n'
            f'[[accounts]]\naddress = "{KEY}"\nlamports = 2',
            "accounts[1].address",
            "already defined by accounts[0].address",
        ),
        ("[[accounts]]\nlamport = 1", "accounts[0].lamport", "unknown key"),
        ("programs = 5", "programs", "array of tables"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    with pytest.raises(LocalnetConfigError) as raised:
        load_config(write(tmp_path, text))
    assert raised.value.key == key
    assert fragment in str(raised.value)
    assert str(raised.value).startswith(f"{key}: ")


def test_build_resolver_failure_is_a_config_error(tmp_path: Path) -> None:
    def resolver(name: str) -> Path:
        raise RuntimeError("compiler exploded")

    with pytest.raises(LocalnetConfigError) as raised:
        load_config(
            write(tmp_path, f'[[programs]]\nname = "s"\nprogram_id = "{KEY}"\nbuild = "x"\n'),
            build=resolver,
        )
    assert raised.value.key == "programs[0].build"
    assert "compiler exploded" in str(raised.value)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LocalnetConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[server\n"))
    with pytest.raises(LocalnetConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml")


def test_invalid_elf_is_reported_against_the_program(tmp_path: Path) -> None:
    (tmp_path / "junk.so").write_bytes(b"not an elf")
    config = load_config(
        write(tmp_path, f'[[programs]]\nname = "junk"\nprogram_id = "{KEY}"\nso = "junk.so"\n')
    )
    with pytest.raises(LocalnetConfigError) as raised:
        start_in_thread(config, port=0)
    assert raised.value.key == "programs[0]"
    assert "junk" in str(raised.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "::1", "localhost"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    require_loopback(host)


def test_start_in_thread_refuses_public_host() -> None:
    from dataclasses import replace

    config = LocalnetConfig()
    public = replace(config, server=replace(config.server, host="0.0.0.0"))
    with pytest.raises(LocalnetConfigError, match="loopback"):
        start_in_thread(public, port=0)
