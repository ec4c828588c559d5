"""Attacks through what an execute names: a CPI back into the sessions program through
another program, spend routed through an intermediary, a guard that admits one program
asked to pass a second one in the same execute, another session's signer, and a session
account that is not the sessions program's. Each refusal leaves every account unchanged
(``ExecHarness.reject``), or, for the runtime's own refusals, the watched accounts."""

from __future__ import annotations

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.accounts import encode_session
from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.errors import ErrorCode
from sessions_client.execute import SIGNER_INDEX, execute_instruction
from sessions_client.guards import (
    GuardExpr,
    compile_guard,
    lamports_at_most,
    program_is,
    signer_is,
)
from sessions_client.pda import find_signer_address
from tests.program.support import params

from .support import SOL, ExecHarness, Live


def pay(live: Live, to: Pubkey, lamports: int = 1_000) -> Instruction:
    return transfer(TransferParams(from_pubkey=live.signer, to_pubkey=to, lamports=lamports))


def through(dapp: Pubkey, inner: Instruction) -> Instruction:
    """``inner`` forwarded by the test dapp: its first account is the callee, the others
    are passed on with the flags they arrive with (tests/program/dapp)."""
    return Instruction(
        dapp,
        bytes(inner.data),
        [AccountMeta(inner.program_id, False, False), *inner.accounts],
    )


def install(x: ExecHarness, live: Live, policy: GuardExpr) -> None:
    owner = live.owner
    x.ok(ix.pause_session(owner.pubkey(), live.address), [owner])
    x.ok(ix.update_guard(owner.pubkey(), live.address, compile_guard(policy)), [owner])
    x.ok(ix.resume_session(owner.pubkey(), live.address), [owner])


def deploy(x: ExecHarness, dapp_so: bytes) -> Pubkey:
    dapp = Keypair().pubkey()
    x.s.svm.add_program(dapp, dapp_so)
    return dapp


def test_a_cpi_back_into_the_sessions_program_is_the_runtimes_reentrancy(
    x: ExecHarness, dapp_so: bytes
) -> None:
    """execute -> dapp -> sessions program: the direct target is not the sessions program
    (so CpiNotAllowed does not apply), and the runtime refuses the re-entry before the
    sessions program runs a second time, whatever that instruction would have done with
    the signer's signature: validate this session, execute another session of the same
    owner, or create a session paid by (and belonging to) this session's signer. (The
    session passed writable is refused by the program first: see
    test_inner_targets_are_checked_before_the_status.)"""
    dapp = deploy(x, dapp_so)
    live = x.live(fund=SOL)
    owner = live.owner.pubkey()
    sibling = x.live(fund=SOL)
    sibling_execute = execute_instruction(
        sibling.owner.pubkey(), sibling.address, [pay(sibling, sibling.owner.pubkey())]
    )
    for inner, extra in (
        (ix.validate_session(live.address, owner), []),
        (sibling_execute, [sibling.owner]),
        (ix.create_session(live.signer, 1, params()), []),
    ):
        _exe, ixs, signers = x.execute(live, [through(dapp, inner)], extra_signers=extra)
        before = {a: x.session(a) for a in (live.address, sibling.address)}
        balances = {k: x.s.balance(k) for k in (live.signer, sibling.signer)}
        out = x.send(ixs, signers)
        assert not out.ok
        assert out.error is None, out.error  # the runtime's refusal, not a program code
        assert out.failure is not None
        assert "ReentrancyNotAllowed" in out.failure, out.failure
        assert {a: x.session(a) for a in before} == before
        assert {k: x.s.balance(k) for k in balances} == balances
    # the same forwarder doing something legitimate runs: the refusal was the re-entry
    x.run(live, [through(dapp, pay(live, owner))])
    assert x.session(live.address).usage_count == 1


def test_spend_through_an_intermediary_is_measured(x: ExecHarness, dapp_so: bytes) -> None:
    """A guard that admits the dapp only caps what leaves the signer however it leaves: the
    dapp's own CPI moves the lamports, and the balance difference still counts."""
    dapp = deploy(x, dapp_so)
    live = x.live(fund=SOL)
    shop = x.s.funded_keypair().pubkey()
    install(x, live, program_is(dapp) & lamports_at_most(1_000))
    x.run(live, [through(dapp, pay(live, shop, 1_000))])  # exactly at the limit
    assert x.session(live.address).usage.lamports_spent == 1_000
    _exe, ixs, signers = x.execute(live, [through(dapp, pay(live, shop, 1_001))])
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer, shop])
    # and the same transfer made directly is another program: refused by program_is
    _exe, ixs, signers = x.execute(live, [pay(live, shop, 1)])
    x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer, shop])


