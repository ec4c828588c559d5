"""``sessions logs SIGNATURE``: a transaction's sessions events and its error by name.

The node returns the raw runtime error (``{"InstructionError": [0, {"Custom": 6013}]}``)
and log lines; this command names what they mean in the program's schema: each
``Program data:`` line the sessions program logged becomes its typed event, and a
custom error code raised by the sessions program becomes its ``ErrorCode`` name and
message. A custom code counts as ours only when the sessions program is the one that
failed (the failing top-level instruction, or the innermost failure in the logs when a
caller invoked it by CPI): another program's code 6013 is not ``Unauthorized``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Final

from rich.console import Console, Group
from rich.table import Table
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionConfig
from solders.rpc.requests import GetTransaction
from solders.rpc.responses import GetTransactionResp
from solders.signature import Signature
from solders.transaction_status import (
    EncodedConfirmedTransactionWithStatusMeta,
    TransactionErrorType,
    UiRawMessage,
    UiTransaction,
    UiTransactionEncoding,
)

from sessions_client.confirm import (
    ConfirmedTransaction,
    custom_error,
    describe_error,
    error_json,
    parse_transaction,
)
from sessions_client.errors import ErrorCode, error_from_code
from sessions_client.events import Event, parse_events
from sessions_client.exceptions import MalformedRpcResponseError, TransactionNotFoundError
from sessions_client.rpc import commitment_level
from sessions_tools.ops.display import readable_rows, timestamp, to_json
from sessions_tools.ops.keypairs import parse_signature
from sessions_tools.ops.session_client import open_client, program_address
from sessions_tools.ops.solana_config import Target

_FAILED_WITH_CODE: Final = re.compile(
    r"^Program (\S+) failed: custom program error: 0x([0-9a-fA-F]+)$"
)


@dataclass(frozen=True, slots=True)
class ProgramFailure:
    """The sessions program's own error in a failed transaction."""

    code: ErrorCode
    #: The top-level instruction that failed.
    instruction: int


@dataclass(frozen=True, slots=True)
class TransactionReport:
    record: ConfirmedTransaction
    #: Programs of the top-level instructions, in order.
    programs: tuple[Pubkey, ...]
    events: tuple[Event, ...]
    failure: ProgramFailure | None


def top_level_programs(record: EncodedConfirmedTransactionWithStatusMeta) -> tuple[Pubkey, ...]:
    """The program id of each top-level instruction (static keys: programs are never looked up)."""
    where = "getTransaction result.transaction"
    transaction = record.transaction.transaction
    if not isinstance(transaction, UiTransaction) or not isinstance(
        transaction.message, UiRawMessage
    ):
        raise MalformedRpcResponseError(
            f"{where}: expected the json encoding, got {type(transaction).__name__}"
        )
    keys = transaction.message.account_keys
    programs = []
    for i, instruction in enumerate(transaction.message.instructions):
        index = instruction.program_id_index
        if index >= len(keys):
            raise MalformedRpcResponseError(
                f"{where}.message.instructions[{i}].programIdIndex: no account key {index}"
            )
        programs.append(keys[index])
    return tuple(programs)


def _innermost_failure(logs: tuple[str, ...]) -> tuple[str, int] | None:
    """(program, code) of the first ``failed: custom program error`` line (the innermost)."""
    for line in logs:
        match = _FAILED_WITH_CODE.match(line)
        if match:
            return match.group(1), int(match.group(2), 16)
    return None


def program_failure(
    err: TransactionErrorType | None,
    logs: tuple[str, ...],
    programs: tuple[Pubkey, ...],
    program_id: Pubkey,
) -> ProgramFailure | None:
    """Our ErrorCode in ``err``, when the sessions program is the one that raised it."""
    custom = custom_error(err)
    if custom is None:
        return None
    index, raw_code = custom
    code = error_from_code(raw_code)
    if code is None:
        return None
    ours_top_level = 0 <= index < len(programs) and programs[index] == program_id
    innermost = _innermost_failure(logs)
    ours_by_cpi = innermost == (str(program_id), int(code))
    return ProgramFailure(code, index) if ours_top_level or ours_by_cpi else None


async def fetch_report(
    target: Target, program_id: Pubkey, signature: Signature
) -> TransactionReport:
    history = "confirmed" if target.commitment == "processed" else target.commitment
    async with open_client(target, program_id) as client:
        config = RpcTransactionConfig(
            UiTransactionEncoding.Json,
            commitment=commitment_level(history),
            max_supported_transaction_version=0,
        )
        answer = await client.request(GetTransaction(signature, config), GetTransactionResp)
    if answer.value is None:
        raise TransactionNotFoundError(f"no transaction {signature} at {history} on {target.url}")
    record = parse_transaction(answer.value, signature)
    programs = top_level_programs(answer.value)
    return TransactionReport(
        record=record,
        programs=programs,
        events=tuple(parse_events(record.logs, program_id)),
        failure=program_failure(record.err, record.logs, programs, program_id),
    )


def error_text(report: TransactionReport) -> str:
    if report.record.err is None:
        return "none (succeeded)"
    if report.failure is not None:
        code = report.failure.code
        return (
            f"{code.pascal_name} ({int(code)}): {code.message} "
            f"[instruction {report.failure.instruction}]"
        )
    return describe_error(report.record.err)


def report_json(report: TransactionReport) -> dict[str, Any]:
    record = report.record
    failure = report.failure
    return {
        "signature": str(record.signature),
        "slot": record.slot,
        "block_time": record.block_time,
        "compute_units": record.compute_units,
        "fee": record.fee,
        "err": None if record.err is None else error_json(record.err),
        "error": None
        if failure is None
        else {
            "code": int(failure.code),
            "name": failure.code.pascal_name,
            "message": failure.code.message,
            "instruction": failure.instruction,
        },
        "events": [{"name": type(e).__name__, "fields": to_json(e)} for e in report.events],
        "logs": list(record.logs),
    }


def report_view(report: TransactionReport) -> Group:
    record = report.record
    summary = Table(title="Transaction", show_header=False)
    summary.add_column("field", no_wrap=True)
    summary.add_column("value", overflow="fold")
    summary.add_row("signature", str(record.signature))
    summary.add_row("slot", str(record.slot))
    summary.add_row(
        "block time", "-" if record.block_time is None else timestamp(record.block_time)
    )
    summary.add_row("status", "failed" if record.err is not None else "succeeded")
    summary.add_row("error", error_text(report))
    summary.add_row(
        "compute units", "-" if record.compute_units is None else str(record.compute_units)
    )
    summary.add_row("fee", f"{record.fee} lamports")
    summary.add_row("programs", ", ".join(str(p) for p in report.programs))
    events = Table(title=f"{len(report.events)} sessions event(s)", header_style="bold")
    events.add_column("#")
    events.add_column("event", no_wrap=True)
    events.add_column("fields", overflow="fold")
    for index, event in enumerate(report.events):
        fields = ", ".join(f"{name}={value}" for name, value in readable_rows(event))
        events.add_row(str(index), type(event).__name__, fields)
    return Group(summary, events)


async def show_logs(
    target: Target, program_id: str | None, signature_text: str, *, as_json: bool, console: Console
) -> None:
    signature = parse_signature(signature_text)
    report = await fetch_report(target, program_address(program_id), signature)
    if as_json:
        sys.stdout.write(json.dumps(report_json(report)) + "\n")
    else:
        console.print(report_view(report))
