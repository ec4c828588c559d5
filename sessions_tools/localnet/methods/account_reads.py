"""Account reads: getBalance, getAccountInfo, getMultipleAccounts, getProgramAccounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from solders.account import Account

from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.encoding import AccountEncoding, encode_account, encode_keyed_account
from sessions_tools.localnet.filters import matches_all, parse_filters
from sessions_tools.localnet.methods.common import (
    account_encoding,
    check_min_context_slot,
    data_slice,
    with_context,
)
from sessions_tools.localnet.methods.parsed_accounts import parsed_account_data
from sessions_tools.localnet.params import Params, as_pubkey
from sessions_tools.localnet.rpc_errors import JsonValue, invalid_params

MAX_MULTIPLE_ACCOUNTS: Final = 100


async def _parsed(
    ledger: Chain, encoding: AccountEncoding, accounts: Sequence[Account | None]
) -> list[JsonValue]:
    """jsonParsed data when asked for (``None`` each otherwise: nothing extra is read)."""
    if encoding is not AccountEncoding.JSON_PARSED:
        return [None] * len(accounts)
    return await parsed_account_data(ledger, accounts)


async def get_balance(ledger: Chain, params: Params) -> JsonValue:
    """getBalance: lamports, 0 for accounts that do not exist."""
    params.at_most(2)
    address = params.pubkey(0)
    config = params.config(1)
    config.commitment()
    observed = await ledger.account(address)
    check_min_context_slot(config, observed.slot)
    lamports = observed.value.lamports if observed.value is not None else 0
    return with_context(observed.slot, lamports)


async def get_account_info(ledger: Chain, params: Params) -> JsonValue:
    """getAccountInfo (default encoding ``binary``, as on a validator)."""
    params.at_most(2)
    address = params.pubkey(0)
    config = params.config(1)
    config.commitment()
    encoding = account_encoding(config, AccountEncoding.BINARY)
    window = data_slice(config, encoding)
    observed = await ledger.account(address)
    check_min_context_slot(config, observed.slot)
    account = observed.value
    [parsed] = await _parsed(ledger, encoding, [account])
    value = None if account is None else encode_account(account, encoding, window, parsed)
    return with_context(observed.slot, value)


async def get_multiple_accounts(ledger: Chain, params: Params) -> JsonValue:
    """getMultipleAccounts (default encoding ``base64``), up to 100 addresses."""
    params.at_most(2)
    raw = params.array(0, "pubkeys")
    where = params.where(0, "pubkeys")
    if len(raw) > MAX_MULTIPLE_ACCOUNTS:
        raise invalid_params(f"{where}: too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
    addresses = [as_pubkey(item, f"{where}[{index}]") for index, item in enumerate(raw)]
    config = params.config(1)
    config.commitment()
    encoding = account_encoding(config, AccountEncoding.BASE64)
    window = data_slice(config, encoding)
    observed = await ledger.accounts(addresses)
    check_min_context_slot(config, observed.slot)
    parsed = await _parsed(ledger, encoding, observed.value)
    value = [
        None if account is None else encode_account(account, encoding, window, data)
        for account, data in zip(observed.value, parsed, strict=True)
    ]
    return with_context(observed.slot, value)


async def get_program_accounts(ledger: Chain, params: Params) -> JsonValue:
    """getProgramAccounts with dataSize/memcmp filters, dataSlice and withContext."""
    params.at_most(2)
    program_id = params.pubkey(0, "programId")
    config = params.config(1)
    config.commitment()
    encoding = account_encoding(config, AccountEncoding.BINARY)
    window = data_slice(config, encoding)
    filters = (
        parse_filters(config.get("filters"), f"{config.where}.filters")
        if config.has("filters")
        else ()
    )
    with_ctx = config.boolean("withContext", default=False)
    config.boolean("sortResults", default=True)
    observed = await ledger.program_accounts(program_id)
    check_min_context_slot(config, observed.slot)
    kept = [(key, account) for key, account in observed.value if matches_all(filters, account.data)]
    parsed = await _parsed(ledger, encoding, [account for _, account in kept])
    value = [
        encode_keyed_account(address, account, encoding, window, data)
        for (address, account), data in zip(kept, parsed, strict=True)
    ]
    return with_context(observed.slot, value) if with_ctx else value
