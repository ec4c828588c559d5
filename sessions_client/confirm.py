"""Confirming transactions and reading their outcome from an RPC endpoint.

A transaction fails in one of two places: in the endpoint's preflight
simulation (sendTransaction answers JSON-RPC error -32002 whose ``data`` is
the simulation result, ``err`` and ``logs`` included), or on chain (the
signature status and getTransaction's ``meta.err``). Both carry the runtime's
error in serde's JSON form, e.g. ``{"InstructionError": [0, {"Custom": 6022}]}``;
:func:`transaction_failure` turns either into
:class:`~sessions_client.errors.SessionsProgramError` when the failing
instruction is the sessions program's and the code is one of its codes, and
into :class:`~sessions_client.exceptions.TransactionFailedError` otherwise.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionConfig
from solders.rpc.requests import GetSignatureStatuses, GetTransaction
from solders.signature import Signature
from solders.transaction_status import UiTransactionEncoding

from sessions_client.errors import SessionsProgramError, error_from_code
from sessions_client.exceptions import (
    MalformedRpcResponseError,
    RpcResponseError,
    RpcTimeoutError,
    SessionsClientError,
    TransactionFailedError,
    TransactionNotFoundError,
)
from sessions_client.rpc import (
    COMMITMENT_RANK,
    Commitment,
    RpcCaller,
    commitment_level,
    context_value,
    expect_dict,
    expect_int,
    expect_list,
    expect_str,
    member,
)

#: JSON-RPC error code of a failed preflight simulation.
PREFLIGHT_FAILURE: Final = -32002
#: A transaction error meaning our exact (signed, hence unique) transaction already landed.
ALREADY_PROCESSED: Final = "AlreadyProcessed"


@dataclass(frozen=True, slots=True)
class ConfirmedTransaction:
    """A transaction as getTransaction reports it."""

    signature: Signature
    slot: int
    #: The runtime's error in JSON form; None when the transaction succeeded.
    err: object
    logs: tuple[str, ...]
    #: ``meta.computeUnitsConsumed``; None if the endpoint does not report it.
    compute_units: int | None
    fee: int
    block_time: int | None


def describe_error(err: object) -> str:
    """Compact text for a transaction error in its JSON form."""
    return err if isinstance(err, str) else json.dumps(err, separators=(",", ":"))


def transaction_failure(
    err: object,
    logs: Sequence[str],
    instructions: Sequence[Instruction],
    program_id: Pubkey,
    context: str,
) -> SessionsClientError:
    """The typed exception for transaction error ``err`` (preflight or confirmed).

    A ``Custom`` code maps to :class:`SessionsProgramError` only when the
    failing instruction invoked ``program_id`` and the code is one of ours:
    another program's custom error 6000 is not SessionNotFound.
    """
    log_tuple = tuple(logs)
    if isinstance(err, dict) and len(err) == 1 and "InstructionError" in err:
        detail = err["InstructionError"]
        if (
            isinstance(detail, list)
            and len(detail) == 2
            and isinstance(detail[0], int)
            and 0 <= detail[0] < len(instructions)
            and instructions[detail[0]].program_id == program_id
            and isinstance(detail[1], dict)
            and isinstance(detail[1].get("Custom"), int)
        ):
            code = error_from_code(detail[1]["Custom"])
            if code is not None:
                return SessionsProgramError(code, log_tuple)
    return TransactionFailedError(f"{context}: {describe_error(err)}", log_tuple)


def preflight_failure(
    error: RpcResponseError, instructions: Sequence[Instruction], program_id: Pubkey
) -> SessionsClientError | None:
    """The typed failure inside a sendTransaction error answer; None if it is not one.

    Returns None for ``AlreadyProcessed`` too: the caller treats that as sent.
    """
    if error.code != PREFLIGHT_FAILURE or not isinstance(error.data, dict):
        return None
    err = error.data.get("err")
    if err is None or err == ALREADY_PROCESSED:
        return None
    raw_logs = error.data.get("logs")
    logs = (
        [line for line in raw_logs if isinstance(line, str)] if isinstance(raw_logs, list) else []
    )
    return transaction_failure(err, logs, instructions, program_id, error.rpc_message)


def is_already_processed(error: RpcResponseError) -> bool:
    return (
        error.code == PREFLIGHT_FAILURE
        and isinstance(error.data, dict)
        and error.data.get("err") == ALREADY_PROCESSED
    )


def _status_rank(status: dict[str, Any], where: str) -> int:
    confirmation = status.get("confirmationStatus")
    if confirmation is None:
        # Old nodes: ``confirmations`` null means rooted (finalized).
        return COMMITMENT_RANK["finalized"] if status.get("confirmations") is None else 0
    text = expect_str(confirmation, f"{where}.confirmationStatus")
    if text not in COMMITMENT_RANK:
        raise MalformedRpcResponseError(f"{where}.confirmationStatus: unknown commitment {text!r}")
    return COMMITMENT_RANK[text]


async def wait_for_signature(
    rpc: RpcCaller,
    signature: Signature,
    commitment: Commitment,
    *,
    timeout: float,
    poll_interval: float,
) -> object:
    """Poll getSignatureStatuses until ``signature`` reaches ``commitment``.

    Returns the status's ``err`` (None for success); raises RpcTimeoutError when
    it does not get there within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    wanted = COMMITMENT_RANK[commitment]
    where = "getSignatureStatuses result.value[0]"
    while True:
        result = await rpc.send(GetSignatureStatuses([signature]))
        statuses = expect_list(
            context_value(result, "getSignatureStatuses result"),
            "getSignatureStatuses result.value",
        )
        if len(statuses) != 1:
            raise MalformedRpcResponseError(
                f"getSignatureStatuses result.value: expected 1 status, got {len(statuses)}"
            )
        status = statuses[0]
        if status is not None:
            entry = dict(expect_dict(status, where))
            if _status_rank(entry, where) >= wanted:
                return entry.get("err")
        if time.monotonic() >= deadline:
            raise RpcTimeoutError(
                f"transaction {signature} did not reach {commitment} within {timeout:g} s"
            )
        await asyncio.sleep(poll_interval)


