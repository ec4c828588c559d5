"""Instructions that set up SPL token state for tests and benchmarks: a mint, a token
account, tokens minted into it (SPL Token or Token-2022, through the real programs)."""

from __future__ import annotations

from typing import Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client.spl_token import TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM_ID

#: spl_token::state::Mint::LEN
MINT_SIZE: Final = 82


def create_mint(
    payer: Pubkey, mint: Pubkey, authority: Pubkey, rent: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> list[Instruction]:
    """Create and initialize ``mint`` (decimals 0, no freeze authority); ``mint`` signs."""
    return [
        create_account(
            CreateAccountParams(
                from_pubkey=payer, to_pubkey=mint, lamports=rent, space=MINT_SIZE, owner=program
            )
        ),
        spl.initialize_mint(
            spl_models.InitializeMintParams(
                decimals=0, program_id=program, mint=mint, mint_authority=authority
            )
        ),
    ]


def create_token_account(
    payer: Pubkey,
    account: Pubkey,
    mint: Pubkey,
    owner: Pubkey,
    rent: int,
    *,
    program: Pubkey = TOKEN_PROGRAM_ID,
) -> list[Instruction]:
    """Create and initialize ``account`` of ``mint`` held by ``owner``; ``account`` signs."""
    return [
        create_account(
            CreateAccountParams(
                from_pubkey=payer,
                to_pubkey=account,
                lamports=rent,
                space=TOKEN_ACCOUNT_SIZE,
                owner=program,
            )
        ),
        spl.initialize_account(
            spl_models.InitializeAccountParams(
                program_id=program, account=account, mint=mint, owner=owner
            )
        ),
    ]


def mint_to(
    mint: Pubkey, dest: Pubkey, authority: Pubkey, amount: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    return spl.mint_to(
        spl_models.MintToParams(
            program_id=program, mint=mint, dest=dest, mint_authority=authority, amount=amount
        )
    )
