"""Block reads: getBlock, getBlocks and getBlocksWithLimit (over the ledger's block store).

Answers follow the validator's: ``transactionDetails`` full / accounts /
signatures / none, ``encoding`` json / jsonParsed / base58 / base64,
``rewards`` (always empty here: no staking), ``maxSupportedTransactionVersion``
(a v0 transaction without it is refused with -32015, and with it every entry
carries ``version``). A slot without a block is "skipped" (-32007) when a
later block exists and "not available" (-32004) otherwise (the open head
slot, the future); a slot before genesis was never kept (-32001).
"""

from __future__ import annotations

from typing import Final

from sessions_tools.localnet.block_store import Block
from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.methods.history import (
    TRANSACTION_RESPONSE_ENCODINGS,
    require_confirmed,
)
from sessions_tools.localnet.methods.render import error_json, meta_json
from sessions_tools.localnet.params import Config, Params
from sessions_tools.localnet.rpc_errors import (
    JsonRpcError,
    JsonValue,
    RpcErrorCode,
    invalid_params,
    unsupported_transaction_version,
)
from sessions_tools.localnet.transactions import encode_transaction, transaction_version

MAX_BLOCK_RANGE: Final = 500_000
TRANSACTION_DETAILS: Final = ("full", "accounts", "signatures", "none")


def _entry(block: Block, encoding: str, details: str, max_version: int | None) -> JsonValue:
    record = block.record
    version = transaction_version(record.transaction)
    if version is not None and (max_version is None or version > max_version):
        raise unsupported_transaction_version(version)
    if details == "full":
        entry: dict[str, JsonValue] = {
            "transaction": encode_transaction(record.transaction, encoding, record.loaded),
            "meta": meta_json(record, parsed=encoding == "jsonParsed"),
        }
    else:  # accounts: the keys as jsonParsed names them, and the balance part of meta
        parsed = encode_transaction(record.transaction, "jsonParsed", record.loaded)
        assert isinstance(parsed, dict)
        message = parsed["message"]
        assert isinstance(message, dict)
        err = error_json(record.execution)
        entry = {
            "transaction": {
                "signatures": parsed["signatures"],
                "accountKeys": message["accountKeys"],
            },
            "meta": {
                "err": err,
                "status": {"Ok": None} if err is None else {"Err": err},
                "fee": record.execution.fee,
                "preBalances": list(record.pre_balances),
                "postBalances": list(record.post_balances),
                "preTokenBalances": [],
                "postTokenBalances": [],
            },
        }
    if max_version is not None:
        entry["version"] = "legacy" if version is None else version
    return entry


def _missing(slot: int, ledger: Chain, head: int, latest_block: list[int]) -> JsonRpcError:
    if slot < ledger.genesis_slot:
        return JsonRpcError(
            RpcErrorCode.BLOCK_CLEANED_UP,
            f"Block {slot} cleaned up, does not exist on node. First available block: "
            f"{ledger.genesis_slot}",
        )
    if latest_block and slot < latest_block[0] and slot < head:
        return JsonRpcError(
            RpcErrorCode.SLOT_SKIPPED,
            f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot",
        )
    return JsonRpcError(RpcErrorCode.BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")


def _block_config(params: Params) -> Config:
    second = params.optional(1)
    if isinstance(second, str):  # legacy form: the encoding alone
        return Config(params.where(1, "encoding"), {"encoding": second})
    return params.config(1)


async def get_block(ledger: Chain, params: Params) -> JsonValue:
    """getBlock: one block with its transaction, by slot."""
    params.at_most(2)
    slot = params.u64(0, "slot")
    config = _block_config(params)
    require_confirmed(config)
    encoding = config.choice("encoding", TRANSACTION_RESPONSE_ENCODINGS, "json")
    details = config.choice("transactionDetails", TRANSACTION_DETAILS, "full")
    rewards = config.boolean("rewards", default=True)
    max_version = config.u64("maxSupportedTransactionVersion")
    observed = await ledger.block(slot)
    block = observed.value
    if block is None:
        later = await ledger.block_slots(slot + 1, observed.slot, 1)
        raise _missing(slot, ledger, observed.slot, later.value)
    answer: dict[str, JsonValue] = {
        "blockHeight": block.block_height,
        "blockTime": block.block_time,
        "blockhash": str(block.blockhash),
        "parentSlot": block.parent_slot,
        "previousBlockhash": str(block.previous_blockhash),
    }
    if rewards:
        answer["rewards"] = []
    if details in ("full", "accounts"):
        answer["transactions"] = [_entry(block, encoding, details, max_version)]
    elif details == "signatures":
        answer["signatures"] = [str(block.record.signature)]
    return answer


def _check_range_config(params: Params, index: int) -> None:
    require_confirmed(params.config(index))


async def get_blocks(ledger: Chain, params: Params) -> JsonValue:
    """getBlocks: slots with a block from ``start`` to ``end`` (default: the latest block)."""
    params.at_most(3)
    start = params.u64(0, "start_slot")
    second = params.optional(1)
    if isinstance(second, dict):  # [start, config]
        params.at_most(2)
        end = None
        _check_range_config(params, 1)
    else:
        end = None if second is None else params.u64(1, "end_slot")
        _check_range_config(params, 2)
    head = (await ledger.state()).slot
    last = head - 1 if end is None else min(end, head - 1)
    if end is not None and end - start > MAX_BLOCK_RANGE:
        raise invalid_params(f"Slot range too large; max {MAX_BLOCK_RANGE}")
    if last < start:
        return []
    return list((await ledger.block_slots(start, last, MAX_BLOCK_RANGE + 1)).value)


async def get_blocks_with_limit(ledger: Chain, params: Params) -> JsonValue:
    """getBlocksWithLimit: up to ``limit`` slots with a block, from ``start``."""
    params.at_most(3)
    start = params.u64(0, "start_slot")
    limit = params.u64(1, "limit")
    _check_range_config(params, 2)
    if limit > MAX_BLOCK_RANGE:
        raise invalid_params(f"Limit too large; max {MAX_BLOCK_RANGE}")
    head = (await ledger.state()).slot
    if limit == 0 or head - 1 < start:
        return []
    return list((await ledger.block_slots(start, head - 1, limit)).value)
