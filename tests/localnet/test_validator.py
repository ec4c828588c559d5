"""The solana-test-validator command line built from the same toml (binary not needed)."""

from __future__ import annotations

import base64
import json
import shutil
import sys
from pathlib import Path

import pytest

from sessions_tools.localnet import load_config
from sessions_tools.localnet.validator import (
    TestValidatorNotFoundError,
    build_test_validator_command,
    run_test_validator,
)

from .conftest import FIXTURES, PAYER, PROGRAM_ID, write_localnet_toml

pytestmark = pytest.mark.localnet


def test_command_line_mirrors_the_toml(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    config = load_config(write_localnet_toml(tmp_path / "cfg"))
    work = tmp_path / "work"
    command = build_test_validator_command(config, workdir=work, port=18899)
    argv = list(command.argv)
    assert argv[0] == "solana-test-validator"
    assert argv[argv.index("--ledger") + 1] == str(work / "ledger")
    assert "--reset" in argv
    assert argv[argv.index("--rpc-port") + 1] == "18899"
    assert argv[argv.index("--bind-address") + 1] == "127.0.0.1"
    program_at = argv.index("--bpf-program")
    assert argv[program_at + 1 : program_at + 3] == [
        str(PROGRAM_ID),
        str(tmp_path / "cfg" / "programs" / "tiny.so"),
    ]
    assert argv[argv.index("--warp-slot") + 1] == "1000"
    account_args = [argv[i + 1 : i + 3] for i, arg in enumerate(argv) if arg == "--account"]
    assert [address for address, _ in account_args] == [str(PAYER.pubkey())] + [
        str(fixture.address) for fixture in FIXTURES
    ]
    assert len(command.notes) == 1
    assert "unix_timestamp" in command.notes[0]


def test_account_files_use_the_cli_json_format(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    config = load_config(write_localnet_toml(tmp_path / "cfg"))
    command = build_test_validator_command(config, workdir=tmp_path / "work")
    assert len(command.account_files) == len(config.accounts)
    for account, path in zip(config.accounts, command.account_files, strict=True):
        written = json.loads(path.read_text())
        assert written["pubkey"] == str(account.address)
        body = written["account"]
        assert body["lamports"] == account.lamports
        assert body["owner"] == str(account.owner)
        assert body["executable"] is account.executable
        assert body["rentEpoch"] == account.rent_epoch
        assert body["space"] == len(account.data)
        assert base64.b64decode(body["data"][0]) == account.data
        assert body["data"][1] == "base64"


def test_default_port_and_no_clock_flags(tmp_path: Path) -> None:
    (tmp_path / "localnet.toml").write_text("")
    command = build_test_validator_command(
        load_config(tmp_path / "localnet.toml"), workdir=tmp_path
    )
    argv = list(command.argv)
    assert argv[argv.index("--rpc-port") + 1] == "8899"
    assert "--warp-slot" not in argv
    assert "--bpf-program" not in argv
    assert "--account" not in argv
    assert command.notes == ()


def test_missing_binary_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "localnet.toml").write_text("")
    assert shutil.which("solana-test-validator-that-does-not-exist") is None
    with pytest.raises(TestValidatorNotFoundError, match="not on PATH"):
        run_test_validator(
            load_config(tmp_path / "localnet.toml"),
            executable="solana-test-validator-that-does-not-exist",
        )


def test_runs_whatever_binary_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in script proves the argv reaches the process and its exit code comes back."""
    fake = tmp_path / "bin" / "solana-test-validator"
    fake.parent.mkdir()
    record = tmp_path / "argv.json"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"json.dump(sys.argv[1:], open({str(record)!r}, 'w'))\nsys.exit(3)\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{Path('/usr/bin')}")
    (tmp_path / "localnet.toml").write_text("[server]\nport = 12345\n")
    code = run_test_validator(load_config(tmp_path / "localnet.toml"))
    assert code == 3
    argv = json.loads(record.read_text())
    assert argv[argv.index("--rpc-port") + 1] == "12345"
