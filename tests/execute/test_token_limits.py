"""Token spend per call for a mint (``token_at_most``) in the SVM: exactly at the limit and
one over, another mint not counted, an allowance the signer spends as delegate counted,
several accounts of one mint summed, and CloseAccount, the last way to hand a token account
of the signer's away (its rent to anyone) without moving a token."""

from __future__ import annotations

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.constants import Permission
from sessions_client.errors import ErrorCode
from sessions_client.guards import GuardExpr, compile_guard, token_at_most
from sessions_client.spl_token import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID

from .support import SOL, ExecHarness, Live


def install(x: ExecHarness, live: Live, policy: GuardExpr) -> None:
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(policy)), [owner])
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])


def send(
    live: Live, source: Pubkey, dest: Pubkey, amount: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    return spl.transfer(
        spl_models.TransferParams(
            program_id=program, source=source, dest=dest, owner=live.signer, amount=amount
        )
    )


def refuse(x: ExecHarness, live: Live, inner: list[Instruction], code: ErrorCode) -> None:
    _exe, ixs, signers = x.execute(live, inner)
    x.reject(ixs, signers, code, watch=[live.signer])


def test_token_at_most_exactly_at_the_limit_and_one_over(x: ExecHarness) -> None:
    live = x.live(fund=SOL, permissions=int(Permission.EXECUTE | Permission.COMPOSE))
    owner = live.owner
    mint, other_mint = x.mint(owner), x.mint(owner)
    held = x.token_account(owner, mint, live.signer, 1_000, mint_authority=owner)
    held_too = x.token_account(owner, mint, live.signer, 1_000, mint_authority=owner)
    other = x.token_account(owner, other_mint, live.signer, 1_000, mint_authority=owner)
    shop = x.token_account(owner, mint, Keypair().pubkey())
    other_shop = x.token_account(owner, other_mint, Keypair().pubkey())
    install(x, live, token_at_most(mint, 40))
    x.run(live, [send(live, held, shop, 40)])  # exactly the limit
    refuse(x, live, [send(live, held, shop, 41)], ErrorCode.GUARD_REJECTED)
    # another mint is not this limit's
    x.run(live, [send(live, other, other_shop, 500)])
    # two accounts of the mint, one execute: the outflow is summed per mint
    refuse(
        x,
        live,
        [send(live, held, shop, 20), send(live, held_too, shop, 21)],
        ErrorCode.GUARD_REJECTED,
    )
    x.run(live, [send(live, held, shop, 20), send(live, held_too, shop, 20)])
    assert x.token_amount(shop) == 80
    assert x.token_amount(other_shop) == 500


def test_an_allowance_spent_as_delegate_counts(x: ExecHarness) -> None:
    """The owner's own token account, approved to the signer: what the session moves from
    it as delegate is its spend, per call, like the tokens it owns (Token-2022 too)."""
    for program in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
        live = x.live(fund=SOL)
        owner = live.owner
        mint = x.mint(owner, program)
        wallet = x.token_account(
            owner, mint, owner.pubkey(), 1_000, mint_authority=owner, program=program
        )
        shop = x.token_account(owner, mint, Keypair().pubkey(), program=program)
        approve = spl.approve(
            spl_models.ApproveParams(
                program_id=program,
                source=wallet,
                delegate=live.signer,
                owner=owner.pubkey(),
                amount=100,
            )
        )
        x.ok(approve, [owner])
        install(x, live, token_at_most(mint, 30))
        refuse(x, live, [send(live, wallet, shop, 31, program)], ErrorCode.GUARD_REJECTED)
        x.run(live, [send(live, wallet, shop, 30, program)])
        assert x.token_amount(shop) == 30


def test_closing_a_token_account_of_the_signer_is_an_authority_change(
    x: ExecHarness,
) -> None:
    """CloseAccount moves no token (the account must be empty) but ends the account and
    sends its rent anywhere: the frozen fields are gone, AuthorityChanged (both programs)."""
    for program in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
        live = x.live(fund=SOL)
        owner = live.owner
        mint = x.mint(owner, program)
        empty = x.token_account(owner, mint, live.signer, program=program)
        thief = x.s.funded_keypair().pubkey()
        close = spl.close_account(
            spl_models.CloseAccountParams(
                program_id=program, account=empty, dest=thief, owner=live.signer
            )
        )
        _exe, ixs, signers = x.execute(live, [close])
        x.reject(ixs, signers, ErrorCode.AUTHORITY_CHANGED, watch=[live.signer, empty, thief])


def test_a_token_account_listed_twice_is_counted_once(x: ExecHarness) -> None:
    """The runtime passes a repeated key as one record: the signer's token account named
    again after a transfer's own accounts (SPL ignores trailing accounts of a single-owner
    Transfer) is one snapshot, its outflow counted once; spent again by a second inner
    instruction, it is counted again (per CPI, summed)."""
    live = x.live(fund=SOL, permissions=int(Permission.EXECUTE | Permission.COMPOSE))
    owner = live.owner
    mint = x.mint(owner)
    held = x.token_account(owner, mint, live.signer, 1_000, mint_authority=owner)
    shop = x.token_account(owner, mint, Keypair().pubkey())
    install(x, live, token_at_most(mint, 40))
    plain = send(live, held, shop, 40)
    twice = Instruction(
        plain.program_id, bytes(plain.data), [*plain.accounts, AccountMeta(held, False, True)]
    )
    x.run(live, [twice])
    assert x.token_amount(shop) == 40
    refuse(
        x, live, [send(live, held, shop, 20), send(live, held, shop, 21)], ErrorCode.GUARD_REJECTED
    )
    x.run(live, [send(live, held, shop, 20), send(live, held, shop, 20)])
    assert x.token_amount(shop) == 80
