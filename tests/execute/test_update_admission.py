"""Who may change a session's limits, and how far: a key the guard admits narrows its own
limits at any time but never widens them, not even while the session is Paused (only the
owner of a Paused session sets any valid value); its update_guard is always AND(old, new),
never a replacement; the owner's own updates while Active narrow the same way. And
validate_session's answer follows what is in force: narrowed permissions, the seconds left,
through a CPI's return data as well as at the top level."""

from __future__ import annotations

from dataclasses import replace

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_client import instructions as ix
from sessions_client.codec import layout_of
from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.errors import ErrorCode
from sessions_client.events import (
    SessionGuardUpdated,
    SessionPermissionsUpdated,
    SessionQuotasUpdated,
)
from sessions_client.guards import (
    GuardExpr,
    compile_guard,
    decode_guard,
    lamports_at_most,
    signer_is,
)
from sessions_client.types import SessionValidity

from .support import ROOMY, SOL, ExecHarness, Live

BOTH = int(Permission.EXECUTE | Permission.COMPOSE)


def install(x: ExecHarness, live: Live, policy: GuardExpr, *, resume: bool = True) -> None:
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(policy)), [owner])
    if resume:
        x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])


def pay(live: Live, lamports: int) -> Instruction:
    return transfer(
        TransferParams(from_pubkey=live.signer, to_pubkey=live.owner.pubkey(), lamports=lamports)
    )


def test_an_admitted_key_never_widens_even_while_paused(x: ExecHarness) -> None:
    bot = x.s.funded_keypair()
    live = x.live(fund=SOL, permissions=BOTH)
    base = signer_is(bot.pubkey()) & lamports_at_most(5_000)
    install(x, live, base, resume=False)  # Paused, the bot admitted
    wider = replace(ROOMY, max_executions=ROOMY.max_executions + 1)
    x.reject(ix.update_quotas(bot.pubkey(), live.address, wider), [bot], ErrorCode.NOT_NARROWING)
    # the bot narrows permissions while Paused, then may not take them back
    out = x.ok(ix.update_permissions(bot.pubkey(), live.address, int(Permission.EXECUTE)), [bot])
    assert out.events == (
        SessionPermissionsUpdated(
            live.address,
            live.owner.pubkey(),
            bot.pubkey(),
            x.s.now(),
            BOTH,
            int(Permission.EXECUTE),
            1,
        ),
    )
    x.reject(
        ix.update_permissions(bot.pubkey(), live.address, BOTH), [bot], ErrorCode.NOT_NARROWING
    )
    # the bot's update_guard while Paused is AND(old, new), not the owner's replacement
    out = x.ok(
        ix.update_guard(bot.pubkey(), live.address, compile_guard(lamports_at_most(10**9))), [bot]
    )
    (event,) = out.events
    assert isinstance(event, SessionGuardUpdated)
    assert event.narrowed == 1
    stored = x.session(live.address)
    assert decode_guard(stored.guard) == base & lamports_at_most(10**9)
    # nor can it drop the guard: an empty new part is refused (AND(old, nothing) does not
    # validate), the guard left as it was
    x.reject(
        ix.update_guard(bot.pubkey(), live.address, compile_guard(None)),
        [bot],
        ErrorCode.INVALID_CONFIGURATION,
    )
    # the old limit still binds the bot once the owner resumes
    x.ok(ix.resume_session(live.owner.pubkey(), live.address), [live.owner])
    _exe, ixs, signers = x.execute(live, [pay(live, 5_001)], authority=bot)
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer])
    x.run(live, [pay(live, 5_000)], authority=bot)


