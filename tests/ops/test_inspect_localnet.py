"""``sessions show``, ``list`` and ``logs`` against ``sessions localnet`` over HTTP."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction

from sessions_client import instructions as ix
from sessions_client.client import SessionsClient
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode
from sessions_client.exceptions import TransactionNotFoundError
from sessions_tools.localnet import RunningLocalnet
from sessions_tools.ops.display import to_json
from sessions_tools.testing.helpers import make_session_params

from .support import SolanaCli, invoke, one_error_line, run, write_solana_config

pytestmark = pytest.mark.localnet
SOL = 1_000_000_000


@dataclass(frozen=True)
class World:
    """Sessions in several states, and the signatures of a success and a program failure."""

    cli: SolanaCli
    owner: Keypair
    dapp: Keypair
    active: Pubkey
    created: Pubkey
    requested: Pubkey
    created_signature: Signature
    failed_signature: Signature


async def _failed_activation(
    client: SessionsClient, stranger: Keypair, session: Pubkey
) -> Signature:
    """A transaction that lands and fails with Unauthorized (sent without preflight)."""
    instruction = ix.activate_session(stranger.pubkey(), session)
    blockhash = await client.latest_blockhash()
    tx = Transaction([stranger], Message([instruction], stranger.pubkey()), blockhash)
    wire = base64.b64encode(bytes(tx)).decode()
    await client.call("sendTransaction", [wire, {"encoding": "base64", "skipPreflight": True}])
    for _ in range(500):
        try:
            record = await client.get_transaction(tx.signatures[0])
        except TransactionNotFoundError:
            await asyncio.sleep(0.02)
            continue
        assert record.err is not None
        return tx.signatures[0]
    raise AssertionError("the failing transaction never landed")


@pytest.fixture
def world(localnet_server: RunningLocalnet, tmp_path: Path) -> World:
    cli = write_solana_config(tmp_path, localnet_server.url)

    async def populate() -> World:
        async with SessionsClient(localnet_server.url) as client:
            owner, dapp, stranger = Keypair(), Keypair(), Keypair()
            for key in (owner, dapp, stranger):
                await client.airdrop(key.pubkey(), 5 * SOL)
            first = await client.create_session(owner, None, make_session_params())
            assert first.session is not None
            await client.activate_session(owner, first.session)
            second = await client.create_session(owner, None, make_session_params())
            assert second.session is not None
            asked = await client.request_session(
                dapp, owner.pubkey(), None, make_session_params(), 600
            )
            assert asked.session is not None
            failed = await _failed_activation(client, stranger, second.session)
            return World(
                cli,
                owner,
                dapp,
                first.session,
                second.session,
                asked.session,
                first.signature,
                failed,
            )

    return run(populate())


def test_show_json_is_the_decoded_account(world: World) -> None:
    async def fetch() -> object:
        async with SessionsClient(world.cli.url) as client:
            return to_json(await client.get_session(world.active))

    shown = world.cli.json("show", str(world.active))
    assert shown == {"address": str(world.active), "session": run(fetch())}
    assert shown["session"]["status"] == "ACTIVE"
    assert shown["session"]["owner"] == str(world.owner.pubkey())


def test_show_table(world: World) -> None:
    result = world.cli.run("show", str(world.active))
    assert result.exit_code == 0, result.stderr
    rows = {
        cells[0]: cells[1]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.strip("│┃ ").split("│")]) == 2
    }
    assert rows["status"] == "ACTIVE"
    assert rows["owner"] == str(world.owner.pubkey())
    assert rows["config.permissions"] == "EXECUTE"
    assert rows["config.max_duration"] == "3600"
    assert rows["expires_at"].endswith(" UTC (" + rows["expires_at"].split("(")[1])
    assert rows["metadata"] == "-"
    assert "reserved" not in rows
    assert not [name for name in rows if name.startswith("borrowed")]  # no slot in use


def test_list_filters(world: World) -> None:
    def addresses(*args: str) -> list[str]:
        return [row["address"] for row in world.cli.json("list", *args)]

    owner = str(world.owner.pubkey())
    mine = sorted([str(world.active), str(world.created), str(world.requested)])
    assert sorted(addresses("--owner", owner)) == mine
    assert addresses("--owner", owner, "--status", "active") == [str(world.active)]
    assert addresses("--status", "CREATED") == [str(world.created)]
    assert addresses("--creator", str(world.dapp.pubkey())) == [str(world.requested)]
    assert addresses("--creator", str(world.dapp.pubkey()), "--status", "active") == []
    assert addresses("--owner", str(Keypair().pubkey())) == []
    table = world.cli.run("list", "--owner", owner)
    assert table.exit_code == 0, table.stderr
    assert "3 session(s)" in table.stdout
    for address in mine:
        assert address in table.stdout
    for status in ("ACTIVE", "CREATED", "REQUESTED"):
        assert status in table.stdout


def test_logs_of_a_success(world: World) -> None:
    report = world.cli.json("logs", str(world.created_signature))
    assert report["err"] is None
    assert report["error"] is None
    assert [event["name"] for event in report["events"]] == ["SessionCreated"]
    assert report["events"][0]["fields"]["session"] == str(world.active)
    assert report["compute_units"] > 0
    table = world.cli.run("logs", str(world.created_signature))
    assert table.exit_code == 0, table.stderr
    assert "SessionCreated" in table.stdout
    assert "none (succeeded)" in table.stdout


def test_logs_name_the_programs_error(world: World) -> None:
    report = world.cli.json("logs", str(world.failed_signature))
    assert report["err"] == {"InstructionError": [0, {"Custom": int(ErrorCode.UNAUTHORIZED)}]}
    assert report["error"] == {
        "code": int(ErrorCode.UNAUTHORIZED),
        "name": "Unauthorized",
        "message": ErrorCode.UNAUTHORIZED.message,
        "instruction": 0,
    }
    assert report["events"] == []
    table = world.cli.run("logs", str(world.failed_signature))
    assert "Unauthorized (6013)" in table.stdout


def test_another_programs_code_is_not_ours(world: World) -> None:
    """Looking at the transaction as if another program were the sessions program."""
    report = world.cli.json("logs", str(world.failed_signature), "-p", str(Keypair().pubkey()))
    assert report["err"] is not None
    assert report["error"] is None


def test_bad_input_is_one_line(world: World) -> None:
    cli = world.cli
    wallet = one_error_line(cli.run("show", str(world.owner.pubkey())))
    assert f"owned by 11111111111111111111111111111111, not the sessions program {PROGRAM_ID}" in (
        wallet
    )
    nothing = one_error_line(cli.run("show", str(Keypair().pubkey())))
    assert "no session account at" in nothing
    assert "not a base58 public key" in one_error_line(cli.run("show", "not-an-address"))
    assert "not a base58 transaction signature" in one_error_line(cli.run("logs", "abc"))
    unknown = one_error_line(cli.run("logs", str(Signature.new_unique())))
    assert "no transaction" in unknown
    assert "is not one of requested, created, active, paused, expired" in one_error_line(
        cli.run("list", "--status", "closed")
    )
    assert "owner 'x' is not a base58 public key" in one_error_line(cli.run("list", "--owner", "x"))
    dead = one_error_line(cli.run("list", "-u", "http://127.0.0.1:9"))
    assert dead.startswith("error: cannot reach http://127.0.0.1:9")
    assert "does not exist" in one_error_line(
        invoke(["show", str(world.active), "-C", "/nope.yml"])
    )


def test_the_installed_command_prints_no_traceback(world: World) -> None:
    """The real console script, in its own process: one stderr line and exit status 1."""
    command = [str(Path(sys.executable).with_name("sessions"))]
    done = subprocess.run(
        [*command, "show", str(world.owner.pubkey()), "--config", str(world.cli.config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: account ")
    assert "Traceback" not in done.stderr
