"""``sessions deploy`` against ``sessions localnet`` over HTTP: interrupted, resumed, upgraded.

The interruption is a transport that drops the connection after a number of
``sendTransaction`` calls (every later call fails, as when the network goes away), so
the run stops half way through the buffer writes. The test then reads the buffer itself
to count what landed, resumes with the same buffer keypair file through the CLI, and
checks that exactly the missing chunks were sent. The deployed program, and the upgraded
(portable) one, then run a session's lifecycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client.client import SessionsClient
from sessions_client.events import (
    SessionActivated,
    SessionClosed,
    SessionCreated,
    SessionPaused,
    SessionResumed,
)
from sessions_client.exceptions import RpcConnectionError
from sessions_client.types import SessionStatus
from sessions_tools.localnet import RunningLocalnet, start_in_thread
from sessions_tools.ops.keypairs import read_keypair, write_keypair
from sessions_tools.ops.rpc_deploy import DeployRequest, deploy_program, missing_chunks
from sessions_tools.ops.solana_config import Target
from sessions_tools.program_build import BuildVariant, ensure_program
from sessions_tools.sbf.loader import (
    MIN_EXTEND_PROGRAM_BYTES,
    BufferState,
    ProgramDataState,
    decode_loader_state,
    programdata_address,
    write_chunk_size,
)
from sessions_tools.testing.helpers import make_session_params

from .support import SolanaCli, one_error_line, run, write_solana_config

pytestmark = pytest.mark.localnet
SOL = 1_000_000_000


class DroppingClient(AsyncClient):
    """An AsyncClient whose connection goes away after ``sends`` sendTransaction requests."""

    def __init__(self, url: str, sends: int) -> None:
        super().__init__(url, max_transport_retries=0)
        self.sends_left = sends

    async def send_rpc_request(self, req: Any, parser: Any) -> Any:
        if self.sends_left <= 0:
            dropped = ConnectionResetError("connection dropped")
            raise SolanaRpcException(dropped, self.send_rpc_request, self, req) from dropped
        if req.method == "sendTransaction":
            self.sends_left -= 1
        return await super().send_rpc_request(req, parser)


@pytest.fixture
def empty_localnet() -> Iterator[RunningLocalnet]:
    """A chain without the sessions program: ``sessions deploy`` puts it there."""
    with start_in_thread(port=0) as running:
        yield running


@pytest.fixture
def operator(empty_localnet: RunningLocalnet, tmp_path: Path) -> SolanaCli:
    cli = write_solana_config(tmp_path, empty_localnet.url)

    async def fund() -> None:
        async with SessionsClient(empty_localnet.url) as client:
            await client.airdrop(cli.keypair.pubkey(), 100 * SOL)

    run(fund())
    return cli


async def account_data(url: str, address: Pubkey) -> bytes | None:
    async with AsyncClient(url) as rpc:
        info = (await rpc.get_account_info(address)).value
    return None if info is None else bytes(info.data)


async def lifecycle(url: str, program_id: Pubkey) -> None:
    """create -> activate -> pause -> resume -> close against the deployed program."""
    async with SessionsClient(url, program_id=program_id) as client:
        owner = Keypair()
        await client.airdrop(owner.pubkey(), 2 * SOL)
        created = await client.create_session(owner, None, make_session_params())
        assert created.session is not None
        assert [type(e) for e in created.events] == [SessionCreated]
        steps = (
            (client.activate_session, SessionActivated, SessionStatus.ACTIVE),
            (client.pause_session, SessionPaused, SessionStatus.PAUSED),
            (client.resume_session, SessionResumed, SessionStatus.ACTIVE),
        )
        for step, event, status in steps:
            result = await step(owner, created.session)
            assert [type(e) for e in result.events] == [event]
            assert (await client.get_session(created.session)).status == status
        closed = await client.close_session(owner, created.session)
        assert [type(e) for e in closed.events] == [SessionClosed]
        assert await client.load_session(created.session) is None


def reported(output: str, name: str) -> str:
    match = re.search(rf"^{name}: (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_deploy_interrupted_resumed_then_upgraded(operator: SolanaCli, tmp_path: Path) -> None:
    so = ensure_program()
    portable = ensure_program(BuildVariant.PORTABLE)
    program_path, buffer_path = tmp_path / "program.json", tmp_path / "buffer.json"
    program, buffer = Keypair(), Keypair()
    write_keypair(program_path, program)
    write_keypair(buffer_path, buffer)
    chunk = write_chunk_size(operator.keypair.pubkey(), operator.keypair.pubkey())
    total = len(range(0, len(so), chunk))
    assert total > 10

    # 1. The connection drops after the buffer's creation and 6 writes.
    async def interrupted() -> None:
        rpc = DroppingClient(operator.url, sends=1 + 6)
        async with SessionsClient(rpc, retries=1, retry_backoff=0.01) as client:
            request = DeployRequest(so, program, buffer, concurrency=1)
            await deploy_program(client, operator.keypair, request)

    with pytest.raises(RpcConnectionError):
        run(interrupted())
    data = run(account_data(operator.url, buffer.pubkey()))
    assert data is not None
    state = decode_loader_state(data)
    assert isinstance(state, BufferState)
    assert state.authority == operator.keypair.pubkey()
    left = missing_chunks(state.contents, so, chunk)
    assert 0 < len(left) < total
    assert run(account_data(operator.url, program.pubkey())) is None  # nothing deployed yet

    # 2. The same command with the same buffer file writes only what is missing.
    resumed = operator.run(
        "deploy",
        "--program-id",
        str(program_path),
        "--buffer",
        str(buffer_path),
        *so_arg(so, tmp_path),
    )
    assert resumed.exit_code == 0, (resumed.stdout, resumed.stderr)
    assert f"Deployed: {len(left)} chunk(s) written, {total - len(left)} already in the buffer" in (
        resumed.stdout
    )
    assert reported(resumed.stdout, "Program Id") == str(program.pubkey())
    deploy_slot = int(reported(resumed.stdout, "Slot"))
    programdata = run(account_data(operator.url, programdata_address(program.pubkey())))
    assert programdata is not None
    deployed = decode_loader_state(programdata)
    assert isinstance(deployed, ProgramDataState)
    assert (deployed.slot, deployed.upgrade_authority) == (deploy_slot, operator.keypair.pubkey())
    assert deployed.capacity == 2 * len(so)
    assert programdata[45 : 45 + len(so)] == so
    assert run(account_data(operator.url, buffer.pubkey())) is None  # the loader consumed it
    run(lifecycle(operator.url, program.pubkey()))

    # 3. Upgrade with the same command: the portable build, through a new buffer.
    upgraded = operator.run(
        "deploy", "--portable", "--program-id", str(program_path), "--buffer", str(buffer_path)
    )
    assert upgraded.exit_code == 0, (upgraded.stdout, upgraded.stderr)
    assert "Upgraded:" in upgraded.stdout
    assert reported(upgraded.stdout, "Program Id") == str(program.pubkey())
    programdata = run(account_data(operator.url, programdata_address(program.pubkey())))
    assert programdata is not None
    after = decode_loader_state(programdata)
    assert isinstance(after, ProgramDataState)
    assert after.slot == int(reported(upgraded.stdout, "Slot")) > deploy_slot
    assert programdata[45 : 45 + len(portable)] == portable
    assert not any(programdata[45 + len(portable) :])  # the rest of the old build is zeroed
    run(lifecycle(operator.url, program.pubkey()))


def so_arg(so: bytes, directory: Path) -> list[str]:
    path = directory / "sessions.so"
    path.write_bytes(so)
    return [str(path)]


def test_first_deploy_creates_program_and_buffer_keypairs(
    operator: SolanaCli, tmp_path: Path
) -> None:
    so_path = Path(so_arg(ensure_program(), tmp_path)[0])
    result = operator.run("deploy", str(so_path))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    program = read_keypair(tmp_path / "sessions-keypair.json")
    assert read_keypair(tmp_path / "sessions-buffer.json") != program
    assert reported(result.stdout, "Program Id") == str(program.pubkey())
    assert "new program keypair saved" in result.stdout
    account = run(account_data(operator.url, program.pubkey()))
    assert account is not None
    # An address is enough to upgrade; the keypair file is not needed any more.
    again = operator.run("deploy", str(so_path), "--program-id", str(program.pubkey()))
    assert again.exit_code == 0, (again.stdout, again.stderr)
    assert "Upgraded:" in again.stdout


def test_refusals_are_one_line(operator: SolanaCli, tmp_path: Path) -> None:
    so = so_arg(ensure_program(), tmp_path)
    missing = one_error_line(operator.run("deploy", *so, "-k", str(tmp_path / "nobody.json")))
    assert "nobody.json does not exist" in missing
    unreachable = one_error_line(
        operator.run(
            "deploy", *so, "-u", "http://127.0.0.1:9", "--buffer", str(tmp_path / "b.json")
        )
    )
    assert unreachable.startswith("error: cannot reach http://127.0.0.1:9")
    absent = Keypair().pubkey()
    needs_keypair = one_error_line(operator.run("deploy", *so, "--program-id", str(absent)))
    assert "needs the program keypair file" in needs_keypair
    # Someone else's program: the upgrade authority is checked before anything is written.
    first = operator.run("deploy", *so, "--program-id", str(tmp_path / "p.json"))
    assert first.exit_code == 0, first.stderr
    program_id = reported(first.stdout, "Program Id")
    stranger_dir = tmp_path / "stranger"
    stranger_dir.mkdir()
    stranger = write_solana_config(stranger_dir, operator.url)
    run(fund_key(operator.url, stranger.keypair.pubkey()))
    refused = one_error_line(stranger.run("deploy", *so, "--program-id", program_id))
    assert f"upgrade authority is {operator.keypair.pubkey()}" in refused
    # A payer without lamports hears the figure before any account is created.
    poor_dir = tmp_path / "poor"
    poor_dir.mkdir()
    poor = write_solana_config(poor_dir, operator.url)
    broke = one_error_line(poor.run("deploy", *so, "--program-id", str(poor_dir / "p.json")))
    assert re.search(r"holds 0 lamports; this deployment needs about \d+", broke), broke


async def fund_key(url: str, key: Pubkey) -> None:
    async with SessionsClient(url) as client:
        await client.airdrop(key, 10 * SOL)


def test_upgrade_to_a_larger_build_extends_the_program_data(
    operator: SolanaCli, tmp_path: Path
) -> None:
    small, large = sorted((ensure_program(), ensure_program(BuildVariant.PORTABLE)), key=len)
    assert len(small) < len(large)
    small_path, large_path = tmp_path / "small.so", tmp_path / "large.so"
    small_path.write_bytes(small)
    large_path.write_bytes(large)
    program = str(tmp_path / "program.json")
    first = operator.run(
        "deploy", str(small_path), "--program-id", program, "--max-len", str(len(small))
    )
    assert first.exit_code == 0, first.stderr
    program_id = Pubkey.from_string(reported(first.stdout, "Program Id"))
    data = run(account_data(operator.url, programdata_address(program_id)))
    assert data is not None
    before = decode_loader_state(data)
    assert isinstance(before, ProgramDataState)
    assert before.capacity == len(small)

    upgraded = operator.run("deploy", str(large_path), "--program-id", program)
    assert upgraded.exit_code == 0, (upgraded.stdout, upgraded.stderr)
    extension = MIN_EXTEND_PROGRAM_BYTES  # the runtime's minimum, more than the 40 missing
    assert f"program data extended by {extension} bytes" in upgraded.stdout
    data = run(account_data(operator.url, programdata_address(program_id)))
    assert data is not None
    after = decode_loader_state(data)
    assert isinstance(after, ProgramDataState)
    assert after.capacity == len(small) + extension
    assert data[45 : 45 + len(large)] == large
    assert not any(data[45 + len(large) :])
    run(lifecycle(operator.url, program_id))


def test_an_interrupted_cli_deploy_says_how_to_resume(
    operator: SolanaCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sessions_tools.ops.deploy_command as command

    so = so_arg(ensure_program(), tmp_path)
    buffer = tmp_path / "buffer.json"
    args = ("deploy", *so, "--program-id", str(tmp_path / "p.json"), "--buffer", str(buffer))

    def dropping_client(target: Target, program_id: Pubkey) -> SessionsClient:
        return SessionsClient(DroppingClient(target.url, sends=4), retries=0)

    with monkeypatch.context() as patch:
        patch.setattr(command, "open_client", dropping_client)
        line = one_error_line(operator.run(*args))
    assert line.startswith(f"error: cannot reach {operator.url}")
    assert line.endswith(f"run the same command again with --buffer {buffer} to resume)")
    resumed = operator.run(*args)
    assert resumed.exit_code == 0, resumed.stderr
    found = re.search(r"Deployed: (\d+) chunk\(s\) written, (\d+) already", resumed.stdout)
    assert found, resumed.stdout
    chunk = write_chunk_size(operator.keypair.pubkey(), operator.keypair.pubkey())
    assert int(found[1]) + int(found[2]) == len(range(0, len(ensure_program()), chunk))