def test_an_admitted_key_narrows_quotas_while_active(x: ExecHarness) -> None:
    bot = x.s.funded_keypair()
    live = x.live(fund=SOL)
    install(x, live, signer_is(bot.pubkey()))
    lower = replace(ROOMY, max_lamports=4_000)
    out = x.ok(ix.update_quotas(bot.pubkey(), live.address, lower), [bot])
    assert out.events == (
        SessionQuotasUpdated(live.address, live.owner.pubkey(), bot.pubkey(), lower, x.s.now(), 1),
    )
    x.reject(ix.update_quotas(bot.pubkey(), live.address, ROOMY), [bot], ErrorCode.NOT_NARROWING)
    x.run(live, [pay(live, 4_000)], authority=bot)
    _exe, ixs, signers = x.execute(live, [pay(live, 1)], authority=bot)
    x.reject(ixs, signers, ErrorCode.QUOTA_EXCEEDED, watch=[live.signer])


def test_the_owners_update_guard_while_active_narrows(x: ExecHarness) -> None:
    """Only Paused lets the owner replace the guard: while Active its update_guard is
    AND(old, new), so a looser guard sent then leaves the old limit in force."""
    live = x.live(fund=SOL)
    install(x, live, lamports_at_most(5_000))
    out = x.ok(
        ix.update_guard(live.owner.pubkey(), live.address, compile_guard(lamports_at_most(SOL))),
        [live.owner],
    )
    assert out.events[0].narrowed == 1  # type: ignore[union-attr]
    assert decode_guard(x.session(live.address).guard) == lamports_at_most(
        5_000
    ) & lamports_at_most(SOL)
    _exe, ixs, signers = x.execute(live, [pay(live, 5_001)])
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer])


def _validity(x: ExecHarness, instruction: Instruction, signers: list[Keypair]) -> SessionValidity:
    message = Message([instruction], x.fee_payer.pubkey())
    tx = Transaction([x.fee_payer, *signers], message, x.s.svm.latest_blockhash())
    result = x.s.svm.send_transaction(tx)
    x.s.svm.expire_blockhash()  # the same question twice is two transactions
    assert isinstance(result, TransactionMetadata), result
    answer = result.return_data()
    assert answer.program_id == PROGRAM_ID  # set by the sessions program, whoever called it
    decoded: SessionValidity = layout_of(SessionValidity).decode(bytes(answer.data), 0)
    return decoded


def test_validate_session_answers_what_is_in_force(x: ExecHarness, dapp_so: bytes) -> None:
    dapp = Keypair().pubkey()
    x.s.svm.add_program(dapp, dapp_so)
    bot = x.s.funded_keypair()
    live = x.live(permissions=BOTH)
    install(x, live, signer_is(bot.pubkey()))
    s = x.session(live.address)

    def by_cpi(inner: Instruction) -> Instruction:
        return Instruction(
            dapp, bytes(inner.data), [AccountMeta(PROGRAM_ID, False, False), *inner.accounts]
        )

    asked = ix.validate_session(live.address, bot.pubkey())
    for instruction in (asked, by_cpi(asked)):
        answer = _validity(x, instruction, [bot])
        assert answer == SessionValidity(s.session_id, s.expires_at - x.s.now(), BOTH)
    # the bot narrows to EXECUTE; an hour's seconds run down
    x.ok(ix.update_permissions(bot.pubkey(), live.address, int(Permission.EXECUTE)), [bot])
    x.s.advance(600)
    for instruction in (asked, by_cpi(asked)):
        answer = _validity(x, instruction, [bot])
        assert answer == SessionValidity(
            s.session_id, s.expires_at - x.s.now(), int(Permission.EXECUTE)
        )
    assert answer.remaining_seconds == s.expires_at - x.s.now()
    x.s.set_time(s.expires_at - 1)
    assert _validity(x, asked, [bot]).remaining_seconds == 1
    # the refusals execute would give: the owner, not named by this guard; expiry; EXECUTE
    x.reject(
        ix.validate_session(live.address, live.owner.pubkey()),
        [live.owner],
        ErrorCode.CALLER_NOT_ADMITTED,
    )
    x.ok(ix.update_permissions(bot.pubkey(), live.address, 0), [bot])
    x.reject(asked, [bot], ErrorCode.PERMISSION_DENIED)
    x.s.set_time(s.expires_at)
    x.reject(asked, [bot], ErrorCode.SESSION_EXPIRED)
