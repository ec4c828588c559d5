"""What ``sessions localnet`` runs: load the toml, then serve it embedded or on the real validator.

Kept here rather than in the top-level CLI so the command stays a thin
wrapper and this logic is testable without Typer. Returns process exit
codes: 0 on a clean stop, 1 when the server cannot run, 2 for a bad config.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sessions_tools.localnet.config import LocalnetConfig, LocalnetConfigError, load_config
from sessions_tools.localnet.server import serve
from sessions_tools.localnet.validator import TestValidatorNotFoundError, run_test_validator

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_CONFIG: Final = Path("localnet.toml")
VALIDATORS: Final = ("embedded", "test-validator")


def build_named_program(name: str) -> Path:
    """The build resolver for ``build = "..."`` entries; only the sessions program is known."""
    if name != "sessions":
        raise ValueError(f"unknown program to build: {name!r} (known: 'sessions')")
    from sessions_tools.program_build import build_sessions_program

    return build_sessions_program().path


def resolve_config(path: Path | None) -> LocalnetConfig:
    """The explicit file, else ./localnet.toml if present, else the defaults."""
    if path is None and not DEFAULT_CONFIG.is_file():
        return LocalnetConfig()
    return load_config(path or DEFAULT_CONFIG, build=build_named_program)


def run_localnet(config: Path | None, port: int | None, validator: str, console: Console) -> int:
    """Run until interrupted; see the module docstring for the exit codes."""
    if validator not in VALIDATORS:
        console.print(f"[red]unknown validator {validator!r}; use one of {', '.join(VALIDATORS)}")
        return 2
    try:
        settings = resolve_config(config)
    except LocalnetConfigError as exc:
        console.print(f"[red]localnet config error[/red] {exc}")
        return 2
    for program in settings.programs:
        console.print(f"program {program.name}: {program.program_id} <- {program.so_path}")
    if settings.accounts:
        console.print(f"{len(settings.accounts)} preloaded account(s)")
    if validator == "test-validator":
        try:
            return run_test_validator(settings, port=port)
        except TestValidatorNotFoundError as exc:
            console.print(f"[red]{exc}")
            return 1
    try:
        serve(
            settings,
            port=port,
            announce=lambda url, ws_url, identity: console.print(
                f"sessions localnet: JSON-RPC on {url}, PubSub on {ws_url}, identity {identity}"
            ),
        )
    except LocalnetConfigError as exc:
        console.print(f"[red]localnet config error[/red] {exc}")
        return 2
    except OSError as exc:
        console.print(f"[red]cannot serve: {exc}")
        return 1
    except KeyboardInterrupt:
        pass
    return 0
