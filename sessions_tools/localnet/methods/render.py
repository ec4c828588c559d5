"""JSON for ledger records: statuses, transaction metas and simulation results.

Kept apart from the handlers because getTransaction, getSignatureStatuses,
getSignaturesForAddress, simulateTransaction and the preflight error of
sendTransaction all show the same facts and must show them the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from solders.pubkey import Pubkey
from solders.transaction_metadata import InnerInstruction
from solders.transaction_status import TransactionReturnData

from sessions_tools.localnet.chain import Execution, Simulation, TransactionRecord
from sessions_tools.localnet.encoding import AccountEncoding, encode_account
from sessions_tools.localnet.rpc_errors import JsonValue
from sessions_tools.localnet.transactions import (
    compiled_instruction_json,
    jsonparsed_instruction_json,
)
from sessions_tools.localnet.txerrors import transaction_error_json


def error_json(execution: Execution) -> JsonValue:
    """The ``err`` member: ``null`` on success."""
    return None if execution.err is None else transaction_error_json(execution.err)


def status_json(record: TransactionRecord) -> dict[str, JsonValue]:
    """One getSignatureStatuses entry; everything here is final once it lands."""
    err = error_json(record.execution)
    return {
        "slot": record.slot,
        "confirmations": None,
        "err": err,
        "status": {"Ok": None} if err is None else {"Err": err},
        "confirmationStatus": "finalized",
    }


def signature_info_json(record: TransactionRecord) -> dict[str, JsonValue]:
    """One getSignaturesForAddress entry."""
    return {
        "signature": str(record.signature),
        "slot": record.slot,
        "err": error_json(record.execution),
        "memo": None,
        "blockTime": record.block_time,
        "confirmationStatus": "finalized",
    }


def return_data_json(return_data: TransactionReturnData | None) -> JsonValue:
    """``returnData``: program id and base64 bytes, or ``null``."""
    if return_data is None:
        return None
    return {
        "programId": str(return_data.program_id),
        "data": [base64.b64encode(bytes(return_data.data)).decode("ascii"), "base64"],
    }


def inner_instructions_json(
    groups: Sequence[Sequence[InnerInstruction]], keys: Sequence[Pubkey] | None
) -> list[JsonValue]:
    """``innerInstructions``: one entry per top-level instruction that made CPIs.

    With ``keys`` the instructions name accounts by address (jsonParsed),
    otherwise by index into the transaction's account keys.
    """
    rendered: list[JsonValue] = []
    for index, group in enumerate(groups):
        if not group:
            continue
        instructions = [
            compiled_instruction_json(inner.instruction(), inner.stack_height())
            if keys is None
            else jsonparsed_instruction_json(inner.instruction(), keys, inner.stack_height())
            for inner in group
        ]
        rendered.append({"index": index, "instructions": instructions})
    return rendered


def meta_json(record: TransactionRecord, *, parsed: bool) -> dict[str, JsonValue]:
    """getTransaction's ``meta`` member."""
    execution = record.execution
    err = error_json(execution)
    keys = None
    if parsed:
        message = record.transaction.message
        keys = (
            list(message.account_keys) + list(record.loaded.writable) + list(record.loaded.readonly)
        )
    meta: dict[str, JsonValue] = {
        "err": err,
        "status": {"Ok": None} if err is None else {"Err": err},
        "fee": execution.fee,
        "preBalances": list(record.pre_balances),
        "postBalances": list(record.post_balances),
        "innerInstructions": inner_instructions_json(execution.inner_instructions, keys),
        "logMessages": list(execution.logs),
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        "computeUnitsConsumed": execution.compute_units_consumed,
    }
    if not parsed:
        meta["loadedAddresses"] = record.loaded.to_json()
    if execution.return_data is not None:
        meta["returnData"] = return_data_json(execution.return_data)
    return meta


def simulation_json(
    simulation: Simulation,
    *,
    accounts_encoding: AccountEncoding | None,
    inner_instructions: bool,
) -> dict[str, JsonValue]:
    """simulateTransaction's value (and the ``data`` of a preflight failure).

    ``accounts_encoding`` is ``None`` when the caller asked for no accounts.
    """
    execution = simulation.execution
    accounts: JsonValue = None
    if accounts_encoding is not None:
        accounts = [
            None if account is None else encode_account(account, accounts_encoding)
            for _, account in simulation.accounts
        ]
    replacement: JsonValue = None
    if simulation.replacement_blockhash is not None:
        blockhash, last_valid = simulation.replacement_blockhash
        replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid}
    ran = simulation.executed
    return {
        "err": error_json(execution),
        "logs": list(execution.logs),
        "accounts": accounts,
        "unitsConsumed": execution.compute_units_consumed,
        "returnData": return_data_json(execution.return_data),
        "innerInstructions": (
            inner_instructions_json(execution.inner_instructions, None)
            if inner_instructions
            else None
        ),
        "replacementBlockhash": replacement,
        "fee": execution.fee if ran else None,
        "preBalances": list(simulation.pre_balances) if ran else None,
        "postBalances": (
            list(simulation.post_balances) if simulation.post_balances is not None else None
        ),
        "loadedAddresses": simulation.loaded.to_json() if ran else None,
    }
