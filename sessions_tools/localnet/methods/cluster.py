"""Node, clock and fee methods: the ones that describe the chain, not accounts."""

from __future__ import annotations

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.methods.common import (
    API_VERSION,
    FEATURE_SET,
    check_min_context_slot,
    context_config,
    no_params,
    with_context,
)
from sessions_tools.localnet.params import Params, as_hash, as_pubkey
from sessions_tools.localnet.rpc_errors import JsonRpcError, JsonValue, RpcErrorCode, invalid_params
from sessions_tools.localnet.transactions import decode_message

MAX_PRIORITIZATION_FEE_ADDRESSES = 128


async def get_version(ledger: Chain, params: Params) -> JsonValue:
    """getVersion."""
    no_params(params)
    return {"solana-core": API_VERSION, "feature-set": FEATURE_SET}


async def get_health(ledger: Chain, params: Params) -> JsonValue:
    """getHealth: a single in-process node is always caught up."""
    no_params(params)
    return "ok"


async def get_identity(ledger: Chain, params: Params) -> JsonValue:
    """getIdentity."""
    no_params(params)
    return {"identity": str(ledger.identity)}


async def get_genesis_hash(ledger: Chain, params: Params) -> JsonValue:
    """getGenesisHash."""
    no_params(params)
    return str(ledger.genesis_hash)


async def get_slot(ledger: Chain, params: Params) -> JsonValue:
    """getSlot."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return state.slot


async def get_block_height(ledger: Chain, params: Params) -> JsonValue:
    """getBlockHeight."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return state.block_height


async def get_slot_leader(ledger: Chain, params: Params) -> JsonValue:
    """getSlotLeader: this node leads every slot."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return str(ledger.identity)


async def get_transaction_count(ledger: Chain, params: Params) -> JsonValue:
    """getTransactionCount: landed transactions (airdrops included)."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return state.transaction_count


async def get_first_available_block(ledger: Chain, params: Params) -> JsonValue:
    """getFirstAvailableBlock: history goes back to genesis."""
    no_params(params)
    return ledger.genesis_slot


async def minimum_ledger_slot(ledger: Chain, params: Params) -> JsonValue:
    """minimumLedgerSlot."""
    no_params(params)
    return ledger.genesis_slot


async def get_block_time(ledger: Chain, params: Params) -> JsonValue:
    """getBlockTime for any slot this ledger has produced."""
    params.at_most(1)
    slot = params.u64(0, "slot")
    state = await ledger.state()
    if not ledger.genesis_slot <= slot <= state.slot:
        raise JsonRpcError(RpcErrorCode.BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
    return ledger.block_time(slot)


async def get_latest_blockhash(ledger: Chain, params: Params) -> JsonValue:
    """getLatestBlockhash with the block height after which it expires."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return with_context(
        state.slot,
        {"blockhash": str(state.blockhash), "lastValidBlockHeight": state.last_valid_block_height},
    )


async def is_blockhash_valid(ledger: Chain, params: Params) -> JsonValue:
    """isBlockhashValid: issued within the last 150 blocks."""
    config = context_config(params, 1)
    blockhash = as_hash(params.required(0, "blockhash"), params.where(0, "blockhash"))
    observed = await ledger.is_blockhash_valid(blockhash)
    check_min_context_slot(config, observed.slot)
    return with_context(observed.slot, observed.value)


async def get_epoch_info(ledger: Chain, params: Params) -> JsonValue:
    """getEpochInfo."""
    config = context_config(params)
    state = await ledger.state()
    check_min_context_slot(config, state.slot)
    return {
        "absoluteSlot": state.slot,
        "blockHeight": state.block_height,
        "epoch": state.epoch,
        "slotIndex": state.slot_index,
        "slotsInEpoch": state.slots_in_epoch,
        "transactionCount": state.transaction_count,
    }


async def get_epoch_schedule(ledger: Chain, params: Params) -> JsonValue:
    """getEpochSchedule."""
    no_params(params)
    schedule = ledger.epoch_schedule
    return {
        "slotsPerEpoch": schedule.slots_per_epoch,
        "leaderScheduleSlotOffset": schedule.leader_schedule_slot_offset,
        "warmup": schedule.warmup,
        "firstNormalEpoch": schedule.first_normal_epoch,
        "firstNormalSlot": schedule.first_normal_slot,
    }


async def get_minimum_balance_for_rent_exemption(ledger: Chain, params: Params) -> JsonValue:
    """getMinimumBalanceForRentExemption."""
    context_config(params, 1)
    data_len = params.u64(0, "dataLength")
    if data_len > 10 * 1024 * 1024:
        raise invalid_params(f"{params.where(0, 'dataLength')}: {data_len} exceeds 10 MiB")
    return await ledger.minimum_balance_for_rent_exemption(data_len)


async def get_fee_for_message(ledger: Chain, params: Params) -> JsonValue:
    """getFeeForMessage; ``null`` when the message's blockhash has expired."""
    config = context_config(params, 1)
    message = decode_message(params.string(0, "message"), params.where(0, "message"))
    observed = await ledger.fee_for_message(message)
    check_min_context_slot(config, observed.slot)
    return with_context(observed.slot, observed.value)


async def get_recent_prioritization_fees(ledger: Chain, params: Params) -> JsonValue:
    """getRecentPrioritizationFees: no fee market on a local chain, so no samples."""
    params.at_most(1)
    addresses = params.optional(0)
    if addresses is not None:
        where = params.where(0, "addresses")
        if not isinstance(addresses, list):
            raise invalid_params(f"{where}: expected an array of public keys")
        if len(addresses) > MAX_PRIORITIZATION_FEE_ADDRESSES:
            raise invalid_params(
                f"{where}: too many inputs provided; max {MAX_PRIORITIZATION_FEE_ADDRESSES}"
            )
        for index, address in enumerate(addresses):
            as_pubkey(address, f"{where}[{index}]")
    return []
