"""The order of execute's checks (README "Execute"), where it decides which code a caller
gets: the fixed accounts (the Clock sysvar last of them) before the inner instructions,
the inner instructions' targets while they are parsed (before the session's status), the
no-guard owner rule and the quotas before the CPIs, and a guard only after them, in one
pass whose refusal (malformed, caller not admitted, false) undoes the CPIs that ran.
Every refusal leaves every account as it was (``ExecHarness.reject``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.sysvar import CLOCK, INSTRUCTIONS, RENT

from sessions_client import instructions as ix
from sessions_client.accounts import encode_session
from sessions_client.codec import layout_of
from sessions_client.constants import GUARD_CAPACITY
from sessions_client.errors import ErrorCode
from sessions_client.execute import execute_instruction
from sessions_client.guards import calls_per, compile_guard, program_is, signer_is
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.sysvar_layouts import ClockSysvar
from sessions_client.types import Guard, ResourceQuotas
from tests.program.support import with_data, with_meta

from .support import ROOMY, SOL, ExecHarness, Live

_EXECUTE = INSTRUCTIONS_BY_NAME["execute"]
CLOCK_AT = _EXECUTE.account_index("clock")
SYSVAR_AT = _EXECUTE.account_index("instructions_sysvar")
_UNIX_TIMESTAMP_AT = layout_of(ClockSysvar).field("unix_timestamp").offset


def pay(live: Live, to: Pubkey, lamports: int = 1000) -> Instruction:
    return transfer(TransferParams(from_pubkey=live.signer, to_pubkey=to, lamports=lamports))


def _execute(live: Live, inner: list[Instruction], who: Keypair | None = None) -> Instruction:
    return execute_instruction((who or live.owner).pubkey(), live.address, inner)


def _reject(x: ExecHarness, live: Live, exe: Instruction, signer: Keypair, code: ErrorCode) -> None:
    x.reject(exe, [signer], code, watch=[live.signer, live.owner.pubkey()])


def _plant_guard(x: ExecHarness, live: Live, guard: Guard) -> None:
    """Store ``guard`` byte for byte (as no instruction would: it may be malformed)."""
    x.overwrite(live.address, data=encode_session(replace(x.session(live.address), guard=guard)))


def test_the_clock_account_must_be_the_clock_sysvar(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    exe = _execute(live, [pay(live, live.owner.pubkey())])
    assert exe.accounts[CLOCK_AT].pubkey == CLOCK
    for other in (RENT, INSTRUCTIONS, live.owner.pubkey(), SYSTEM_PROGRAM_ID):
        wrong = with_meta(exe, CLOCK_AT, pubkey=other)
        _reject(x, live, wrong, live.owner, ErrorCode.MISSING_CLOCK_SYSVAR)
    x.ok(exe, [live.owner])  # the honest transaction runs


def test_the_clock_sysvar_always_holds_the_whole_clock(x: ExecHarness) -> None:
    """The program also refuses a Clock account too short for unix_timestamp; the runtime
    never passes one (LiteSVM refuses to store it), which is why the model checks the key
    alone."""
    clock = x.s.svm.get_account(CLOCK)
    assert clock is not None
    short = Account(clock.lamports, bytes(clock.data)[:_UNIX_TIMESTAMP_AT], clock.owner)
    # solders raises its LiteSVMError, which it does not export by name
    with pytest.raises(Exception, match="Invalid Clock sysvar data"):
        x.s.svm.set_account(CLOCK, short)


def test_the_clock_account_is_checked_after_the_instructions_sysvar(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    exe = _execute(live, [pay(live, live.owner.pubkey())])
    both = with_meta(with_meta(exe, CLOCK_AT, pubkey=RENT), SYSVAR_AT, pubkey=CLOCK)
    _reject(x, live, both, live.owner, ErrorCode.MISSING_INSTRUCTIONS_SYSVAR)
    # ... and before the inner instructions: a trailing byte is not looked at yet
    broken = with_data(with_meta(exe, CLOCK_AT, pubkey=RENT), bytes(exe.data) + b"\0")
    _reject(x, live, broken, live.owner, ErrorCode.MISSING_CLOCK_SYSVAR)


def test_inner_targets_are_checked_before_the_status(x: ExecHarness) -> None:
    """A CPI into the sessions program or the session passed writable is refused while the
    inner instructions are parsed, so even a paused session answers with the target's code."""
    live = x.live(fund=SOL)
    x.ok(ix.pause_session(live.owner.pubkey(), live.address), [live.owner])
    into_us = _execute(live, [ix.resume_session(live.owner.pubkey(), live.address)])
    _reject(x, live, into_us, live.owner, ErrorCode.CPI_NOT_ALLOWED)
    writable = _execute(live, [pay(live, live.address)])
    _reject(x, live, writable, live.owner, ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI)
    honest = _execute(live, [pay(live, live.owner.pubkey())])
    _reject(x, live, honest, live.owner, ErrorCode.SESSION_NOT_ACTIVE)


