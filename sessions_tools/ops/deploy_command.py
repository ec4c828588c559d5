"""The ``sessions deploy`` command around :func:`~.deploy.deploy_program`: files, progress, output.

Defaults follow the Solana CLI's habits: the program keypair is
``target/deploy/sessions-keypair.json`` (created on the first deployment, like
``cargo build-sbf`` does), the buffer keypair ``target/deploy/sessions-buffer.json``
(created when missing and kept, so an interrupted run resumes by running the same
command again). With no .so given, the program is built first (``--portable``
selects that build).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client.exceptions import RpcError
from sessions_tools.ops.keypairs import load_or_create_keypair, read_keypair
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.ops.rpc_deploy import DeployReport, DeployRequest, deploy_program
from sessions_tools.ops.runner import describe_failure
from sessions_tools.ops.session_client import open_client
from sessions_tools.ops.solana_config import Target

PROGRAM_KEYPAIR_NAME = "sessions-keypair.json"
BUFFER_KEYPAIR_NAME = "sessions-buffer.json"


@dataclass(frozen=True, slots=True)
class DeployOptions:
    """The command line of ``sessions deploy``, before any file is read."""

    so: Path | None
    portable: bool
    program_id: str | None
    buffer: Path | None
    max_len: int | None


class RichProgress:
    """A rich progress bar over the buffer writes (on stderr, so stdout stays for results)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("writing buffer"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,  # gone once done: the summary lines (or one error line) follow
            disable=not console.is_terminal,  # no redraw frames in logs and pipes
        )
        self._task = self._progress.add_task("write", total=None)
        self._started = False

    def begin(self, total: int, present: int) -> None:
        """Shown from here on: the checks before the writes print nothing unless they fail."""
        self._progress.update(self._task, total=total, completed=present)
        self._progress.start()
        self._started = True

    def advance(self) -> None:
        self._progress.advance(self._task)

    @property
    def started(self) -> bool:
        """Whether the writes began (so an interruption left a partly written buffer)."""
        return self._started

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._started:
            self._progress.stop()


def program_bytes(options: DeployOptions) -> tuple[Path, bytes]:
    """The .so to deploy: the given file, or the (portable) build, built if stale."""
    if options.so is not None:
        try:
            return options.so, options.so.read_bytes()
        except OSError as exc:
            raise OperatorError(f"cannot read program file {options.so}: {exc.strerror}") from exc
    from sessions_tools.program_build import BuildVariant, build_sessions_program
    from sessions_tools.sbf import ToolchainError

    variant = BuildVariant.PORTABLE if options.portable else BuildVariant.DEFAULT
    try:
        built = build_sessions_program(variant=variant)
    except ToolchainError as exc:
        raise OperatorError(f"building the program failed: {str(exc).splitlines()[0]}") from exc
    return built.path, built.path.read_bytes()


def program_signer(text: str | None, directory: Path) -> tuple[Keypair | Pubkey, Path | None]:
    """``--program-id``: a keypair file or an address; the file's path when it was just created.

    A missing keypair file (the default one, or a named ``.json``) is created: that is how a
    first deployment gets its program address.
    """
    if text is None:
        path = directory / PROGRAM_KEYPAIR_NAME
    else:
        path = Path(text).expanduser()
        if path.suffix != ".json" and not path.exists():
            try:
                return Pubkey.from_string(text), None
            except ValueError:
                raise OperatorError(
                    f"--program-id {text!r} is neither a keypair file nor a base58 address"
                ) from None
    keypair, created = load_or_create_keypair(path, "program keypair")
    return keypair, path if created else None


async def run_deploy(
    target: Target, options: DeployOptions, console: Console, progress_console: Console
) -> DeployReport:
    """Resolve the files, deploy with a progress bar, print the program id and slot."""
    if options.max_len is not None and options.max_len <= 0:
        raise OperatorError("--max-len must be positive")
    payer = read_keypair(target.keypair_path)
    so_path, so = program_bytes(options)
    program, created = program_signer(options.program_id, so_path.parent)
    buffer_path = options.buffer or so_path.parent / BUFFER_KEYPAIR_NAME
    buffer, _ = load_or_create_keypair(buffer_path, "buffer keypair")
    if created is not None:
        console.print(f"new program keypair saved to {created}")
    request = DeployRequest(so, program, buffer, max_data_len=options.max_len)
    console.print(f"deploying {so_path} ({len(so)} bytes) to {target.url}, buffer {buffer_path}")
    async with open_client(target, request.program_id) as client:
        with RichProgress(progress_console) as progress:
            try:
                report = await deploy_program(client, payer, request, progress)
            except RpcError as exc:
                if not progress.started:
                    raise
                raise OperatorError(
                    f"{describe_failure(exc, target)} (the buffer keeps what was written: "
                    f"run the same command again with --buffer {buffer_path} to resume)"
                ) from exc
    if report.extended_by:
        console.print(f"program data extended by {report.extended_by} bytes")
    action = "Upgraded" if report.upgraded else "Deployed"
    console.print(
        f"{action}: {report.written} chunk(s) written, {report.present} already in the buffer"
    )
    console.print(f"Program Id: {report.program_id}")
    console.print(f"Slot: {report.slot}")
    console.print(f"Signature: {report.signature}")
    return report