def parse_transaction(result: object, signature: Signature) -> ConfirmedTransaction:
    """Read a getTransaction result (``json`` encoding)."""
    where = "getTransaction result"
    body = expect_dict(result, where)
    slot = expect_int(member(body, "slot", where), f"{where}.slot")
    meta = expect_dict(member(body, "meta", where), f"{where}.meta")
    raw_logs = meta.get("logMessages")
    logs = tuple(
        expect_str(line, f"{where}.meta.logMessages[{index}]")
        for index, line in enumerate(
            expect_list(raw_logs, f"{where}.meta.logMessages") if raw_logs is not None else []
        )
    )
    raw_units = meta.get("computeUnitsConsumed")
    units = (
        None if raw_units is None else expect_int(raw_units, f"{where}.meta.computeUnitsConsumed")
    )
    fee = expect_int(member(meta, "fee", f"{where}.meta"), f"{where}.meta.fee")
    raw_time = body.get("blockTime")
    block_time = None if raw_time is None else expect_int(raw_time, f"{where}.blockTime")
    return ConfirmedTransaction(
        signature=signature,
        slot=slot,
        err=meta.get("err"),
        logs=logs,
        compute_units=units,
        fee=fee,
        block_time=block_time,
    )


def _history_commitment(commitment: Commitment) -> Commitment:
    # getTransaction does not serve "processed".
    return "confirmed" if commitment == "processed" else commitment


async def get_transaction(
    rpc: RpcCaller, signature: Signature, commitment: Commitment
) -> ConfirmedTransaction:
    """One getTransaction; TransactionNotFoundError if the endpoint has no record."""
    config = RpcTransactionConfig(
        UiTransactionEncoding.Json,
        commitment=commitment_level(_history_commitment(commitment)),
        max_supported_transaction_version=0,
    )
    result = await rpc.send(GetTransaction(signature, config))
    if result is None:
        raise TransactionNotFoundError(f"no transaction {signature} at {commitment}")
    return parse_transaction(result, signature)


async def wait_for_transaction(
    rpc: RpcCaller,
    signature: Signature,
    commitment: Commitment,
    *,
    timeout: float,
    poll_interval: float,
) -> ConfirmedTransaction:
    """getTransaction, polled until the endpoint serves it (history may lag the status)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await get_transaction(rpc, signature, commitment)
        except TransactionNotFoundError:
            if time.monotonic() >= deadline:
                raise RpcTimeoutError(
                    f"transaction {signature} confirmed but not served by getTransaction "
                    f"within {timeout:g} s"
                ) from None
        await asyncio.sleep(poll_interval)
