"""Token reads: getTokenAccountsByOwner, getTokenAccountBalance, getTokenSupply.

Over the SPL Token and Token-2022 programs LiteSVM ships (layouts in
:mod:`~sessions_tools.localnet.token_layouts`). Refusals use the validator's words:
an unknown token program, a missing mint or account, an account that is not
a token account or mint are all ``Invalid param`` (-32602). Encodings are the
account reads' (binary by default, which 165-byte token accounts exceed, as on
a validator; base64, base64+zstd, jsonParsed), with ``dataSlice``.
"""

from __future__ import annotations

from solders.account import Account
from solders.pubkey import Pubkey

from sessions_tools.localnet import token_layouts as tokens
from sessions_tools.localnet.chain import Chain, Observed
from sessions_tools.localnet.encoding import AccountEncoding, encode_keyed_account
from sessions_tools.localnet.methods.common import (
    account_encoding,
    check_min_context_slot,
    context_config,
    data_slice,
    with_context,
)
from sessions_tools.localnet.methods.parsed_accounts import mint_decimals, parsed_account_data
from sessions_tools.localnet.params import Params, as_pubkey, describe
from sessions_tools.localnet.rpc_errors import JsonRpcError, JsonValue, RpcErrorCode, invalid_params


def _invalid_param(detail: str) -> JsonRpcError:
    """-32602 with the validator's exact words (``Invalid param: ...``)."""
    return JsonRpcError(RpcErrorCode.INVALID_PARAMS, f"Invalid param: {detail}")


async def _program_and_mint(ledger: Chain, params: Params) -> tuple[Pubkey, Pubkey | None]:
    raw = params.required(1, "filter")
    where = params.where(1, "filter")
    if not isinstance(raw, dict) or len(raw) != 1 or not set(raw) <= {"mint", "programId"}:
        raise invalid_params(
            f'{where}: expected {{"mint": address}} or {{"programId": address}}, '
            f"got {describe(raw)}"
        )
    if "programId" in raw:
        program_id = as_pubkey(raw["programId"], f"{where}.programId")
        if not tokens.is_token_program(program_id):
            raise _invalid_param("unrecognized Token program id")
        return program_id, None
    mint = as_pubkey(raw["mint"], f"{where}.mint")
    account = (await ledger.account(mint)).value
    if account is None:
        raise _invalid_param("could not find mint")
    if not tokens.is_mint(account):
        raise _invalid_param("not a Token mint")
    return account.owner, mint


async def get_token_accounts_by_owner(ledger: Chain, params: Params) -> JsonValue:
    """getTokenAccountsByOwner(owner, {mint} | {programId}, config)."""
    params.at_most(3)
    owner = params.pubkey(0, "owner")
    program_id, mint = await _program_and_mint(ledger, params)
    config = params.config(2)
    config.commitment()
    encoding = account_encoding(config, AccountEncoding.BINARY)
    window = data_slice(config, encoding)
    observed = await ledger.program_accounts(program_id)
    check_min_context_slot(config, observed.slot)
    found = []
    for address, account in observed.value:
        if not tokens.is_token_account(account):
            continue
        token = tokens.parse_token_account(bytes(account.data))
        if token is None or token.owner != owner or (mint is not None and token.mint != mint):
            continue
        found.append((address, account))
    parsed: list[JsonValue] = [None] * len(found)
    if encoding is AccountEncoding.JSON_PARSED:
        parsed = await parsed_account_data(ledger, [account for _, account in found])
    value = [
        encode_keyed_account(address, account, encoding, window, data)
        for (address, account), data in zip(found, parsed, strict=True)
    ]
    return with_context(observed.slot, value)


async def _one_account(ledger: Chain, params: Params, name: str) -> Observed[Account | None]:
    """The account named by ``[address, {commitment, minContextSlot}]``."""
    address = params.pubkey(0, name)
    config = context_config(params, 1)
    observed = await ledger.account(address)
    check_min_context_slot(config, observed.slot)
    return observed


async def get_token_account_balance(ledger: Chain, params: Params) -> JsonValue:
    """getTokenAccountBalance: the amount scaled by the mint's decimals."""
    observed = await _one_account(ledger, params, "account")
    account = observed.value
    if account is None:
        raise _invalid_param("could not find account")
    token = (
        tokens.parse_token_account(bytes(account.data))
        if tokens.is_token_account(account)
        else None
    )
    if token is None:
        raise _invalid_param("not a Token account")
    decimals = await mint_decimals(ledger, [token.mint])
    if token.mint not in decimals:
        raise _invalid_param("could not find mint")
    return with_context(observed.slot, tokens.ui_token_amount(token.amount, decimals[token.mint]))


async def get_token_supply(ledger: Chain, params: Params) -> JsonValue:
    """getTokenSupply: a mint's supply, scaled by its decimals."""
    observed = await _one_account(ledger, params, "mint")
    account = observed.value
    if account is None or not tokens.is_mint(account):
        raise _invalid_param("not a Token mint")
    mint = tokens.parse_mint(bytes(account.data))
    return with_context(observed.slot, tokens.ui_token_amount(mint.supply, mint.decimals))
