"""The ``sessions`` command: build, codegen, demo, bench, localnet, the operator commands, watch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from sessions_tools.ops.solana_config import Target

from sessions_tools.ops.options import (
    ConfigOption,
    JsonOption,
    KeypairOption,
    ProgramIdOption,
    UrlOption,
)

app = typer.Typer(
    help="Solana sessions: build the program, run the demo, benchmarks and a local validator.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="Rebuild even when up to date.")] = False,
    portable: Annotated[
        bool,
        typer.Option(
            help="Read sysvars with the per-sysvar syscalls (for runtimes without "
            "sol_get_sysvar): target/deploy/sessions-portable.so."
        ),
    ] = False,
) -> None:
    """Compile program/ to target/deploy/sessions.so (skipped when up to date)."""
    from sessions_tools.program_build import BuildVariant, build_sessions_program
    from sessions_tools.sbf import ToolchainError

    variant = BuildVariant.PORTABLE if portable else BuildVariant.DEFAULT
    try:
        result = build_sessions_program(force=force, variant=variant)
    except ToolchainError as exc:
        console.print(f"[red]build failed:[/] {exc}")
        raise typer.Exit(1) from exc
    state = "built" if result.rebuilt else "up to date"
    console.print(f"{result.path}: {state}, {result.size} bytes, sha256 {result.sha256[:16]}…")


@app.command()
def codegen(
    check: Annotated[
        bool, typer.Option(help="Only check that the committed files are current.")
    ] = False,
) -> None:
    """Regenerate idl/sessions.json and the program's layout headers from the schema."""
    from sessions_tools.codegen.artifacts import stale_artifacts, write_artifacts
    from sessions_tools.codegen.c_handler_docs import HandlerDocsError
    from sessions_tools.paths import repo_root

    root = repo_root()
    if root is None:
        console.print("[red]codegen needs a source checkout[/]")
        raise typer.Exit(2)
    if check:
        stale = stale_artifacts(root)
        if stale:
            console.print(f"[red]stale generated files:[/] {', '.join(stale)}")
            raise typer.Exit(1)
        console.print("generated files are current")
        return
    try:
        written = write_artifacts(root)
    except HandlerDocsError as exc:
        console.print(f"[red]handlers and spec disagree:[/] {exc}")
        raise typer.Exit(1) from exc
    for path in written:
        console.print(f"wrote {path.relative_to(root)}")


@app.command()
def demo() -> None:
    """Run a session's lifecycle in the embedded SVM, with events, errors and CU."""
    from sessions_tools.demo import run_demo

    run_demo(console)


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    section: Annotated[
        list[str] | None, typer.Option(help="Only these sections (repeatable).")
    ] = None,
) -> None:
    """Measure compute units, simulator, decode, cache and localnet throughput."""
    from sessions_tools.bench.run import run_benchmarks

    report = run_benchmarks(section)
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    console.print_json(json.dumps(report))


@app.command()
def localnet(
    config: Annotated[
        Path | None, typer.Option(help="localnet.toml to use (default: ./localnet.toml).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Override the configured port.")] = None,
    validator: Annotated[
        str, typer.Option(help="'embedded' (the SVM over JSON-RPC) or 'test-validator'.")
    ] = "embedded",
) -> None:
    """Serve the embedded SVM over Solana JSON-RPC on 127.0.0.1."""
    from sessions_tools.localnet.command import run_localnet

    raise typer.Exit(run_localnet(config, port, validator, console))


