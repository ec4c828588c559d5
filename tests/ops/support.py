"""Helpers for the operator-command tests: a Solana CLI config in a tmp dir, the CLI runner.

Nothing here reads or writes the real ``~/.config/solana``: the conftest points HOME at a
tmp directory for every test, and each test names its config file with ``--config``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from click.testing import Result
from solders.keypair import Keypair
from typer.testing import CliRunner

from sessions_tools.cli import app
from sessions_tools.ops.keypairs import write_keypair

T = TypeVar("T")
WIDE = {"COLUMNS": "250"}


@dataclass(frozen=True)
class SolanaCli:
    """A Solana CLI config file pointing at ``url`` and a fresh keypair file."""

    config: Path
    keypair: Keypair
    keypair_path: Path
    url: str

    def run(self, *args: str) -> Result:
        """``sessions ARGS --config CONFIG``, output captured (stdout and stderr apart)."""
        return CliRunner().invoke(app, [*args, "--config", str(self.config)], env=WIDE)

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)


def write_solana_config(directory: Path, url: str, keypair: Keypair | None = None) -> SolanaCli:
    keypair = keypair or Keypair()
    keypair_path = directory / "id.json"
    write_keypair(keypair_path, keypair)
    config = directory / "config.yml"
    config.write_text(
        "---\n"
        f"json_rpc_url: {url}\n"
        'websocket_url: ""\n'
        f"keypair_path: {keypair_path}\n"
        "address_labels:\n"
        '  "11111111111111111111111111111111": System Program\n'
        "commitment: confirmed\n"
    )
    return SolanaCli(config, keypair, keypair_path, url)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def one_error_line(result: Result) -> str:
    """The command failed with exactly one ``error:`` line on stderr and nothing else."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    return lines[0]


def invoke(args: Sequence[str]) -> Result:
    return CliRunner().invoke(app, list(args), env=WIDE)
