"""The same ``localnet.toml`` on a real ``solana-test-validator``.

The embedded LiteSVM server is the default; this exists so that a suite can
be cross-checked against the reference validator from identical state.
Programs map to ``--bpf-program``, accounts to ``--account`` with the JSON
files ``solana account --output json`` writes, and the starting slot to
``--warp-slot``. The start timestamp has no flag: the validator uses the wall
clock, which :attr:`TestValidatorCommand.notes` says.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sessions_tools.localnet.config import AccountConfig, LocalnetConfig, require_loopback

EXECUTABLE: Final = "solana-test-validator"


class TestValidatorNotFoundError(RuntimeError):
    """``solana-test-validator`` is not installed (not on PATH)."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class TestValidatorCommand:
    """A ready-to-run command line plus what it could not express."""

    __test__ = False

    argv: tuple[str, ...]
    account_files: tuple[Path, ...]
    notes: tuple[str, ...]


def account_json(account: AccountConfig) -> dict[str, object]:
    """An account in the CLI's JSON format, which ``--account`` reads."""
    return {
        "pubkey": str(account.address),
        "account": {
            "lamports": account.lamports,
            "data": [base64.b64encode(account.data).decode("ascii"), "base64"],
            "owner": str(account.owner),
            "executable": account.executable,
            "rentEpoch": account.rent_epoch,
            "space": len(account.data),
        },
    }


def build_test_validator_command(
    config: LocalnetConfig,
    *,
    workdir: Path,
    port: int | None = None,
    executable: str = EXECUTABLE,
) -> TestValidatorCommand:
    """Write account files under ``workdir`` and return the equivalent command line.

    The ledger goes to ``workdir/ledger`` and ``--reset`` starts it fresh, so
    runs never see each other's state.
    """
    require_loopback(config.server.host)
    rpc_port = config.server.port if port is None else port
    accounts_dir = workdir / "accounts"
    accounts_dir.mkdir(parents=True, exist_ok=True)
    argv: list[str] = [
        executable,
        "--ledger",
        str(workdir / "ledger"),
        "--reset",
        "--rpc-port",
        str(rpc_port),
        "--bind-address",
        config.server.host,
    ]
    for program in config.programs:
        argv += ["--bpf-program", str(program.program_id), str(program.so_path)]
    files: list[Path] = []
    for account in config.accounts:
        path = accounts_dir / f"{account.address}.json"
        path.write_text(json.dumps(account_json(account)), encoding="utf-8")
        files.append(path)
        argv += ["--account", str(account.address), str(path)]
    if config.clock.slot:
        argv += ["--warp-slot", str(config.clock.slot)]
    notes: list[str] = []
    if config.clock.unix_timestamp is not None:
        notes.append(
            "clock.unix_timestamp is not supported by solana-test-validator; "
            "it starts from the wall clock"
        )
    return TestValidatorCommand(argv=tuple(argv), account_files=tuple(files), notes=tuple(notes))


def run_test_validator(
    config: LocalnetConfig, *, port: int | None = None, executable: str = EXECUTABLE
) -> int:
    """Run ``solana-test-validator`` with ``config`` until it exits; returns its exit code.

    Raises :class:`TestValidatorNotFoundError` when the binary is not on PATH.
    """
    resolved = shutil.which(executable)
    if resolved is None:
        raise TestValidatorNotFoundError(
            f"{executable} is not on PATH; install the Solana (Agave) CLI tools, "
            "or use the embedded localnet, which needs nothing installed"
        )
    with tempfile.TemporaryDirectory(prefix="sessions-test-validator-") as scratch:
        command = build_test_validator_command(
            config, workdir=Path(scratch), port=port, executable=resolved
        )
        return subprocess.run(command.argv, check=False).returncode
