"""getSupply: the chain's lamports, all circulating (there is no stake or vesting here)."""

from __future__ import annotations

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.methods.common import check_min_context_slot, with_context
from sessions_tools.localnet.params import Params
from sessions_tools.localnet.rpc_errors import JsonValue


async def get_supply(ledger: Chain, params: Params) -> JsonValue:
    """Total = what genesis held less the fees burned; ``nonCirculatingAccounts`` is empty."""
    params.at_most(1)
    config = params.config(0)
    config.commitment()
    config.boolean("excludeNonCirculatingAccountsList", default=False)  # the list is empty anyway
    observed = await ledger.supply()
    check_min_context_slot(config, observed.slot)
    value: JsonValue = {
        "total": observed.value,
        "circulating": observed.value,
        "nonCirculating": 0,
        "nonCirculatingAccounts": [],
    }
    return with_context(observed.slot, value)
