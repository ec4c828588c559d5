"""Confirming transactions and reading their outcome from an RPC endpoint.

A transaction fails in one of two places: in the endpoint's preflight
simulation (sendTransaction answers JSON-RPC error -32002 whose ``data`` is
the simulation result, ``err`` and ``logs`` included), or on chain (the
signature status and getTransaction's ``meta.err``). All three answers are
read by solders' typed responses (SendTransactionPreflightFailure's
``RpcSimulateTransactionResult``, GetSignatureStatusesResp, GetTransactionResp),
so the runtime's error arrives typed, e.g.
``TransactionErrorInstructionError(0, InstructionErrorCustom(6022))``;
:func:`transaction_failure` turns it into
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
from typing import Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionConfig
from solders.rpc.requests import GetSignatureStatuses, GetTransaction
from solders.rpc.responses import GetSignatureStatusesResp, GetTransactionResp
from solders.signature import Signature
from solders.transaction_status import (
    EncodedConfirmedTransactionWithStatusMeta,
    InstructionErrorBorshIO,
    InstructionErrorCustom,
    InstructionErrorType,
    TransactionConfirmationStatus,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorType,
    TransactionStatus,
    UiTransactionEncoding,
)

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
    PREFLIGHT_FAILURE,
    Commitment,
    RpcCaller,
    commitment_level,
)

#: A transaction error meaning our exact (signed, hence unique) transaction already landed.
ALREADY_PROCESSED: Final = TransactionErrorFieldless.AlreadyProcessed
#: solders' confirmation statuses in rank order (they are not hashable: no dict).
_CONFIRMATIONS: Final = (
    TransactionConfirmationStatus.Processed,
    TransactionConfirmationStatus.Confirmed,
    TransactionConfirmationStatus.Finalized,
)


@dataclass(frozen=True, slots=True)
class ConfirmedTransaction:
    """A transaction as getTransaction reports it."""

    signature: Signature
    slot: int
    #: The runtime's error (solders' typed form); None when the transaction succeeded.
    err: TransactionErrorType | None
    logs: tuple[str, ...]
    #: ``meta.computeUnitsConsumed``; None if the endpoint does not report it.
    compute_units: int | None
    fee: int
    block_time: int | None


def _variant_name(value: object) -> str:
    """``InvalidArgument`` for solders' ``InstructionErrorFieldless.InvalidArgument``."""
    return str(value).rpartition(".")[2]


def _instruction_error_json(err: InstructionErrorType) -> object:
    if isinstance(err, InstructionErrorCustom):
        return {"Custom": err.code}
    if isinstance(err, InstructionErrorBorshIO):
        return {"BorshIoError": err.value}
    return _variant_name(err)


def error_json(err: TransactionErrorType) -> object:
    """The runtime's error in its JSON form: ``{"InstructionError": [0, {"Custom": 6022}]}``."""
    if isinstance(err, TransactionErrorFieldless):
        return _variant_name(err)
    if isinstance(err, TransactionErrorInstructionError):
        return {"InstructionError": [err.index, _instruction_error_json(err.err)]}
    # DuplicateInstruction, InsufficientFundsForRent, ProgramExecutionTemporarilyRestricted
    return {type(err).__name__.removeprefix("TransactionError"): json.loads(err.to_json())}


def describe_error(err: TransactionErrorType) -> str:
    """Compact text for a transaction error: its name, or its JSON form."""
    form = error_json(err)
    return form if isinstance(form, str) else json.dumps(form, separators=(",", ":"))


def custom_error(err: TransactionErrorType | None) -> tuple[int, int] | None:
    """(instruction index, code) of an ``InstructionError(index, Custom(code))``; else None."""
    if isinstance(err, TransactionErrorInstructionError) and isinstance(
        err.err, InstructionErrorCustom
    ):
        return err.index, err.err.code
    return None


def transaction_failure(
    err: TransactionErrorType,
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
    custom = custom_error(err)
    if custom is not None:
        index, raw_code = custom
        if 0 <= index < len(instructions) and instructions[index].program_id == program_id:
            code = error_from_code(raw_code)
            if code is not None:
                return SessionsProgramError(code, log_tuple)
    return TransactionFailedError(f"{context}: {describe_error(err)}", log_tuple)


def preflight_failure(
    error: RpcResponseError, instructions: Sequence[Instruction], program_id: Pubkey
) -> SessionsClientError | None:
    """The typed failure inside a sendTransaction error answer; None if it is not one.

    Returns None for ``AlreadyProcessed`` too: the caller treats that as sent.
    """
    simulation = error.simulation
    if error.code != PREFLIGHT_FAILURE or simulation is None:
        return None
    err = simulation.err
    if err is None or err == ALREADY_PROCESSED:
        return None
    logs = simulation.logs or []
    return transaction_failure(err, logs, instructions, program_id, error.rpc_message)


def is_already_processed(error: RpcResponseError) -> bool:
    return (
        error.code == PREFLIGHT_FAILURE
        and error.simulation is not None
        and error.simulation.err == ALREADY_PROCESSED
    )


def _status_rank(status: TransactionStatus) -> int:
    confirmation = status.confirmation_status
    if confirmation is None:
        # Old nodes: ``confirmations`` null means rooted (finalized).
        return COMMITMENT_RANK["finalized"] if status.confirmations is None else 0
    return _CONFIRMATIONS.index(confirmation)


async def wait_for_signature(
    rpc: RpcCaller,
    signature: Signature,
    commitment: Commitment,
    *,
    timeout: float,
    poll_interval: float,
) -> TransactionErrorType | None:
    """Poll getSignatureStatuses until ``signature`` reaches ``commitment``.

    Returns the status's ``err`` (None for success); raises RpcTimeoutError when
    it does not get there within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    wanted = COMMITMENT_RANK[commitment]
    while True:
        answer = await rpc.send(GetSignatureStatuses([signature]), GetSignatureStatusesResp)
        statuses = answer.value
        if len(statuses) != 1:
            raise MalformedRpcResponseError(
                f"getSignatureStatuses result.value: expected 1 status, got {len(statuses)}"
            )
        status = statuses[0]
        if status is not None and _status_rank(status) >= wanted:
            return status.err
        if time.monotonic() >= deadline:
            raise RpcTimeoutError(
                f"transaction {signature} did not reach {commitment} within {timeout:g} s"
            )
        await asyncio.sleep(poll_interval)


def parse_transaction(
    record: EncodedConfirmedTransactionWithStatusMeta, signature: Signature
) -> ConfirmedTransaction:
    """The outcome of a getTransaction record (solders' typed form)."""
    meta = record.transaction.meta
    if meta is None:
        raise MalformedRpcResponseError(f"getTransaction {signature}: the record has no meta")
    return ConfirmedTransaction(
        signature=signature,
        slot=record.slot,
        err=meta.err,
        logs=tuple(meta.log_messages or ()),
        compute_units=meta.compute_units_consumed,
        fee=meta.fee,
        block_time=record.block_time,
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
    answer = await rpc.send(GetTransaction(signature, config), GetTransactionResp)
    if answer.value is None:
        raise TransactionNotFoundError(f"no transaction {signature} at {commitment}")
    return parse_transaction(answer.value, signature)


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
