"""The program model on its own: check order, lamports, atomicity, previews, raw inputs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FUNDS, Parties
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import CLOCK

from sessions_client import instructions as ix
from sessions_client.accounts import SESSION_ACCOUNT_SIZE, decode_session, encode_session
from sessions_client.constants import PROGRAM_ID, Setting
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionClosed, SessionCreated, SessionPaused
from sessions_client.pda import find_session_address
from sessions_client.types import CloseReason, SessionConfig, SessionParams, SessionStatus
from simulator.clock import Clock
from simulator.ledger import ForeignAccount
from simulator.program import ProgramModel
from simulator.rent import Rent

PARAMS = SessionParams(SessionConfig(3600, 1, 0))
_RENT = Rent().minimum_balance(SESSION_ACCOUNT_SIZE)
assert _RENT is not None
RENT: int = _RENT


def active(model: ProgramModel, owner: Pubkey, session_id: int = 1) -> Pubkey:
    address, _ = find_session_address(owner, session_id)
    assert model.execute(ix.create_session(owner, session_id, PARAMS)).ok
    assert model.execute(ix.activate_session(owner, address)).ok
    return address


def meta(
    ix_: Instruction,
    index: int,
    *,
    signer: bool | None = None,
    writable: bool | None = None,
    key: Pubkey | None = None,
) -> Instruction:
    metas = list(ix_.accounts)
    m = metas[index]
    metas[index] = AccountMeta(
        key or m.pubkey,
        m.is_signer if signer is None else signer,
        m.is_writable if writable is None else writable,
    )
    return Instruction(ix_.program_id, ix_.data, metas)


def test_rent_matches_the_cluster_default() -> None:
    assert RENT == 9_855_360  # (128 + 1288) * 6960 * 1
    assert Rent(3480, 2.0).minimum_balance(SESSION_ACCOUNT_SIZE) == RENT
    assert Rent(6960, 1.5).minimum_balance(SESSION_ACCOUNT_SIZE) is None
    assert Rent(6960, -1.0).minimum_balance(0) is None
    assert Rent(6960, 32.0).minimum_balance(0) is None
    assert Rent().runtime_minimum(0) == 890_880
    assert Rent(6960, 1.5).runtime_minimum(0) == 1_336_320


def test_creation_charges_rent_and_close_returns_it(model: ProgramModel, parties: Parties) -> None:
    address = active(model, parties.owner)
    assert model.balance(parties.owner) == FUNDS - RENT
    assert model.balance(address) == RENT
    out = model.execute(ix.close_session(parties.owner, address, parties.owner, parties.owner))
    assert out.events == (
        SessionClosed(
            address, parties.owner, parties.owner, RENT, 0, model.clock.now(), CloseReason.CLOSED
        ),
    )
    assert model.balance(parties.owner) == FUNDS
    assert model.account_data(address) is None
    assert model.session(address) is None


def test_a_prefunded_address_is_topped_up_and_returned_whole(
    model: ProgramModel, parties: Parties
) -> None:
    address, _ = find_session_address(parties.owner, 9)
    model.airdrop(address, 1_000)
    assert model.account_data(address) == b""  # a plain system account with lamports
    assert model.execute(ix.create_session(parties.owner, 9, PARAMS)).ok
    assert model.balance(parties.owner) == FUNDS - (RENT - 1_000)
    model.airdrop(address, 5)  # lamports sent to a live session stay with it
    out = model.execute(ix.close_session(parties.owner, address, parties.owner, parties.owner))
    closed = out.events[0]
    assert isinstance(closed, SessionClosed)
    assert closed.lamports_returned == RENT + 5


WALLET_RENT = 890_880  # (128 + 0) * 6960


def test_a_payer_short_of_rent(model: ProgramModel, parties: Parties) -> None:
    poor = Pubkey.from_string("Poor111111111111111111111111111111111111111")
    model.airdrop(poor, RENT - 1)
    out = model.execute(ix.create_session(poor, 1, PARAMS))
    assert out.error is ErrorCode.CREATION_FAILED
    assert model.balance(poor) == RENT - 1


@pytest.mark.parametrize(
    ("balance", "accepted"),
    [
        (RENT, True),  # left with nothing: fine
        (RENT + 1, False),  # left with 1 lamport, below a wallet's minimum
        (RENT + WALLET_RENT - 1, False),
        (RENT + WALLET_RENT, True),
    ],
)
def test_the_program_keeps_payers_rent_exempt(balance: int, accepted: bool) -> None:
    """The runtime's rent-state rule, checked by the program before the CPI, with its code."""
    model = ProgramModel()
    poor = Pubkey.from_string("Poor111111111111111111111111111111111111111")
    model.airdrop(poor, balance)
    address, _ = find_session_address(poor, 1)
    out = model.execute(ix.create_session(poor, 1, PARAMS))
    assert out.ok is accepted
    if not accepted:
        assert out.error is ErrorCode.PAYER_BELOW_RENT_EXEMPTION
        assert out.failure is None
        assert out.failed_instruction == 0
        assert model.balance(poor) == balance
        assert model.session(address) is None


