"""The JSON-RPC method table: wire name -> handler coroutine.

Handlers take the ledger and the call's positional params and return the
``result`` value, or raise :class:`~sessions_tools.localnet.rpc_errors.JsonRpcError`.
The table is read-only so that no request can change what others may call.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sessions_tools.localnet.methods import (
    account_reads,
    blocks,
    cluster,
    history,
    sending,
    supply,
    tokens,
)
from sessions_tools.localnet.methods.common import API_VERSION, Handler

METHODS: Mapping[str, Handler] = MappingProxyType(
    {
        "getVersion": cluster.get_version,
        "getHealth": cluster.get_health,
        "getIdentity": cluster.get_identity,
        "getGenesisHash": cluster.get_genesis_hash,
        "getSlot": cluster.get_slot,
        "getBlockHeight": cluster.get_block_height,
        "getSlotLeader": cluster.get_slot_leader,
        "getTransactionCount": cluster.get_transaction_count,
        "getFirstAvailableBlock": cluster.get_first_available_block,
        "minimumLedgerSlot": cluster.minimum_ledger_slot,
        "getBlockTime": cluster.get_block_time,
        "getLatestBlockhash": cluster.get_latest_blockhash,
        "isBlockhashValid": cluster.is_blockhash_valid,
        "getEpochInfo": cluster.get_epoch_info,
        "getEpochSchedule": cluster.get_epoch_schedule,
        "getMinimumBalanceForRentExemption": cluster.get_minimum_balance_for_rent_exemption,
        "getFeeForMessage": cluster.get_fee_for_message,
        "getRecentPrioritizationFees": cluster.get_recent_prioritization_fees,
        "getBalance": account_reads.get_balance,
        "getAccountInfo": account_reads.get_account_info,
        "getMultipleAccounts": account_reads.get_multiple_accounts,
        "getProgramAccounts": account_reads.get_program_accounts,
        "requestAirdrop": sending.request_airdrop,
        "sendTransaction": sending.send_transaction,
        "simulateTransaction": sending.simulate_transaction,
        "getSignatureStatuses": history.get_signature_statuses,
        "getTransaction": history.get_transaction,
        "getSignaturesForAddress": history.get_signatures_for_address,
        "getBlock": blocks.get_block,
        "getBlocks": blocks.get_blocks,
        "getBlocksWithLimit": blocks.get_blocks_with_limit,
        "getSupply": supply.get_supply,
        "getTokenAccountsByOwner": tokens.get_token_accounts_by_owner,
        "getTokenAccountBalance": tokens.get_token_account_balance,
        "getTokenSupply": tokens.get_token_supply,
    }
)

__all__ = ["API_VERSION", "METHODS", "Handler"]
