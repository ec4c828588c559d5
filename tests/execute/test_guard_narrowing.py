"""update_guard: the owner replaces the guard while Paused; anyone admitted narrows it to
AND(old, new) at any time, never naming a signer (admission cannot widen), and a rate window
already counting is kept (narrowing cannot reset it)."""

from __future__ import annotations

from solders.instruction import Instruction
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionGuardUpdated
from sessions_client.guards import (
    calls_per,
    compile_guard,
    decode_guard,
    lamports_at_most,
    signer_is,
    signer_is_owner,
)
from sessions_client.types import Guard

from .support import SOL, ExecHarness, Live


def pay(live: Live, lamports: int) -> Instruction:
    return transfer(
        TransferParams(from_pubkey=live.signer, to_pubkey=live.owner.pubkey(), lamports=lamports)
    )


def test_an_admitted_bot_narrows_with_and(x: ExecHarness) -> None:
    bot = x.s.funded_keypair()
    live = x.live(fund=SOL)
    owner = live.owner
    base = signer_is(bot.pubkey()) & calls_per(60, 3)
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(base)), [owner])
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])
    x.run(live, [pay(live, 10_000)], authority=bot)
    x.run(live, [pay(live, 10_000)], authority=bot)
    assert x.session(live.address).usage.rate_window_count == 2
    # the bot narrows its own limits while Active: AND(old, lamports <= 5,000)
    out = x.ok(
        ix.update_guard(bot.pubkey(), live.address, compile_guard(lamports_at_most(5_000))), [bot]
    )
    (event,) = out.events
    assert isinstance(event, SessionGuardUpdated)
    assert event.narrowed == 1
    stored = x.session(live.address)
    assert decode_guard(stored.guard) == base & lamports_at_most(5_000)
    assert stored.usage.rate_window_count == 2  # the window kept counting
    _exe, ixs, signers = x.execute(live, [pay(live, 5_001)], authority=bot)
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED)
    x.run(live, [pay(live, 5_000)], authority=bot)  # the third call this minute
    _exe, ixs, signers = x.execute(live, [pay(live, 1)], authority=bot)
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED)  # the fourth: still the old rate limit


def test_narrowing_cannot_name_signers_or_come_from_strangers(x: ExecHarness) -> None:
    bot, stranger = x.s.funded_keypair(), x.s.funded_keypair()
    live = x.live(fund=SOL)
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(
        ix.update_guard(owner.pubkey(), live.address, compile_guard(signer_is(bot.pubkey()))),
        [owner],
    )
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])
    for widening in (signer_is(stranger.pubkey()), signer_is_owner()):
        x.reject(
            ix.update_guard(bot.pubkey(), live.address, compile_guard(widening)),
            [bot],
            ErrorCode.NOT_NARROWING,
        )
    x.reject(
        ix.update_guard(stranger.pubkey(), live.address, compile_guard(lamports_at_most(1))),
        [stranger],
        ErrorCode.CALLER_NOT_ADMITTED,
    )
    # the owner, not admitted by this guard, may still replace it while Paused
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(None)), [owner])
    assert x.session(live.address).guard.len == 0


def test_update_guard_is_validated_like_creation(x: ExecHarness) -> None:
    live = x.live()
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    good = compile_guard(lamports_at_most(7))
    broken = type(good)(len=good.len + 1, code=good.code)  # operands past the end / tail
    x.reject(
        ix.update_guard(owner.pubkey(), live.address, broken),
        [owner],
        ErrorCode.INVALID_CONFIGURATION,
    )
    one = compile_guard(calls_per(60, 1))
    body = one.code[: one.len] * 2 + bytes(
        [0x10]
    )  # RATE_LIMIT, RATE_LIMIT, AND (the builder refuses it)
    two_windows = Guard(len=len(body), code=body.ljust(len(one.code), b"\0"))
    x.reject(
        ix.update_guard(owner.pubkey(), live.address, two_windows),
        [owner],
        ErrorCode.INVALID_CONFIGURATION,
    )