@pytest.mark.parametrize("paid", [100, 499_999, 500_000])
def test_a_payer_below_its_minimum_may_shrink(paid: int) -> None:
    """The rule's exception: already below the minimum and not growing (or emptied)."""
    model = ProgramModel()
    poor = Pubkey.from_string("Poor111111111111111111111111111111111111111")
    model.airdrop(poor, 500_000)
    address, _ = find_session_address(poor, 1)
    model.airdrop(address, RENT - paid)
    assert model.execute(ix.create_session(poor, 1, PARAMS)).ok
    assert model.balance(poor) == 500_000 - paid


def test_a_partial_payment_may_not_make_an_exempt_payer_rent_paying() -> None:
    model = ProgramModel()
    payer = Pubkey.from_string("Poor111111111111111111111111111111111111111")
    model.airdrop(payer, WALLET_RENT + 50)
    address, _ = find_session_address(payer, 1)
    model.airdrop(address, RENT - 100)
    out = model.execute(ix.create_session(payer, 1, PARAMS))
    assert out.error is ErrorCode.PAYER_BELOW_RENT_EXEMPTION
    assert model.balance(payer) == WALLET_RENT + 50


FOREIGN_PROGRAM = Pubkey.from_string("Forgn11111111111111111111111111111111111111")
E_OWNER = ErrorCode.INVALID_PAYER_OWNER


@pytest.mark.parametrize(
    ("owner", "data", "code"),
    [
        pytest.param(FOREIGN_PROGRAM, b"", ErrorCode.INVALID_PAYER_OWNER, id="foreign"),
        pytest.param(FOREIGN_PROGRAM, bytes(80), E_OWNER, id="foreign_with_data"),
        pytest.param(PROGRAM_ID, bytes(80), E_OWNER, id="sessions_program_owned"),
        pytest.param(SYSTEM_PROGRAM_ID, bytes(80), ErrorCode.PAYER_HOLDS_DATA, id="holds_data"),
    ],
)
@pytest.mark.parametrize("kind", ["create", "request"])
def test_a_payer_the_system_program_cannot_debit(
    parties: Parties, owner: Pubkey, data: bytes, code: ErrorCode, kind: str
) -> None:
    """Owned by another program, or holding data: the program's code, nothing changes."""
    model = ProgramModel()
    payer = Pubkey.from_string("Payer11111111111111111111111111111111111111")
    model.set_account(payer, owner, data, FUNDS)
    if kind == "create":
        built = ix.create_session(payer, 1, PARAMS)
    else:
        built = ix.request_session(payer, parties.owner, 1, PARAMS, 60)
    out = model.execute(built)
    assert out.error is code
    assert model.balance(payer) == FUNDS
    assert model.account_data(payer) == data
    assert model.session_addresses() == ()


