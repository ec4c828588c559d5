"""The model's execute on its own (fast, no SVM): the quotas execute decides (moved here
from the client-side isolation manager, which no longer counts them), the ledger savepoint
that undoes a refused execute's CPIs, the compute charge from SetComputeUnitLimit, and the
loud refusal of a callee the model does not know. The SVM agreement is
test_differential_execute.py's."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import Permission, Setting
from sessions_client.errors import ErrorCode
from sessions_client.execute import execute_instruction
from sessions_client.guards import calls_per, compile_guard, signer_is
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.types import Guard, ResourceQuotas, SessionConfig, SessionParams
from simulator.callees import Callee
from simulator.not_modelled import NotModelledError
from simulator.outcome import Outcome, RuntimeFailure
from simulator.program import ProgramModel

OWNER = Keypair.from_seed(bytes([70]) * 32).pubkey()
SHOP = Keypair.from_seed(bytes([71]) * 32).pubkey()
BOT, STRANGER = (Keypair.from_seed(bytes([72 + i]) * 32).pubkey() for i in range(2))
FORWARDER = Pubkey.from_string("Dapp111111111111111111111111111111111111111")
FUNDS = 10**10


def _session(
    quotas: ResourceQuotas, settings: int = 0, guard: Guard | None = None
) -> tuple[ProgramModel, Pubkey, Pubkey]:
    model = ProgramModel()
    model.airdrop(OWNER, 10**12)
    model.airdrop(SHOP, 10**9)
    permissions = int(Permission.EXECUTE | Permission.COMPOSE)
    config = SessionConfig(3600, permissions, settings)
    params = SessionParams(config, quotas=quotas, guard=guard or Guard())
    session, _ = find_session_address(OWNER, 0)
    assert model.execute(ix.create_session(OWNER, 0, params), payer=OWNER).ok
    assert model.execute(ix.activate_session(OWNER, session), payer=OWNER).ok
    signer, _ = find_signer_address(session)
    model.airdrop(signer, FUNDS)
    return model, session, signer


def _pay(signer: Pubkey, lamports: int, to: Pubkey = SHOP) -> Instruction:
    return transfer(TransferParams(from_pubkey=signer, to_pubkey=to, lamports=lamports))


def _run(model: ProgramModel, session: Pubkey, inner: Sequence[Instruction]) -> Outcome:
    return model.execute(execute_instruction(OWNER, session, list(inner)), payer=OWNER)


def test_a_guard_admits_after_the_cpi_and_its_refusal_undoes_it() -> None:
    """The guard's one pass after the CPIs: a stranger's transfer runs in the model (the
    callee writes the ledger), is refused CallerNotAdmitted, and the savepoint undoes it;
    the key the guard names runs the same transfer, counted into the rate window."""
    model, session, signer = _session(
        ResourceQuotas(10, 10**9, 10**9), guard=compile_guard(signer_is(BOT) & calls_per(60, 1))
    )
    model.airdrop(BOT, 10**9)
    model.airdrop(STRANGER, 10**9)
    before = model.account_data(session)
    for who in (STRANGER, OWNER):
        exe = execute_instruction(who, session, [_pay(signer, 5)])
        assert model.execute(exe, payer=who).error is ErrorCode.CALLER_NOT_ADMITTED
    assert model.account_data(session) == before
    assert model.balance(signer) == FUNDS
    exe = execute_instruction(BOT, session, [_pay(signer, 5)])
    assert model.execute(exe, payer=BOT).ok
    assert model.execute(exe, payer=BOT).error is ErrorCode.GUARD_REJECTED  # 2nd in the window
    record = model.record(session)
    assert record is not None
    assert (record.usage.usage_count, record.usage.stats.rate_window_count) == (1, 1)


def test_executions_exactly_at_the_limit_then_one_more() -> None:
    model, session, signer = _session(ResourceQuotas(2, 10**9, 10**9))
    assert _run(model, session, [_pay(signer, 5)]).ok
    assert _run(model, session, [_pay(signer, 5)]).ok
    assert _run(model, session, [_pay(signer, 5)]).error is ErrorCode.QUOTA_EXCEEDED
    record = model.record(session)
    assert record is not None
    assert record.usage.usage_count == 2


def test_lamports_exactly_at_the_limit_then_one_more_gross() -> None:
    """Gross outflow: out and back in the same execute still counts."""
    model, session, signer = _session(ResourceQuotas(10, 10**9, 1_000))
    assert _run(model, session, [_pay(signer, 600)]).ok
    assert _run(model, session, [_pay(signer, 401)]).error is ErrorCode.QUOTA_EXCEEDED
    assert model.balance(signer) == FUNDS - 600  # the refused transfer is undone
    assert _run(model, session, [_pay(signer, 400)]).ok
    record = model.record(session)
    assert record is not None
    assert record.usage.stats.lamports_spent == 1_000


def test_the_compute_charge_is_the_requested_limit() -> None:
    model, session, signer = _session(ResourceQuotas(10, 300_000, 10**9))
    exe = execute_instruction(OWNER, session, [_pay(signer, 1)])
    assert model.execute([set_compute_unit_limit(300_000), exe], payer=OWNER).ok
    refused = model.execute([set_compute_unit_limit(1), exe], payer=OWNER)
    assert (refused.error, refused.failed_instruction) == (ErrorCode.QUOTA_EXCEEDED, 1)
    record = model.record(session)
    assert record is not None
    assert record.usage.stats.compute_units_used == 300_000
    model2, session2, signer2 = _session(ResourceQuotas(10, 199_999, 10**9))
    assert _run(model2, session2, [_pay(signer2, 1)]).error is ErrorCode.QUOTA_EXCEEDED


def test_zero_quotas_allow_nothing() -> None:
    model, session, signer = _session(ResourceQuotas())
    assert _run(model, session, [_pay(signer, 1)]).error is ErrorCode.QUOTA_EXCEEDED


def test_a_refused_callee_undoes_the_earlier_cpis() -> None:
    model, session, signer = _session(ResourceQuotas(10, 10**9, 10**12))
    before = (model.balance(signer), model.balance(SHOP))
    out = _run(model, session, [_pay(signer, 7), _pay(signer, FUNDS)])
    assert (out.ok, out.error, out.failure, out.detail) == (
        False,
        None,
        RuntimeFailure.CALLEE_FAILED,
        "Custom(1)",
    )
    assert (model.balance(signer), model.balance(SHOP)) == before


def test_a_wallet_left_rent_paying_is_the_runtimes_refusal() -> None:
    model, session, signer = _session(ResourceQuotas(10, 10**9, 10**12))
    fresh = Keypair.from_seed(bytes([72]) * 32).pubkey()
    out = _run(model, session, [_pay(signer, 1, to=fresh)])
    assert (out.failure, out.detail, out.failed_instruction) == (
        RuntimeFailure.RENT_STATE,
        "InsufficientFundsForRent",
        None,
    )
    assert model.balance(fresh) == 0


def test_spend_through_the_forwarder_is_measured_from_balances() -> None:
    model, session, signer = _session(
        ResourceQuotas(10, 10**9, 10**12), settings=int(Setting.EXECUTION_LOGGING)
    )
    model.add_program(FORWARDER, Callee.FORWARDER)
    pay = _pay(signer, 9)
    forwarded = Instruction(
        FORWARDER, bytes(pay.data), [AccountMeta(SYSTEM_PROGRAM_ID, False, False), *pay.accounts]
    )
    out = _run(model, session, [forwarded])
    assert out.ok
    (event,) = out.events
    assert (event.program, event.lamports_spent) == (FORWARDER, 9)  # type: ignore[attr-defined]


def test_a_program_the_model_does_not_know_is_refused_loudly() -> None:
    model, session, signer = _session(ResourceQuotas(10, 10**9, 10**12))
    unknown = Instruction(Pubkey.new_unique(), b"", [AccountMeta(signer, True, True)])
    balance = model.balance(signer)
    with pytest.raises(NotModelledError, match="does not know program"):
        _run(model, session, [unknown])
    assert model.balance(signer) == balance
