"""The SPL token account layout the sessions program reads (SPL Token and Token-2022).

``execute`` measures token spend from balances and freezes the authority fields of every
token account the session signer owns or is delegate of, so the program, the simulator and
the tests all need the same view of a token account. It is the token program's layout, not
ours, written down once here as a borsh record (:class:`SplTokenAccount`) whose offsets are
emitted into the C header.

A token account is 165 bytes (``spl_token::state::Account``); a Token-2022 account may be
longer, with its account type byte (``ACCOUNT_TYPE_ACCOUNT``) at offset 165 and extensions
after it. A Token-2022 mint with extensions also pads to 165 and has type byte 1 there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from solders.pubkey import Pubkey

from sessions_client.borsh import U8, U32, U64
from sessions_client.codec import layout_of

TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
COMPUTE_BUDGET_PROGRAM_ID: Final = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
#: ComputeBudgetInstruction::SetComputeUnitLimit(u32): tag byte, then the limit.
SET_COMPUTE_UNIT_LIMIT_TAG: Final = 2


@dataclass(frozen=True, slots=True)
class SplTokenAccount:
    """``spl_token::state::Account`` (Pack layout, 165 bytes): COption is a u32 tag (1 = Some)
    then the value, always present."""

    mint: Pubkey
    owner: Pubkey
    amount: Annotated[int, U64]
    delegate_option: Annotated[int, U32]
    delegate: Pubkey
    state: Annotated[int, U8]
    is_native_option: Annotated[int, U32]
    is_native: Annotated[int, U64]
    delegated_amount: Annotated[int, U64]
    close_authority_option: Annotated[int, U32]
    close_authority: Pubkey


_ACCOUNT: Final = layout_of(SplTokenAccount)
TOKEN_ACCOUNT_SIZE: Final = _ACCOUNT.size
OFF_MINT: Final = _ACCOUNT.field("mint").offset
OFF_OWNER: Final = _ACCOUNT.field("owner").offset
OFF_AMOUNT: Final = _ACCOUNT.field("amount").offset
#: The delegate COption: its tag, then the key.
OFF_DELEGATE: Final = _ACCOUNT.field("delegate_option").offset
OFF_STATE: Final = _ACCOUNT.field("state").offset
OFF_DELEGATED_AMOUNT: Final = _ACCOUNT.field("delegated_amount").offset
OFF_CLOSE_AUTHORITY: Final = _ACCOUNT.field("close_authority_option").offset
COPTION_KEY_SIZE: Final = _ACCOUNT.field("delegate_option").size + _ACCOUNT.field("delegate").size
#: AccountState::Uninitialized; any other state byte is an initialized account.
STATE_UNINITIALIZED: Final = 0
#: Token-2022: the account type byte after the base layout (AccountType::Account).
OFF_ACCOUNT_TYPE: Final = TOKEN_ACCOUNT_SIZE
ACCOUNT_TYPE_ACCOUNT: Final = 2

TOKEN_PROGRAMS: Final = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)


@dataclass(frozen=True, slots=True)
class TokenAccountView:
    """The fields of a token account that execute snapshots."""

    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    delegated_amount: int
    close_authority: Pubkey | None

    def controlled_by(self, signer: Pubkey) -> bool:
        return signer in (self.owner, self.delegate)


def is_token_account(program_owner: Pubkey, data: bytes) -> bool:
    """Whether an account is an initialized token account of SPL Token or Token-2022."""
    if program_owner not in TOKEN_PROGRAMS or len(data) < TOKEN_ACCOUNT_SIZE:
        return False
    if len(data) > TOKEN_ACCOUNT_SIZE and (
        program_owner != TOKEN_2022_PROGRAM_ID or data[OFF_ACCOUNT_TYPE] != ACCOUNT_TYPE_ACCOUNT
    ):
        return False
    return data[OFF_STATE] != STATE_UNINITIALIZED


def read_token_account(data: bytes) -> TokenAccountView:
    """The snapshot fields of a token account's data (check :func:`is_token_account` first)."""
    a: SplTokenAccount = _ACCOUNT.decode(bytes(data[:TOKEN_ACCOUNT_SIZE]), 0)
    return TokenAccountView(
        mint=a.mint,
        owner=a.owner,
        amount=a.amount,
        delegate=a.delegate if a.delegate_option == 1 else None,
        delegated_amount=a.delegated_amount,
        close_authority=a.close_authority if a.close_authority_option == 1 else None,
    )