@pytest.mark.parametrize(
    ("owner", "data"),
    [
        pytest.param(FOREIGN_PROGRAM, b"", id="foreign"),
        pytest.param(SYSTEM_PROGRAM_ID, bytes(80), id="holds_data"),
    ],
)
def test_a_payer_that_pays_nothing_gets_its_rent_back_on_close(owner: Pubkey, data: bytes) -> None:
    """A fully pre-funded address: the odd payer is not debited, and closing credits the
    rent to it where it lives (its own account, its data untouched)."""
    model = ProgramModel()
    payer = Pubkey.from_string("Payer11111111111111111111111111111111111111")
    model.set_account(payer, owner, data, 7)
    address, _ = find_session_address(payer, 1)
    model.airdrop(address, RENT)
    assert model.execute(ix.create_session(payer, 1, PARAMS)).ok
    assert model.balance(payer) == 7
    assert model.execute(ix.close_session(payer, address, payer, payer)).ok
    assert model.balance(payer) == 7 + RENT
    assert model.account_data(payer) == data


def test_a_foreign_credit_is_rolled_back_with_its_transaction() -> None:
    """A close that credits an odd payer, then a failing instruction: all undone."""
    model = ProgramModel()
    payer = Pubkey.from_string("Payer11111111111111111111111111111111111111")
    model.set_account(payer, FOREIGN_PROGRAM, b"", 7)
    address, _ = find_session_address(payer, 1)
    model.airdrop(address, RENT)
    assert model.execute(ix.create_session(payer, 1, PARAMS)).ok
    out = model.execute(
        [ix.close_session(payer, address, payer, payer), ix.activate_session(payer, address)]
    )
    assert out.error is ErrorCode.SESSION_NOT_FOUND
    assert out.failed_instruction == 1
    assert model.balance(payer) == 7
    assert model.session(address) is not None


def test_a_refused_rent_sysvar_fails_creation(parties: Parties) -> None:
    model = ProgramModel(rent=Rent(6960, 1.5))
    model.airdrop(parties.owner, FUNDS)
    assert (
        model.execute(ix.create_session(parties.owner, 1, PARAMS)).error
        is ErrorCode.CREATION_FAILED
    )


def test_state_and_events_of_creation(model: ProgramModel, parties: Parties) -> None:
    now = model.clock.now()
    address, bump = find_session_address(parties.owner, 1)
    out = model.execute(ix.create_session(parties.owner, 1, PARAMS))
    assert out.events == (
        SessionCreated(address, parties.owner, parties.owner, 1, 1, 0, now, now + 3600),
    )
    session = model.session(address)
    assert session is not None
    assert session.status is SessionStatus.CREATED
    assert session.bump == bump
    assert session.creator_program == Pubkey.default()
    assert session.updated_at == session.created_at == now
    data = model.account_data(address)
    assert data is not None
    assert decode_session(data) == session


# -- the order of checks: which error wins when several are wrong ----------------------------


def test_data_size_before_account_count(model: ProgramModel, parties: Parties) -> None:
    pause = ix.pause_session(parties.owner, parties.stranger)
    both = Instruction(PROGRAM_ID, pause.data + b"\0", list(pause.accounts)[:1])
    assert model.execute(both).error is ErrorCode.INVALID_INSTRUCTION_DATA
    short = Instruction(PROGRAM_ID, pause.data[:5], [])
    assert model.execute(short).error is ErrorCode.UNKNOWN_INSTRUCTION


def test_owner_instructions_load_before_they_authorize(
    model: ProgramModel, parties: Parties
) -> None:
    address = active(model, parties.owner)
    # A missing session wins over a missing signature and a wrong signer.
    unknown = meta(ix.pause_session(parties.stranger, parties.payer), 0, signer=False)
    assert model.execute(unknown).error is ErrorCode.SESSION_NOT_FOUND
    # Not writable wins over the signer checks.
    readonly = meta(ix.pause_session(parties.stranger, address), 1, writable=False)
    assert model.execute(readonly).error is ErrorCode.ACCOUNT_NOT_WRITABLE
    # A missing signature wins over a wrong signer.
    unsigned = meta(ix.pause_session(parties.stranger, address), 0, signer=False)
    assert model.execute(unsigned).error is ErrorCode.MISSING_SIGNER
    assert (
        model.execute(ix.pause_session(parties.stranger, address)).error is ErrorCode.UNAUTHORIZED
    )
    # The authority passes, then the status decides.
    assert model.execute(ix.resume_session(parties.owner, address)).error is (
        ErrorCode.INVALID_STATUS_TRANSITION
    )