def test_a_guard_passing_one_program_does_not_pass_the_next(x: ExecHarness, dapp_so: bytes) -> None:
    """With COMPOSE the guard is read for every inner instruction: an allowed first one
    does not carry a second, aimed at another program id, past it (in either order)."""
    dapp = deploy(x, dapp_so)
    live = x.live(fund=SOL, permissions=int(Permission.EXECUTE | Permission.COMPOSE))
    shop = x.s.funded_keypair().pubkey()
    install(x, live, program_is(SYSTEM_PROGRAM_ID))
    allowed, other = pay(live, shop), through(dapp, pay(live, shop))
    for inner in ([allowed, other], [other, allowed]):
        _exe, ixs, signers = x.execute(live, inner)
        x.reject(ixs, signers, ErrorCode.GUARD_REJECTED, watch=[live.signer, shop])
    x.run(live, [allowed, allowed])
    assert x.session(live.address).usage.lamports_spent == 2_000


def test_another_sessions_signer_cannot_be_spent(x: ExecHarness) -> None:
    """The program signs for this session's signer alone: an inner transfer from another
    session's (funded) signer, flagged as signing, is a signer execute does not have."""
    live = x.live(fund=SOL)
    victim = x.live(fund=SOL)
    theft = transfer(
        TransferParams(from_pubkey=victim.signer, to_pubkey=live.owner.pubkey(), lamports=SOL)
    )
    honest = execute_instruction(
        live.owner.pubkey(), live.address, [pay(live, live.owner.pubkey())]
    )
    metas = [*honest.accounts, AccountMeta(victim.signer, False, True)]
    data = bytearray(honest.data)
    data[12] = len(metas) - 1  # the transfer's source: the victim's signer, still "signing"
    forged = Instruction(PROGRAM_ID, bytes(data), metas)
    x.reject(forged, [live.owner], ErrorCode.MISSING_SIGNER, watch=[victim.signer])
    # the builder makes the victim's signer a signer of the transaction, which nobody can sign
    built = execute_instruction(live.owner.pubkey(), live.address, [theft])
    assert any(m.pubkey == victim.signer and m.is_signer for m in built.accounts)
    assert x.s.balance(victim.signer) == SOL


def test_a_session_account_of_another_program_is_refused(x: ExecHarness) -> None:
    """A byte-perfect copy of a live session, owned by another program (an attacker can
    write any bytes into an account it owns), is not a session: InvalidAccountOwner."""
    live = x.live(fund=SOL)
    copy = Keypair().pubkey()
    data = encode_session(x.session(live.address))
    real = x.s.svm.get_account(live.address)
    assert real is not None
    x.s.svm.set_account(copy, Account(real.lamports, data, SYSTEM_PROGRAM_ID))
    copy_signer, _bump = find_signer_address(copy)
    drain = transfer(
        TransferParams(from_pubkey=copy_signer, to_pubkey=live.owner.pubkey(), lamports=1)
    )
    exe = execute_instruction(live.owner.pubkey(), copy, [drain])
    x.reject(exe, [live.owner], ErrorCode.INVALID_ACCOUNT_OWNER)
    # with the real session's signer in the signer slot (the transfer's source), too
    metas = list(exe.accounts)
    metas[SIGNER_INDEX] = AccountMeta(live.signer, False, True)
    x.reject(
        Instruction(PROGRAM_ID, bytes(exe.data), metas),
        [live.owner],
        ErrorCode.INVALID_ACCOUNT_OWNER,
        watch=[live.signer],
    )


def test_a_guard_without_a_signer_predicate_admits_the_owner_alone(x: ExecHarness) -> None:
    bot = x.s.funded_keypair()
    live = x.live(fund=SOL)
    install(x, live, lamports_at_most(SOL))
    for stranger in (bot, x.s.funded_keypair()):
        _exe, ixs, signers = x.execute(live, [pay(live, live.owner.pubkey())], authority=stranger)
        x.reject(ixs, signers, ErrorCode.CALLER_NOT_ADMITTED, watch=[live.signer])
    x.run(live, [pay(live, live.owner.pubkey())])
    # naming a key admits that key and no longer the owner
    install(x, live, signer_is(bot.pubkey()))
    x.run(live, [pay(live, live.owner.pubkey())], authority=bot)
    _exe, ixs, signers = x.execute(live, [pay(live, live.owner.pubkey())])
    x.reject(ixs, signers, ErrorCode.CALLER_NOT_ADMITTED, watch=[live.signer])


def test_a_second_deployment_cannot_act_for_this_deployments_session(
    x: ExecHarness, program_so: bytes
) -> None:
    """The same program deployed at another id reads every account against its own id: a
    session of this deployment is not its session (InvalidAccountOwner), and the signer
    it would sign for is its own PDA of the session, never this deployment's signer."""
    other_id = Keypair().pubkey()
    x.s.svm.add_program(other_id, program_so)
    live = x.live(fund=SOL)
    foreign_signer, _bump = find_signer_address(live.address, other_id)
    assert foreign_signer != live.signer
    drain = transfer(
        TransferParams(from_pubkey=foreign_signer, to_pubkey=live.owner.pubkey(), lamports=1)
    )
    exe = execute_instruction(live.owner.pubkey(), live.address, [drain], program_id=other_id)
    out = x.send(exe, [live.owner])
    assert not out.ok
    assert out.error is ErrorCode.INVALID_ACCOUNT_OWNER, (out.error, out.logs)
    assert f"Program {other_id} failed: custom program error" in out.logs[-1], out.logs
    assert x.s.balance(live.signer) == SOL
