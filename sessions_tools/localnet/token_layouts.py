"""SPL Token and Token-2022 account layouts, as the token RPC methods and jsonParsed read them.

LiteSVM ships both token programs (and the associated-token-account and memo
programs), so mints and token accounts made by real instructions live on this
ledger. The layouts are the programs' own ``Pack`` formats: a token account
is 165 bytes (mint, owner, amount, delegate, state, native reserve, delegated
amount, close authority), a mint 82 (mint authority, supply, decimals,
initialized, freeze authority); ``COption`` is a u32 tag and the value. A
Token-2022 account with extensions is longer and marks its kind in byte 165
(1 = mint, 2 = account). ``jsonParsed`` shapes follow agave's
``parse_token``; Token-2022 extensions are not parsed, so such accounts keep
the base64 fallback a validator uses for data it cannot parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Final

from solders.account import Account
from solders.pubkey import Pubkey

from sessions_client.borsh import PUBKEY, U8, U32, U64
from sessions_client.codec import layout_of
from sessions_tools.localnet.rpc_errors import JsonValue

TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
PROGRAM_NAMES: Final = {TOKEN_PROGRAM_ID: "spl-token", TOKEN_2022_PROGRAM_ID: "spl-token-2022"}
ACCOUNT_LEN: Final = 165
MINT_LEN: Final = 82
ACCOUNT_TYPE_OFFSET: Final = 165
ACCOUNT_TYPE_MINT: Final = 1
ACCOUNT_TYPE_ACCOUNT: Final = 2
OWNER_OFFSET: Final = 32
MINT_OFFSET: Final = 0
_STATES: Final = ("uninitialized", "initialized", "frozen")


@dataclass(frozen=True)
class _PackedTokenAccount:
    """The token program's ``Account`` as packed (``COption`` = u32 tag + value)."""

    mint: Annotated[Pubkey, PUBKEY]
    owner: Annotated[Pubkey, PUBKEY]
    amount: Annotated[int, U64]
    delegate_tag: Annotated[int, U32]
    delegate: Annotated[Pubkey, PUBKEY]
    state: Annotated[int, U8]
    native_tag: Annotated[int, U32]
    native_reserve: Annotated[int, U64]
    delegated_amount: Annotated[int, U64]
    close_authority_tag: Annotated[int, U32]
    close_authority: Annotated[Pubkey, PUBKEY]


@dataclass(frozen=True)
class _PackedMint:
    """The token program's ``Mint`` as packed."""

    mint_authority_tag: Annotated[int, U32]
    mint_authority: Annotated[Pubkey, PUBKEY]
    supply: Annotated[int, U64]
    decimals: Annotated[int, U8]
    is_initialized: Annotated[int, U8]
    freeze_authority_tag: Annotated[int, U32]
    freeze_authority: Annotated[Pubkey, PUBKEY]


@dataclass(frozen=True)
class TokenAccount:
    """A token account's fields (``None`` for an absent ``COption``)."""

    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    state: str
    native_reserve: int | None
    delegated_amount: int
    close_authority: Pubkey | None


@dataclass(frozen=True)
class Mint:
    """A mint's fields."""

    mint_authority: Pubkey | None
    supply: int
    decimals: int
    is_initialized: bool
    freeze_authority: Pubkey | None


def is_token_program(program_id: Pubkey) -> bool:
    """One of the two SPL token programs."""
    return program_id in PROGRAM_NAMES


def _kind(account: Account, base_len: int, account_type: int) -> bool:
    if not is_token_program(account.owner):
        return False
    data = bytes(account.data)
    if len(data) == base_len:
        return True
    return (
        account.owner == TOKEN_2022_PROGRAM_ID
        and len(data) > ACCOUNT_TYPE_OFFSET
        and data[ACCOUNT_TYPE_OFFSET] == account_type
    )


def is_token_account(account: Account) -> bool:
    """Data a token program would unpack as a token account."""
    return _kind(account, ACCOUNT_LEN, ACCOUNT_TYPE_ACCOUNT)


def is_mint(account: Account) -> bool:
    """Data a token program would unpack as a mint."""
    return _kind(account, MINT_LEN, ACCOUNT_TYPE_MINT)