def test_status_before_expiry(model: ProgramModel, parties: Parties) -> None:
    address = active(model, parties.owner)
    model.clock.advance(3600)
    assert model.execute(ix.activate_session(parties.owner, address)).error is (
        ErrorCode.INVALID_STATUS_TRANSITION
    )
    assert (
        model.execute(ix.pause_session(parties.owner, address)).error is ErrorCode.SESSION_EXPIRED
    )


def test_close_checks_receiver_then_signature_then_authority(
    model: ProgramModel, parties: Parties
) -> None:
    address = active(model, parties.owner)
    wrong_receiver = meta(
        ix.close_session(parties.stranger, address, parties.stranger, parties.owner),
        0,
        signer=False,
    )
    assert model.execute(wrong_receiver).error is ErrorCode.INVALID_RENT_RECEIVER
    # the creator is the owner too: both its metas read-only (a message merges them)
    closing = ix.close_session(parties.stranger, address, parties.owner, parties.owner)
    readonly = meta(meta(closing, 2, writable=False), 3, writable=False)
    assert model.execute(readonly).error is ErrorCode.ACCOUNT_NOT_WRITABLE
    unsigned = meta(
        ix.close_session(parties.stranger, address, parties.owner, parties.owner), 0, signer=False
    )
    assert model.execute(unsigned).error is ErrorCode.MISSING_SIGNER
    assert model.execute(
        ix.close_session(parties.stranger, address, parties.owner, parties.owner)
    ).error is (ErrorCode.UNAUTHORIZED)


def test_creation_checks_accounts_then_params_then_address(
    model: ProgramModel, parties: Parties
) -> None:
    bad = SessionParams(SessionConfig(0, 1, 0))
    wrong_address = ix.create_session(parties.owner, 1, bad, session=parties.stranger)
    assert model.execute(meta(wrong_address, 0, signer=False)).error is ErrorCode.MISSING_SIGNER
    assert (
        model.execute(meta(wrong_address, 2, key=CLOCK)).error is ErrorCode.INVALID_SYSTEM_PROGRAM
    )
    assert model.execute(wrong_address).error is ErrorCode.INVALID_CONFIGURATION
    good_params_wrong_address = ix.create_session(
        parties.owner, 1, PARAMS, session=parties.stranger
    )
    assert model.execute(good_params_wrong_address).error is ErrorCode.INVALID_SESSION_ADDRESS
    request = ix.request_session(
        parties.dapp, Pubkey.default(), 1, PARAMS, 0, session=parties.stranger
    )
    assert model.execute(request).error is ErrorCode.INVALID_CONFIGURATION


def test_reserved_keys_and_the_program_are_read_only(model: ProgramModel, parties: Parties) -> None:
    for key in (CLOCK, PROGRAM_ID, SYSTEM_PROGRAM_ID):
        out = model.execute(ix.create_session(parties.owner, 1, PARAMS, session=key))
        assert out.error is ErrorCode.ACCOUNT_NOT_WRITABLE


def test_foreign_and_raw_accounts(model: ProgramModel, parties: Parties) -> None:
    model.add_foreign_account(
        CLOCK,
        ForeignAccount(
            Pubkey.from_string("Sysvar1111111111111111111111111111111111111"), bytes(40), 1
        ),
    )
    assert (
        model.execute(ix.pause_session(parties.owner, CLOCK)).error
        is ErrorCode.INVALID_ACCOUNT_OWNER
    )
    odd = parties.payer
    model.set_account(odd, PROGRAM_ID, b"\0" * 3, 1_000)
    assert (
        model.execute(ix.pause_session(parties.owner, odd)).error is ErrorCode.INVALID_ACCOUNT_SIZE
    )
    model.set_account(odd, Pubkey.default(), b"data", 1_000)
    assert (
        model.execute(ix.pause_session(parties.owner, odd)).error is ErrorCode.INVALID_ACCOUNT_OWNER
    )


