"""The worked examples (README "Execute and quotas"), each against the program in the SVM.

Guards are installed by the owner with update_guard while the session is Paused (the way a
policy is changed after creation), then the session resumes.
"""

from __future__ import annotations

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import (
    AssignParams,
    CreateAccountParams,
    TransferParams,
    assign,
    create_account,
    transfer,
)

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.guards import (
    GuardExpr,
    account_is,
    calls_per,
    compile_guard,
    discriminator_in,
    lamports_at_most,
    program_is,
    signer_is,
)
from sessions_client.types import ResourceQuotas

from .support import SOL, ExecHarness, Live

#: The system program's Transfer: bincode u32 variant index 2.
TRANSFER = (2).to_bytes(4, "little")


def install(x: ExecHarness, live: Live, policy: GuardExpr) -> None:
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(policy)), [owner])
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])


def pay(live: Live, to: Pubkey, lamports: int) -> Instruction:
    return transfer(TransferParams(from_pubkey=live.signer, to_pubkey=to, lamports=lamports))


def refuse(x: ExecHarness, live: Live, inner: Instruction, who: Keypair, code: ErrorCode) -> None:
    _exe, ixs, signers = x.execute(live, [inner], authority=who)
    x.reject(ixs, signers, code, watch=[live.signer])


def test_trading_bot(x: ExecHarness) -> None:
    """One program and one instruction (system Transfer), 10 calls a minute, 1 SOL in total,
    for one hour, by the bot's key alone."""
    bot = x.s.funded_keypair()
    shop = x.s.funded_keypair().pubkey()
    quotas = ResourceQuotas(max_executions=1_000, max_compute_units=10**12, max_lamports=SOL)
    live = x.live(fund=2 * SOL, quotas=quotas)
    install(
        x,
        live,
        signer_is(bot.pubkey())
        & program_is(SYSTEM_PROGRAM_ID)
        & discriminator_in(TRANSFER)
        & calls_per(60, 10),
    )
    for _ in range(10):
        x.run(live, [pay(live, shop, SOL // 20)], authority=bot)
    refuse(x, live, pay(live, shop, 1), bot, ErrorCode.GUARD_REJECTED)  # the 11th this minute
    x.s.advance(60)
    x.run(live, [pay(live, shop, SOL // 4)], authority=bot)  # a new window
    # another instruction of the same program (CreateAccount): refused by the discriminator
    fresh = Keypair()
    other = create_account(
        CreateAccountParams(
            from_pubkey=live.signer,
            to_pubkey=fresh.pubkey(),
            lamports=x.s.svm.minimum_balance_for_rent_exemption(0),
            space=0,
            owner=SYSTEM_PROGRAM_ID,
        )
    )
    _exe, ixs, signers = x.execute(live, [other], authority=bot, extra_signers=[fresh])
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer])
    # and Assign would hand the signer away: the effect check refuses it first
    escape = assign(AssignParams(pubkey=live.signer, owner=Keypair().pubkey()))
    refuse(x, live, escape, bot, ErrorCode.SIGNER_ESCAPED)
    # 1 SOL in total: 0.75 spent, 0.25 allowed exactly, one lamport more refused
    x.run(live, [pay(live, shop, SOL // 4)], authority=bot)
    assert x.session(live.address).usage.lamports_spent == SOL
    refuse(x, live, pay(live, shop, 1), bot, ErrorCode.QUOTA_EXCEEDED)
    # the owner is not the bot: this guard admits the bot alone
    refuse(x, live, pay(live, shop, 1), live.owner, ErrorCode.CALLER_NOT_ADMITTED)
    x.s.set_time(x.session(live.address).expires_at)
    refuse(x, live, pay(live, shop, 1), bot, ErrorCode.SESSION_EXPIRED)


def test_admin_override_with_or(x: ExecHarness) -> None:
    bot, admin = x.s.funded_keypair(), x.s.funded_keypair()
    shop = x.s.funded_keypair().pubkey()
    live = x.live(fund=2 * SOL)
    install(
        x, live, (signer_is(bot.pubkey()) & lamports_at_most(1_000)) | signer_is(admin.pubkey())
    )
    x.run(live, [pay(live, shop, 1_000)], authority=bot)
    refuse(x, live, pay(live, shop, 1_001), bot, ErrorCode.GUARD_REJECTED)
    x.run(live, [pay(live, shop, SOL // 2)], authority=admin)  # the override
    refuse(x, live, pay(live, shop, 1), x.s.funded_keypair(), ErrorCode.CALLER_NOT_ADMITTED)


def test_not_denylist(x: ExecHarness) -> None:
    """Anything but paying the blocked address (the transfer's destination is account 1)."""
    blocked = x.s.funded_keypair().pubkey()
    friend = x.s.funded_keypair().pubkey()
    live = x.live(fund=SOL)
    install(x, live, ~account_is(1, blocked))
    x.run(live, [pay(live, friend, 5_000)])
    refuse(x, live, pay(live, blocked, 5_000), live.owner, ErrorCode.GUARD_REJECTED)


def test_guard_for_another_program_refuses(x: ExecHarness) -> None:
    """A guard that names another program id passes nothing aimed at the system program."""
    live = x.live(fund=SOL)
    install(x, live, program_is(Keypair().pubkey()))
    refuse(x, live, pay(live, live.owner.pubkey(), 1), live.owner, ErrorCode.GUARD_REJECTED)