def has_extensions(account: Account) -> bool:
    """A Token-2022 account longer than the base layout (its extensions are not parsed here)."""
    return len(account.data) > ACCOUNT_TYPE_OFFSET


def _option_key(tag: int, key: Pubkey) -> Pubkey | None:
    return key if tag == 1 else None


def parse_token_account(data: bytes) -> TokenAccount | None:
    """The base layout (the first 165 bytes); ``None`` for an impossible state byte."""
    packed = layout_of(_PackedTokenAccount).decode(data[:ACCOUNT_LEN])
    if packed.state >= len(_STATES):
        return None
    return TokenAccount(
        mint=packed.mint,
        owner=packed.owner,
        amount=packed.amount,
        delegate=_option_key(packed.delegate_tag, packed.delegate),
        state=_STATES[packed.state],
        native_reserve=packed.native_reserve if packed.native_tag == 1 else None,
        delegated_amount=packed.delegated_amount,
        close_authority=_option_key(packed.close_authority_tag, packed.close_authority),
    )


def parse_mint(data: bytes) -> Mint:
    """The base mint layout (the first 82 bytes)."""
    packed = layout_of(_PackedMint).decode(data[:MINT_LEN])
    return Mint(
        mint_authority=_option_key(packed.mint_authority_tag, packed.mint_authority),
        supply=packed.supply,
        decimals=packed.decimals,
        is_initialized=bool(packed.is_initialized),
        freeze_authority=_option_key(packed.freeze_authority_tag, packed.freeze_authority),
    )


def ui_amount_string(amount: int, decimals: int) -> str:
    """``amount`` scaled by ``decimals``, trailing zeros (and a bare point) trimmed."""
    if decimals == 0:
        return str(amount)
    whole, fraction = divmod(amount, 10**decimals)
    digits = str(fraction).rjust(decimals, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def ui_token_amount(amount: int, decimals: int) -> dict[str, JsonValue]:
    """A ``UiTokenAmount``: the raw amount as a string, and the scaled amount two ways."""
    text = ui_amount_string(amount, decimals)
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": float(Decimal(text)),
        "uiAmountString": text,
    }


def token_account_info(account: TokenAccount, decimals: int) -> dict[str, JsonValue]:
    """jsonParsed ``info`` of a token account (agave's ``UiTokenAccount``)."""
    info: dict[str, JsonValue] = {
        "isNative": account.native_reserve is not None,
        "mint": str(account.mint),
        "owner": str(account.owner),
        "state": account.state,
        "tokenAmount": ui_token_amount(account.amount, decimals),
    }
    if account.delegate is not None:
        info["delegate"] = str(account.delegate)
        info["delegatedAmount"] = ui_token_amount(account.delegated_amount, decimals)
    if account.native_reserve is not None:
        info["rentExemptReserve"] = ui_token_amount(account.native_reserve, decimals)
    if account.close_authority is not None:
        info["closeAuthority"] = str(account.close_authority)
    return info


def mint_info(mint: Mint) -> dict[str, JsonValue]:
    """jsonParsed ``info`` of a mint."""
    return {
        "mintAuthority": None if mint.mint_authority is None else str(mint.mint_authority),
        "supply": str(mint.supply),
        "decimals": mint.decimals,
        "isInitialized": mint.is_initialized,
        "freezeAuthority": None if mint.freeze_authority is None else str(mint.freeze_authority),
    }


def parsed_data(account: Account, mint_decimals: int | None) -> JsonValue:
    """The jsonParsed ``data`` of a token account or mint; ``None`` when it cannot be parsed.

    ``mint_decimals`` is the decimals of a token account's mint (``None`` when
    the mint cannot be read: the validator then cannot parse it either).
    """
    if has_extensions(account):
        return None
    data = bytes(account.data)
    program = PROGRAM_NAMES.get(account.owner)
    if program is None:
        return None
    if is_mint(account):
        parsed: JsonValue = {"type": "mint", "info": mint_info(parse_mint(data))}
    elif is_token_account(account) and mint_decimals is not None:
        token = parse_token_account(data)
        if token is None:
            return None
        parsed = {"type": "account", "info": token_account_info(token, mint_decimals)}
    else:
        return None
    return {"program": program, "parsed": parsed, "space": len(data)}