@app.command()
def deploy(
    so: Annotated[
        Path | None, typer.Argument(help="The .so to deploy (default: build the program).")
    ] = None,
    *,
    portable: Annotated[
        bool, typer.Option(help="Build and deploy the portable variant (no sol_get_sysvar).")
    ] = False,
    program_id: Annotated[
        str | None,
        typer.Option(
            "--program-id",
            help="Program keypair file (created if missing; default "
            "target/deploy/sessions-keypair.json), or the address of a program to upgrade.",
        ),
    ] = None,
    buffer: Annotated[
        Path | None,
        typer.Option(
            help="Buffer keypair file, created if missing and kept: rerun with it to resume "
            "(default target/deploy/sessions-buffer.json)."
        ),
    ] = None,
    max_len: Annotated[
        int | None, typer.Option(help="Program data size limit (default: twice the program).")
    ] = None,
    url: UrlOption = None,
    keypair: KeypairOption = None,
    config: ConfigOption = None,
) -> None:
    """Deploy the program through the upgradeable loader, or upgrade it if it exists."""
    from sessions_tools.ops.deploy_command import DeployOptions, run_deploy
    from sessions_tools.ops.runner import run_command

    options = DeployOptions(so, portable, program_id, buffer, max_len)

    def operation(target: Target) -> Coroutine[Any, Any, object]:
        return run_deploy(target, options, console, err_console)

    raise typer.Exit(run_command(config, url, operation, keypair=keypair))


@app.command()
def show(
    address: Annotated[str, typer.Argument(help="The session account's address.")],
    as_json: JsonOption = False,
    program_id: ProgramIdOption = None,
    url: UrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Show one session as a table (or JSON)."""
    from sessions_tools.ops.runner import run_command
    from sessions_tools.ops.show import show_session

    def operation(target: Target) -> Coroutine[Any, Any, None]:
        return show_session(target, program_id, address, as_json=as_json, console=console)

    raise typer.Exit(run_command(config, url, operation))


@app.command(name="list")
def list_(
    *,
    owner: Annotated[str | None, typer.Option(help="Only sessions of this owner.")] = None,
    creator: Annotated[str | None, typer.Option(help="Only sessions this key created.")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only sessions in this state: requested, created, active, paused, expired."
        ),
    ] = None,
    as_json: JsonOption = False,
    program_id: ProgramIdOption = None,
    url: UrlOption = None,
    config: ConfigOption = None,
) -> None:
    """List the program's sessions (getProgramAccounts with memcmp filters)."""
    from sessions_tools.ops.listing import ListFilters, list_sessions
    from sessions_tools.ops.runner import run_command

    filters = ListFilters(owner=owner, creator=creator, status=status)

    def operation(target: Target) -> Coroutine[Any, Any, None]:
        return list_sessions(target, program_id, filters, as_json=as_json, console=console)

    raise typer.Exit(run_command(config, url, operation))


@app.command()
def logs(
    signature: Annotated[str, typer.Argument(help="The transaction's signature.")],
    as_json: JsonOption = False,
    program_id: ProgramIdOption = None,
    url: UrlOption = None,
    config: ConfigOption = None,
) -> None:
    """A transaction's sessions events and error names."""
    from sessions_tools.ops.logs import show_logs
    from sessions_tools.ops.runner import run_command

    def operation(target: Target) -> Coroutine[Any, Any, None]:
        return show_logs(target, program_id, signature, as_json=as_json, console=console)

    raise typer.Exit(run_command(config, url, operation))


@app.command()
def watch(
    *,
    count: Annotated[
        int | None, typer.Option(help="Stop after this many events (default: run until Ctrl-C).")
    ] = None,
    ws: Annotated[
        str | None,
        typer.Option("--ws", help="PubSub URL (default: the RPC URL's, port + 1 as the CLI does)."),
    ] = None,
    as_json: JsonOption = False,
    program_id: ProgramIdOption = None,
    url: UrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Print the program's events as they happen (logsSubscribe), and its errors by name."""
    from sessions_tools.ops.runner import run_command
    from sessions_tools.watch import watch_events

    def operation(target: Target) -> Coroutine[Any, Any, None]:
        return watch_events(
            target, program_id, ws_url=ws, count=count, as_json=as_json, console=console
        )

    raise typer.Exit(run_command(config, url, operation))


def main() -> None:  # pragma: no cover - console script shim
    app()
