"""jsonParsed account data for the account reads: SPL token accounts and mints.

A token account's parsed form needs its mint's decimals, so the mints are read
from the ledger in one call next to the accounts themselves (as a validator
reads them from the same bank). Accounts no parser knows get ``None``, and
their encoders fall back to base64.
"""

from __future__ import annotations

from collections.abc import Sequence

from solders.account import Account
from solders.pubkey import Pubkey

from sessions_tools.localnet import token_layouts as tokens
from sessions_tools.localnet.chain import Chain
from sessions_tools.localnet.rpc_errors import JsonValue


def _mint_of(account: Account | None) -> Pubkey | None:
    if account is None or not tokens.is_token_account(account):
        return None
    start = tokens.MINT_OFFSET
    return Pubkey.from_bytes(bytes(account.data)[start : start + 32])


async def mint_decimals(ledger: Chain, mints: Sequence[Pubkey]) -> dict[Pubkey, int]:
    """Decimals of each of ``mints`` that is a mint on the ledger."""
    unique = list(dict.fromkeys(mints))
    if not unique:
        return {}
    observed = await ledger.accounts(unique)
    return {
        address: tokens.parse_mint(bytes(account.data)).decimals
        for address, account in zip(unique, observed.value, strict=True)
        if account is not None and tokens.is_mint(account)
    }


async def parsed_account_data(ledger: Chain, accounts: Sequence[Account | None]) -> list[JsonValue]:
    """The jsonParsed ``data`` of each account, ``None`` where no parser applies."""
    mints = [_mint_of(account) for account in accounts]
    decimals = await mint_decimals(ledger, [mint for mint in mints if mint is not None])
    return [
        None
        if account is None
        else tokens.parsed_data(account, None if mint is None else decimals.get(mint))
        for account, mint in zip(accounts, mints, strict=True)
    ]
