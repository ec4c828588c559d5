"""``sessions watch`` against a ``sessions localnet`` process, over HTTP and its websocket."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from localnet_process import ROOT, sessions_command, sessions_localnet
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from sessions_client import PROGRAM_ID, ErrorCode, SessionsClient, SessionsProgramError
from sessions_client.events import SessionActivated, encode_event
from sessions_client.exceptions import MalformedRpcResponseError
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.testing.helpers import make_session_params
from sessions_tools.watch import read_notification, sighting_lines, websocket_url

pytestmark = pytest.mark.localnet
SOL = 1_000_000_000


@contextmanager
def watching(*args: str) -> Iterator[tuple[subprocess.Popen[str], threading.Event, list[str]]]:
    """``sessions watch ARGS``; the event is set once it has subscribed (its stderr says so)."""
    process = subprocess.Popen(
        [*sessions_command(), "watch", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()
    errors: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            errors.append(line)
            if line.startswith("watching "):
                ready.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        yield process, ready, errors
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        reader.join(5)


async def test_watch_prints_events_and_errors_as_they_happen() -> None:
    with (
        sessions_localnet() as net,
        watching("-u", net.url, "--json", "--count", "3") as (
            process,
            ready,
            errors,
        ),
    ):
        assert ready.wait(30), "".join(errors)
        owner = Keypair()
        async with (
            SessionsClient(net.url) as client,
            SessionsClient(net.url, skip_preflight=True) as unchecked,
        ):
            await client.airdrop(owner.pubkey(), 2 * SOL)
            created = await client.create_session(owner, None, make_session_params())
            await client.activate_session(owner, created.session)
            with pytest.raises(SessionsProgramError):  # lands (no preflight) and fails
                await unchecked.activate_session(owner, created.session)
        stdout, _ = process.communicate(timeout=30)
        assert process.returncode == 0, "".join(errors)
    lines: list[dict[str, Any]] = [json.loads(line) for line in stdout.splitlines()]
    assert [line.get("event") for line in lines] == ["SessionCreated", "SessionActivated", None]
    assert lines[0]["fields"]["session"] == str(created.session)
    assert lines[0]["fields"]["owner"] == str(owner.pubkey())
    assert lines[1]["fields"]["session"] == str(created.session)
    code = ErrorCode.INVALID_STATUS_TRANSITION
    assert lines[2]["error"] == {
        "code": int(code),
        "name": code.pascal_name,
        "message": code.message,
    }
    assert lines[0]["slot"] < lines[1]["slot"] < lines[2]["slot"]


SIGNATURE = Signature.new_unique()


def test_watch_lines_decode_only_the_programs_own_events() -> None:
    key = Pubkey.new_unique()
    event = SessionActivated(key, key, 5, 65)
    message = {
        "jsonrpc": "2.0",
        "method": "logsNotification",
        "params": {
            "subscription": 1,
            "result": {
                "context": {"slot": 9},
                "value": {
                    "signature": str(SIGNATURE),
                    "err": None,
                    "logs": [
                        "Program DGGjrmCF2r1SLvSiFZ8PcMruj5XtrHz9HPPMwgJ5aipd invoke [1]",
                        "Program data: " + encode_event_b64(event),
                        "Program DGGjrmCF2r1SLvSiFZ8PcMruj5XtrHz9HPPMwgJ5aipd success",
                    ],
                },
            },
        },
    }
    sighting = read_notification(json.dumps(message), PROGRAM_ID)
    assert sighting is not None
    [line] = sighting_lines(sighting, as_json=False)
    assert line.startswith("slot 9 SessionActivated session=")
    assert read_notification('{"jsonrpc": "2.0", "result": 4, "id": 1}', PROGRAM_ID) is None
    other = read_notification(json.dumps(message), Pubkey.new_unique())  # another program's logs
    assert other is not None
    assert sighting_lines(other, as_json=False) == []


def test_a_notification_solders_cannot_read_is_one_operator_error() -> None:
    broken = {"jsonrpc": "2.0", "method": "logsNotification", "params": {"subscription": 1}}
    with pytest.raises(OperatorError, match="not a PubSub message solders reads"):
        read_notification(json.dumps(broken), PROGRAM_ID)
    value = {"signature": "sig", "err": None, "logs": []}
    bad_signature = {
        "jsonrpc": "2.0",
        "method": "logsNotification",
        "params": {"subscription": 1, "result": {"context": {"slot": 9}, "value": value}},
    }
    with pytest.raises(MalformedRpcResponseError, match="logsNotification signature"):
        read_notification(json.dumps(bad_signature), PROGRAM_ID)


def encode_event_b64(event: SessionActivated) -> str:
    return base64.b64encode(encode_event(event)).decode()


@pytest.mark.parametrize(
    ("rpc", "ws"),
    [
        ("http://127.0.0.1:8899", "ws://127.0.0.1:8900/"),
        ("https://api.devnet.solana.com", "wss://api.devnet.solana.com/"),
        ("http://[::1]:10/rpc", "ws://[::1]:11/rpc"),
    ],
)
def test_websocket_url_follows_the_solana_cli(rpc: str, ws: str) -> None:
    assert websocket_url(rpc) == ws


def test_websocket_url_refuses_what_it_cannot_map() -> None:
    with pytest.raises(OperatorError):
        websocket_url("ftp://host")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-u", "http://127.0.0.1:9"], "error: cannot reach ws://127.0.0.1:10/"),
        (["-u", "nowhere"], "error: 'nowhere' is neither an http(s) URL"),
        (["-u", "l", "-p", "not-a-key"], "error: program id 'not-a-key' is neither"),
        (["-u", "l", "--count", "0"], "error: --count must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [*sessions_command(), "watch", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stdout == ""
