"""The command-line options the operator commands share, spelled as the Solana CLI spells them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-C",
        help="Solana CLI config file (default: ~/.config/solana/cli/config.yml).",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        "-u",
        help="RPC URL or moniker: mainnet-beta, devnet, testnet, localhost (or m, d, t, l).",
    ),
]
KeypairOption = Annotated[
    Path | None,
    typer.Option("--keypair", "-k", help="Signer keypair file (Solana CLI JSON format)."),
]
ProgramIdOption = Annotated[
    str | None,
    typer.Option(
        "--program-id",
        "-p",
        help="The sessions program's address or keypair file (default: the built-in id).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
