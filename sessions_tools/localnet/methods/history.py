"""History reads: getSignatureStatuses, getTransaction, getSignaturesForAddress."""

from __future__ import annotations

from typing import Final

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.methods.common import check_min_context_slot, with_context
from sessions_tools.localnet.methods.render import meta_json, signature_info_json, status_json
from sessions_tools.localnet.params import Config, Params, as_signature
from sessions_tools.localnet.rpc_errors import (
    JsonValue,
    invalid_params,
    unsupported_transaction_version,
)
from sessions_tools.localnet.transactions import encode_transaction, transaction_version

MAX_SIGNATURE_STATUSES: Final = 256
MAX_SIGNATURES_FOR_ADDRESS: Final = 1000
TRANSACTION_RESPONSE_ENCODINGS: Final = ("json", "jsonParsed", "base64", "base58")


def require_confirmed(config: Config) -> None:
    """History answers come from confirmed blocks: ``processed`` is refused, as on a validator."""
    if config.commitment() == "processed":
        raise invalid_params(
            f"{config.where}.commitment: method does not support commitment below `confirmed`"
        )


async def get_signature_statuses(ledger: Chain, params: Params) -> JsonValue:
    """getSignatureStatuses; every landed transaction is finalized immediately."""
    params.at_most(2)
    raw = params.array(0, "signatures")
    where = params.where(0, "signatures")
    if len(raw) > MAX_SIGNATURE_STATUSES:
        raise invalid_params(f"{where}: too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
    signatures = [as_signature(item, f"{where}[{index}]") for index, item in enumerate(raw)]
    params.config(1).boolean("searchTransactionHistory", default=False)
    observed = await ledger.statuses(signatures)
    return with_context(
        observed.slot,
        [None if record is None else status_json(record) for record in observed.value],
    )


async def get_transaction(ledger: Chain, params: Params) -> JsonValue:
    """getTransaction in json, jsonParsed, base64 or base58 encoding."""
    params.at_most(2)
    signature = params.signature(0)
    second = params.optional(1)
    if isinstance(second, str):  # legacy form: the encoding alone
        config = Config(params.where(1, "encoding"), {"encoding": second})
    else:
        config = params.config(1)
    require_confirmed(config)
    encoding = config.choice("encoding", TRANSACTION_RESPONSE_ENCODINGS, "json")
    max_version = config.u64("maxSupportedTransactionVersion")
    record = await ledger.transaction(signature)
    if record is None:
        return None
    version = transaction_version(record.transaction)
    if version is not None and (max_version is None or version > max_version):
        raise unsupported_transaction_version(version)
    response: dict[str, JsonValue] = {
        "slot": record.slot,
        "transaction": encode_transaction(record.transaction, encoding, record.loaded),
        "meta": meta_json(record, parsed=encoding == "jsonParsed"),
        "blockTime": record.block_time,
    }
    if max_version is not None:
        response["version"] = "legacy" if version is None else version
    return response


async def get_signatures_for_address(ledger: Chain, params: Params) -> JsonValue:
    """getSignaturesForAddress, newest first, with limit/before/until."""
    params.at_most(2)
    address = params.pubkey(0, "address")
    config = params.config(1)
    require_confirmed(config)
    limit = config.u64("limit")
    if limit is None:
        limit = MAX_SIGNATURES_FOR_ADDRESS
    if not 1 <= limit <= MAX_SIGNATURES_FOR_ADDRESS:
        raise invalid_params(
            f"{config.where}.limit: must be between 1 and {MAX_SIGNATURES_FOR_ADDRESS}"
        )
    before = config.get("before")
    until = config.get("until")
    records = await ledger.signatures_for_address(
        address,
        limit=limit,
        before=None if before is None else as_signature(before, f"{config.where}.before"),
        until=None if until is None else as_signature(until, f"{config.where}.until"),
    )
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return [signature_info_json(record) for record in records]