def test_a_stranger_whose_transfer_would_succeed_is_not_admitted(x: ExecHarness) -> None:
    """The guard admits in its one pass after the CPI: a stranger's execute runs the
    transfer, is refused there (CallerNotAdmitted) and the transaction undoes it."""
    bot = x.s.funded_keypair()
    guard = compile_guard(signer_is(bot.pubkey()) & program_is(SYSTEM_PROGRAM_ID))
    live = x.live(fund=SOL, guard=guard)
    stranger = x.s.funded_keypair()
    shop = x.s.funded_keypair().pubkey()
    inner = [pay(live, shop, 5_000)]
    before = x.session(live.address)
    out = x.reject(
        _execute(live, inner, stranger),
        [stranger],
        ErrorCode.CALLER_NOT_ADMITTED,
        watch=[live.signer, shop],
    )
    assert f"Program {SYSTEM_PROGRAM_ID} success" in out.logs, out.logs  # the CPI ran, undone
    # the owner is not named by a guard with a signer leaf either
    x.reject(
        _execute(live, inner),
        [live.owner],
        ErrorCode.CALLER_NOT_ADMITTED,
        watch=[live.signer, shop],
    )
    assert x.session(live.address) == before
    x.ok(_execute(live, inner, bot), [bot])  # the same transfer by the named key runs
    assert x.session(live.address).usage_count == before.usage_count + 1


def test_without_a_guard_strangers_are_refused_before_the_cpi(x: ExecHarness) -> None:
    """No guard admits the owner alone, decided before the CPI: a stranger is refused
    before the quotas (an exhausted quota does not change the answer)."""
    live = x.live(fund=SOL, quotas=ResourceQuotas(0, ROOMY.max_compute_units, SOL))
    stranger = x.s.funded_keypair()
    inner = [pay(live, live.owner.pubkey())]
    _reject(x, live, _execute(live, inner, stranger), stranger, ErrorCode.CALLER_NOT_ADMITTED)
    _reject(x, live, _execute(live, inner), live.owner, ErrorCode.QUOTA_EXCEEDED)


def test_with_a_guard_the_quotas_come_before_admission(x: ExecHarness) -> None:
    """With a guard, admission is the guard's pass after the CPIs: a stranger facing an
    exhausted quota hears QuotaExceeded, as anyone would."""
    bot = x.s.funded_keypair()
    live = x.live(
        fund=SOL,
        guard=compile_guard(signer_is(bot.pubkey())),
        quotas=ResourceQuotas(0, ROOMY.max_compute_units, SOL),
    )
    stranger = x.s.funded_keypair()
    inner = [pay(live, live.owner.pubkey())]
    _reject(x, live, _execute(live, inner, stranger), stranger, ErrorCode.QUOTA_EXCEEDED)


def test_a_malformed_stored_guard_fails_closed(x: ExecHarness) -> None:
    """A stored length past the capacity is refused before the CPI (ahead of the quotas); a
    guard broken in its bytes (here a nonzero byte after its length) in the one pass after
    the CPI, even for the owner, and the CPI is undone."""
    live = x.live(fund=SOL, quotas=ResourceQuotas(0, ROOMY.max_compute_units, SOL))
    inner = [pay(live, live.owner.pubkey())]
    _plant_guard(x, live, Guard(GUARD_CAPACITY + 1, bytes(GUARD_CAPACITY)))
    _reject(x, live, _execute(live, inner), live.owner, ErrorCode.GUARD_MALFORMED)
    code = bytes([0x02]) + bytes(GUARD_CAPACITY - 2) + b"\1"  # signer_is_owner, then a stray byte
    _plant_guard(x, live, Guard(1, code))
    _reject(x, live, _execute(live, inner), live.owner, ErrorCode.QUOTA_EXCEEDED)
    roomy = x.live(fund=SOL)
    _plant_guard(x, roomy, Guard(1, code))
    runs = _execute(roomy, [pay(roomy, roomy.owner.pubkey())])
    _reject(x, roomy, runs, roomy.owner, ErrorCode.GUARD_MALFORMED)


def test_a_running_window_that_counted_nothing_keeps_its_start(x: ExecHarness) -> None:
    """The window restarts by its own rule (never started, clock behind, run out), not
    whenever the new count is 1: a stored window still running with count 0 (which no
    instruction writes) continues from its start with this execution as its first."""
    live = x.live(fund=SOL, guard=compile_guard(calls_per(60, 5)))
    now = x.s.now()
    stored = x.session(live.address)
    usage = replace(stored.usage, rate_window_start=now - 10, rate_window_count=0)
    x.overwrite(live.address, data=encode_session(replace(stored, usage=usage)))
    x.ok(_execute(live, [pay(live, live.owner.pubkey())]), [live.owner])
    after = x.session(live.address).usage
    assert (after.rate_window_start, after.rate_window_count) == (now - 10, 1)


def test_validate_session_answers_in_executes_order(x: ExecHarness) -> None:
    """A spent execution quota and a guard that does not admit the caller: execute checks
    the quota before its CPIs and the guard after them, so both say QuotaExceeded; with
    the quota back, both say CallerNotAdmitted."""
    someone_else = Keypair().pubkey()
    guard = compile_guard(signer_is(someone_else))
    spent = x.live(fund=SOL, quotas=replace(ROOMY, max_executions=0), guard=guard)
    for instruction in (
        _execute(spent, [pay(spent, spent.owner.pubkey())]),
        ix.validate_session(spent.address, spent.owner.pubkey()),
    ):
        _reject(x, spent, instruction, spent.owner, ErrorCode.QUOTA_EXCEEDED)
    roomy = x.live(fund=SOL, guard=guard)
    for instruction in (
        _execute(roomy, [pay(roomy, roomy.owner.pubkey())]),
        ix.validate_session(roomy.address, roomy.owner.pubkey()),
    ):
        _reject(x, roomy, instruction, roomy.owner, ErrorCode.CALLER_NOT_ADMITTED)
