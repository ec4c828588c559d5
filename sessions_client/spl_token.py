"""The SPL token account layout the sessions program reads (SPL Token and Token-2022).

``execute`` measures token spend from balances and freezes the authority fields of every
token account the session signer owns or is delegate of, so the program, the simulator and
the tests all need the same view of a token account. It is the token program's layout, not
ours, written down once here and emitted into the C header.

A token account is 165 bytes (``spl_token::state::Account``); a Token-2022 account may be
longer, with its account type byte (``ACCOUNT_TYPE_ACCOUNT``) at offset 165 and extensions
after it. A Token-2022 mint with extensions also pads to 165 and has type byte 1 there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey

TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
COMPUTE_BUDGET_PROGRAM_ID: Final = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
#: ComputeBudgetInstruction::SetComputeUnitLimit(u32): tag byte, then the limit.
SET_COMPUTE_UNIT_LIMIT_TAG: Final = 2

TOKEN_ACCOUNT_SIZE: Final = 165
OFF_MINT: Final = 0
OFF_OWNER: Final = 32
OFF_AMOUNT: Final = 64
#: COption<Pubkey>: u32 tag (1 = Some), then the key.
OFF_DELEGATE: Final = 72
OFF_STATE: Final = 108
OFF_IS_NATIVE: Final = 109
OFF_DELEGATED_AMOUNT: Final = 121
OFF_CLOSE_AUTHORITY: Final = 129
COPTION_KEY_SIZE: Final = 36
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


def _coption_key(data: bytes, at: int) -> Pubkey | None:
    (tag,) = struct.unpack_from("<I", data, at)
    return Pubkey.from_bytes(data[at + 4 : at + 36]) if tag == 1 else None


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
    return TokenAccountView(
        mint=Pubkey.from_bytes(data[OFF_MINT : OFF_MINT + 32]),
        owner=Pubkey.from_bytes(data[OFF_OWNER : OFF_OWNER + 32]),
        amount=struct.unpack_from("<Q", data, OFF_AMOUNT)[0],
        delegate=_coption_key(data, OFF_DELEGATE),
        delegated_amount=struct.unpack_from("<Q", data, OFF_DELEGATED_AMOUNT)[0],
        close_authority=_coption_key(data, OFF_CLOSE_AUTHORITY),
    )