def test_a_planted_session_runs_with_its_stored_status(
    model: ProgramModel, parties: Parties
) -> None:
    address = active(model, parties.owner)
    data = model.account_data(address)
    assert data is not None
    session = decode_session(data)

    model.set_account(
        address, PROGRAM_ID, encode_session(replace(session, status=SessionStatus.CLOSED)), RENT
    )
    assert model.execute(
        ix.close_session(parties.owner, address, parties.owner, parties.owner)
    ).error is (ErrorCode.INVALID_STORED_STATE)
    model.set_account(address, PROGRAM_ID, encode_session(replace(session, usage_count=5)), RENT)
    assert model.execute(ix.pause_session(parties.owner, address)).ok
    after = model.session(address)
    assert after is not None
    assert after.usage_count == 5  # fields the program never touches survive
    assert after.status is SessionStatus.PAUSED


# -- transactions --------------------------------------------------------------------------


def test_transactions_are_all_or_nothing(model: ProgramModel, parties: Parties) -> None:
    address, _ = find_session_address(parties.owner, 1)
    out = model.execute(
        [ix.create_session(parties.owner, 1, PARAMS), ix.pause_session(parties.owner, address)]
    )
    assert out.error is ErrorCode.SESSION_NOT_ACTIVE
    assert out.failed_instruction == 1
    assert model.session(address) is None
    assert model.balance(parties.owner) == FUNDS
    out = model.execute(
        [ix.create_session(parties.owner, 1, PARAMS), ix.activate_session(parties.owner, address)]
    )
    assert out.ok
    assert [type(e).__name__ for e in out.events] == ["SessionCreated", "SessionActivated"]


def test_flags_merge_across_the_transaction(model: ProgramModel, parties: Parties) -> None:
    address = active(model, parties.owner)
    unsigned = meta(ix.pause_session(parties.owner, address), 0, signer=False)
    assert model.execute(unsigned).error is ErrorCode.MISSING_SIGNER
    assert model.execute(unsigned, payer=parties.owner).ok  # the fee payer signs


def test_preview_commits_nothing(model: ProgramModel, parties: Parties) -> None:
    address, _ = find_session_address(parties.owner, 1)
    outcome, after = model.preview(ix.create_session(parties.owner, 1, PARAMS))
    assert outcome.ok
    assert after[address] is not None
    assert model.session(address) is None
    assert model.balance(parties.owner) == FUNDS


def test_raw_instruction_inputs(model: ProgramModel, parties: Parties) -> None:
    address = active(model, parties.owner)
    pause = ix.pause_session(parties.owner, address)
    out = model.run(
        pause.data, [parties.owner, address], signers=[parties.owner], writable=[address]
    )
    assert out.events == (SessionPaused(address, parties.owner, model.clock.now()),)
    out = model.run(pause.data, [parties.owner, address], signers=[], writable=[address])
    assert out.error is ErrorCode.MISSING_SIGNER


def test_only_the_sessions_program_runs(model: ProgramModel, parties: Parties) -> None:
    other = ix.pause_session(parties.owner, parties.stranger, program_id=parties.payer)
    with pytest.raises(ValueError, match="only the sessions program"):
        model.execute(other)
    with pytest.raises(ValueError, match="only the sessions program"):
        model.execute([other])


def test_auto_expire_closes_with_both_events(parties: Parties) -> None:
    model = ProgramModel(clock=Clock(1_000))
    model.airdrop(parties.owner, FUNDS)
    params = SessionParams(SessionConfig(10, 1, int(Setting.AUTO_EXPIRE)))
    address, _ = find_session_address(parties.owner, 1)
    assert model.execute(ix.create_session(parties.owner, 1, params)).ok
    model.clock.set(1_010)
    out = model.execute(ix.expire_session(address, parties.owner, parties.owner))
    assert [type(e).__name__ for e in out.events] == ["SessionExpired", "SessionClosed"]
    assert out.events[0].previous_status is SessionStatus.CREATED  # type: ignore[union-attr]
    assert model.balance(parties.owner) == FUNDS
