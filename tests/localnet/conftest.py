"""Fixtures: a localnet started from a real ``localnet.toml`` with a program and accounts."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_tools.localnet import RunningLocalnet, load_config, start_in_thread

from .sbf import write_program

PROGRAM_ID = Keypair.from_seed(bytes([1] * 32)).pubkey()
OWNER = Keypair.from_seed(bytes([2] * 32)).pubkey()
OTHER_OWNER = Keypair.from_seed(bytes([3] * 32)).pubkey()
PAYER = Keypair.from_seed(bytes([4] * 32))
PAYER_LAMPORTS = 1_000 * 1_000_000_000


@dataclass(frozen=True)
class Fixture:
    """A preloaded account and what the tests expect of it."""

    address: Pubkey
    owner: Pubkey
    data: bytes
    lamports: int


def _address(seed: int) -> Pubkey:
    return Keypair.from_seed(bytes([seed] * 32)).pubkey()


FIXTURES = (
    Fixture(_address(10), OWNER, b"\x01alpha" + bytes(10), 2_000_000),
    Fixture(_address(11), OWNER, b"\x01beta!" + bytes(26), 3_000_000),
    Fixture(_address(12), OWNER, b"\x02alpha" + bytes(10), 4_000_000),
    Fixture(_address(13), OTHER_OWNER, b"\x01alpha" + bytes(10), 5_000_000),
    Fixture(_address(14), OWNER, b"", 6_000_000),
)
FILE_BACKED = FIXTURES[2]
"""Loaded through ``data_file`` rather than ``data_base64``."""


def write_localnet_toml(directory: Path) -> Path:
    """A config exercising every section, with relative paths."""
    (directory / "programs").mkdir(exist_ok=True)
    write_program(directory / "programs" / "tiny.so")
    lines = [
        "[server]",
        'host = "127.0.0.1"',
        "port = 0",
        "",
        "[clock]",
        "unix_timestamp = 1700000000",
        "slot = 1000",
        "",
        "[[programs]]",
        'name = "tiny"',
        f'program_id = "{PROGRAM_ID}"',
        'so = "programs/tiny.so"',
        "",
        "[[accounts]]",
        f'address = "{PAYER.pubkey()}"',
        f"lamports = {PAYER_LAMPORTS}",
    ]
    for fixture in FIXTURES:
        lines += [
            "",
            "[[accounts]]",
            f'address = "{fixture.address}"',
            f"lamports = {fixture.lamports}",
            f'owner = "{fixture.owner}"',
        ]
        if fixture is FILE_BACKED:
            (directory / "fixture.bin").write_bytes(fixture.data)
            lines.append('data_file = "fixture.bin"')
        else:
            lines.append(f'data_base64 = "{base64.b64encode(fixture.data).decode()}"')
    path = directory / "localnet.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def toml_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalnet]:
    """One server per test module, started from a toml file like the CLI does."""
    config = load_config(write_localnet_toml(tmp_path_factory.mktemp("localnet")))
    with start_in_thread(config) as running:
        yield running


@pytest.fixture
def fresh_localnet() -> Iterator[RunningLocalnet]:
    """An empty chain of its own, for tests that count slots or transactions."""
    with start_in_thread(port=0) as running:
        yield running


@pytest.fixture
async def client(toml_net: RunningLocalnet) -> AsyncIterator[AsyncClient]:
    """solana-py's async client against the module's localnet."""
    async with AsyncClient(toml_net.url) as rpc:
        yield rpc
