"""A harness for execute: sessions with quotas, a funded signer, SPL token accounts.

Built on the program tests' Harness (rejections leave every account unchanged, with the
program's own code and log line), plus what execute needs: the session signer, SPL Token
and Token-2022 mints and accounts created through the real token programs in the SVM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client.constants import Permission
from sessions_client.execute import execute_instruction
from sessions_client.pda import find_signer_address
from sessions_client.spl_token import TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM_ID, read_token_account
from sessions_client.types import Guard, ResourceQuotas, SessionParams
from sessions_tools.svm import SessionsSVM, TxOutcome
from sessions_tools.testing.spl_setup import (
    MINT_SIZE,
    create_mint,
    create_token_account,
    mint_to,
)
from tests.program.support import Harness, Made, params

SOL = 1_000_000_000
#: Generous quotas for tests that are not about quotas.
ROOMY = ResourceQuotas(max_executions=1_000, max_compute_units=10**12, max_lamports=10**15)


@dataclass(frozen=True)
class Live:
    """An active session and its signer."""

    made: Made
    signer: Pubkey
    signer_bump: int

    @property
    def address(self) -> Pubkey:
        return self.made.address

    @property
    def owner(self) -> Keypair:
        return self.made.owner


class ExecHarness(Harness):
    def __init__(self, sessions: SessionsSVM) -> None:
        super().__init__(sessions)

    def live(
        self,
        *,
        quotas: ResourceQuotas = ROOMY,
        permissions: int = int(Permission.EXECUTE),
        settings: int = 0,
        guard: Guard | None = None,
        fund: int = 0,
        p: SessionParams | None = None,
    ) -> Live:
        """An Active session (created by a fresh owner) whose signer holds ``fund`` lamports."""
        p = p or params(
            permissions=permissions, settings=settings, quotas=quotas, guard=guard or Guard()
        )
        made = self.make("active", p)
        signer, bump = find_signer_address(made.address)
        if fund:
            self.ok(
                transfer(
                    TransferParams(from_pubkey=made.owner_key, to_pubkey=signer, lamports=fund)
                ),
                [made.owner],
            )
        return Live(made, signer, bump)

    def execute(
        self,
        live: Live,
        inner: Sequence[Instruction],
        *,
        authority: Keypair | None = None,
        extra_signers: Sequence[Keypair] = (),
        before: Sequence[Instruction] = (),
    ) -> tuple[Instruction, list[Instruction], list[Keypair]]:
        """(execute ix, the transaction's instructions, signers) without sending."""
        who = authority or live.owner
        exe = execute_instruction(who.pubkey(), live.address, list(inner))
        return exe, [*before, exe], [who, *extra_signers]

    def run(
        self,
        live: Live,
        inner: Sequence[Instruction],
        *,
        authority: Keypair | None = None,
        extra_signers: Sequence[Keypair] = (),
        before: Sequence[Instruction] = (),
    ) -> TxOutcome:
        _exe, ixs, signers = self.execute(
            live, inner, authority=authority, extra_signers=extra_signers, before=before
        )
        return self.ok(ixs, signers)

    # -- SPL token ------------------------------------------------------------------------

    def mint(self, authority: Keypair, program: Pubkey = TOKEN_PROGRAM_ID) -> Pubkey:
        mint = Keypair()
        rent = self.s.svm.minimum_balance_for_rent_exemption(MINT_SIZE)
        ixs = create_mint(authority.pubkey(), mint.pubkey(), authority.pubkey(), rent, program)
        self.ok(ixs, [authority, mint])
        return mint.pubkey()

    def token_account(
        self,
        payer: Keypair,
        mint: Pubkey,
        owner: Pubkey,
        amount: int = 0,
        *,
        mint_authority: Keypair | None = None,
        program: Pubkey = TOKEN_PROGRAM_ID,
    ) -> Pubkey:
        account = Keypair()
        rent = self.s.svm.minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)
        ixs = create_token_account(
            payer.pubkey(), account.pubkey(), mint, owner, rent, program=program
        )
        signers = [payer, account]
        if amount:
            assert mint_authority is not None
            ixs.append(mint_to(mint, account.pubkey(), mint_authority.pubkey(), amount, program))
            if mint_authority.pubkey() != payer.pubkey():
                signers.append(mint_authority)
        self.ok(ixs, signers)
        return account.pubkey()

    def token_amount(self, account: Pubkey) -> int:
        return read_token_account(self.raw(account)).amount
