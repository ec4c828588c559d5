"""Closing a session returns what its signer holds in SOL to the owner (close_session, and
expire_session when it closes: a timed-out request or AUTO_EXPIRE), in the SVM.

The signer is verified on every path, funded or not: the recorded one by key, an unrecorded
one as the canonical PDA ["signer", session] with the supplied bump. Every refusal has its
code and leaves every account of the instruction (and the real signer) as it was.
"""

from __future__ import annotations

import itertools

import pytest
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.sysvar import CLOCK

from sessions_client import instructions as ix
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode as E
from sessions_client.events import SessionClosed, SessionExpired
from sessions_client.execute import execute_instruction
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.pda import find_session_address, find_signer_address, signer_seeds
from sessions_client.types import (
    CloseReason,
    ResourceQuotas,
    SessionStatus,
)
from sessions_tools.svm import TxOutcome

from .support import AUTO_EXPIRE, DEFAULT_TTL, Harness, Made, params, with_accounts, with_meta

FUNDS = 50_000_000
#: A session that may execute (EXECUTE, quotas to spend).
EXECUTABLE = params(quotas=ResourceQuotas(5, 10**9, 10**12))
_CLOSE_SPEC = INSTRUCTIONS_BY_NAME["close_session"]
_EXPIRE_SPEC = INSTRUCTIONS_BY_NAME["expire_session"]
CLOSE_OWNER, CLOSE_SIGNER, CLOSE_SYSTEM, CLOSE_CLOCK = (
    _CLOSE_SPEC.account_index(name)
    for name in ("owner", "session_signer", "system_program", "clock")
)
EXPIRE_CLOCK = _EXPIRE_SPEC.account_index("clock")


def signer_of(made: Made) -> Pubkey:
    return find_signer_address(made.address)[0]


def fund(h: Harness, address: Pubkey, lamports: int = FUNDS) -> None:
    payer = h.fee_payer.pubkey()
    h.ok(transfer(TransferParams(from_pubkey=payer, to_pubkey=address, lamports=lamports)))


def closed(out: TxOutcome) -> SessionClosed:
    (event,) = [e for e in out.events if isinstance(e, SessionClosed)]
    return event


def close(made: Made, signer: Pubkey | None = None, signer_bump: int | None = None) -> Instruction:
    """The owner closes ``made`` (the sweep's signer and bump derived unless given)."""
    return ix.close_session(
        made.owner_key,
        made.address,
        made.creator_key,
        made.owner_key,
        signer=signer,
        signer_bump=signer_bump,
    )


def owner_with_signer_bump(h: Harness, want_255: bool) -> tuple[Keypair, int]:
    """An owner and a session id whose signer's canonical bump is 255 (or is not)."""
    owner = h.s.funded_keypair()
    for sid in itertools.count(1):
        address, _ = find_session_address(owner.pubkey(), sid)
        if (find_signer_address(address)[1] == 255) == want_255:
            return owner, sid
    raise AssertionError("unreachable")


def noncanonical_signer(session: Pubkey) -> tuple[Pubkey, int]:
    """A valid signer PDA of ``session`` below the canonical bump (a real PDA, not the one)."""
    canonical = find_signer_address(session)[1]
    for bump in range(canonical - 1, -1, -1):
        try:
            seeds = [*signer_seeds(session), bytes((bump,))]
            return Pubkey.create_program_address(seeds, PROGRAM_ID), bump
        except Exception:  # solders' PubkeyError: this bump's digest is a curve point
            continue
    raise AssertionError("no lower bump derives an address")


# -- the sweep --------------------------------------------------------------------------------


@pytest.mark.parametrize("bump_255", [True, False], ids=["signer_bump_255", "signer_bump_lower"])
def test_close_sweeps_a_funded_signer_that_never_executed(h: Harness, bump_255: bool) -> None:
    owner, sid = owner_with_signer_bump(h, bump_255)
    made = h.create(owner=owner, session_id=sid)
    signer = signer_of(made)
    fund(h, signer)
    (o0,) = h.balances(made.owner_key)
    out = h.ok(close(made), [made.owner])
    event = closed(out)
    assert (event.swept_to_owner, event.lamports_returned) == (FUNDS, h.rent)
    assert event.reason is CloseReason.CLOSED
    assert h.balances(signer, made.owner_key) == [0, o0 + FUNDS + h.rent]  # owner = creator
    h.assert_gone(made.address)


def test_close_sweeps_what_is_left_after_executes(h: Harness) -> None:
    made = h.make("active", EXECUTABLE)
    signer = signer_of(made)
    fund(h, signer)
    shop = Pubkey.new_unique()
    pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=shop, lamports=1_000_000))
    h.ok(execute_instruction(made.owner_key, made.address, [pay]), [made.owner])
    assert h.session(made.address).signer == signer  # recorded by the first execute
    out = h.ok(close(made), [made.owner])
    assert closed(out).swept_to_owner == FUNDS - 1_000_000
    assert h.balances(signer, shop) == [0, 1_000_000]


def test_close_of_an_empty_signer_sweeps_nothing(h: Harness) -> None:
    made = h.make("paused")
    (o0,) = h.balances(made.owner_key)
    out = h.ok(close(made), [made.owner])
    assert closed(out).swept_to_owner == 0
    assert h.balances(signer_of(made), made.owner_key) == [0, o0 + h.rent]
    assert [line for line in out.logs if "11111111111111111111111111111111 invoke" in line] == []


def test_the_creator_withdrawing_a_funded_request_sweeps_to_the_owner(h: Harness) -> None:
    made = h.request()
    signer = signer_of(made)
    fund(h, signer)
    c0, o0 = h.balances(made.creator_key, made.owner_key)
    withdraw = ix.close_session(made.creator_key, made.address, made.creator_key, made.owner_key)
    out = h.ok(withdraw, [made.creator])
    assert closed(out).reason is CloseReason.CANCELLED
    assert h.balances(made.creator_key, made.owner_key, signer) == [c0 + h.rent, o0 + FUNDS, 0]


@pytest.mark.parametrize("how", ["auto_expire", "request_timed_out"])
def test_expiry_that_closes_sweeps(h: Harness, how: str) -> None:
    if how == "auto_expire":
        made = h.make("active", params(settings=AUTO_EXPIRE))
        h.s.set_time(h.session(made.address).expires_at)
    else:
        made = h.request()
        h.s.set_time(h.session(made.address).request_deadline)
    signer = signer_of(made)
    fund(h, signer)
    (o0,) = h.balances(made.owner_key)
    stranger = h.s.funded_keypair()
    out = h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key), payer=stranger)
    assert [type(e) for e in out.events] == [SessionExpired, SessionClosed]
    assert closed(out).swept_to_owner == FUNDS
    gained = FUNDS + (h.rent if made.owner_key == made.creator_key else 0)
    assert h.balances(signer, made.owner_key) == [0, o0 + gained]
    h.assert_gone(made.address)


def test_plain_expiry_sweeps_nothing_and_the_close_after_it_does(h: Harness) -> None:
    made = h.make("active")
    signer = signer_of(made)
    fund(h, signer)
    h.s.set_time(h.session(made.address).expires_at)
    out = h.ok(ix.expire_session(made.address, made.creator_key, made.owner_key))
    assert [type(e) for e in out.events] == [SessionExpired]
    assert h.session(made.address).status is SessionStatus.EXPIRED
    assert h.balances(signer) == [FUNDS]
    out = h.ok(close(made), [made.owner])
    assert (closed(out).reason, closed(out).swept_to_owner) == (CloseReason.EXPIRED, FUNDS)
    assert h.balances(signer) == [0]


# -- refusals: nothing changes -----------------------------------------------------------------


def _close_refusals(made: Made, h: Harness) -> dict[str, tuple[Instruction, E]]:
    session = made.address
    bump = find_signer_address(session)[1]
    other = find_signer_address(h.create().address)[0]
    lower, lower_bump = noncanonical_signer(session)
    good = close(made)
    return {
        "wrong_signer_pda": (close(made, signer=other), E.INVALID_SESSION_SIGNER),
        "wallet_as_signer": (close(made, signer=made.owner_key), E.INVALID_SESSION_SIGNER),
        "bump_above": (close(made, signer_bump=(bump + 1) % 256), E.INVALID_SESSION_SIGNER),
        "bump_below": (close(made, signer_bump=bump - 1), E.INVALID_SESSION_SIGNER),
        "noncanonical_bump": (
            close(made, signer=lower, signer_bump=lower_bump),
            E.INVALID_SESSION_SIGNER,
        ),
        "owner_mismatch": (
            ix.close_session(made.owner_key, session, made.creator_key, Pubkey.new_unique()),
            E.INVALID_OWNER_ACCOUNT,
        ),
        "signer_readonly": (
            with_meta(good, CLOSE_SIGNER, is_writable=False),
            E.ACCOUNT_NOT_WRITABLE,
        ),
        "wrong_system_program": (
            with_meta(good, CLOSE_SYSTEM, pubkey=CLOCK),
            E.INVALID_SYSTEM_PROGRAM,
        ),
        "missing_system_program": (
            with_accounts(good, list(good.accounts)[:CLOSE_SYSTEM]),
            E.NOT_ENOUGH_ACCOUNTS,
        ),
        "wrong_clock": (
            with_meta(good, CLOSE_CLOCK, pubkey=SYSTEM_PROGRAM_ID),
            E.MISSING_CLOCK_SYSVAR,
        ),
    }


CLOSE_REFUSALS = [
    "wrong_signer_pda",
    "wallet_as_signer",
    "bump_above",
    "bump_below",
    "noncanonical_bump",
    "owner_mismatch",
    "signer_readonly",
    "wrong_system_program",
    "missing_system_program",
    "wrong_clock",
]


@pytest.mark.parametrize("funded", [True, False], ids=["funded", "empty"])
@pytest.mark.parametrize("case", CLOSE_REFUSALS)
def test_close_refuses_wrong_sweep_accounts(h: Harness, case: str, funded: bool) -> None:
    made = h.make("active")
    signer = signer_of(made)
    if funded:
        fund(h, signer)
    instruction, code = _close_refusals(made, h)[case]
    h.reject(instruction, [made.owner], code, watch=[signer, made.address, made.owner_key])
    assert h.session(made.address).status is SessionStatus.ACTIVE
    assert h.balances(signer) == [FUNDS if funded else 0]


def test_a_recorded_signer_is_compared_by_key(h: Harness) -> None:
    """After an execute recorded the signer, another account is refused even with the bump
    that derives it, and the supplied bump no longer matters for the recorded one."""
    made = h.make("active", EXECUTABLE)
    signer = signer_of(made)
    fund(h, signer)
    pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=made.owner_key, lamports=1))
    h.ok(execute_instruction(made.owner_key, made.address, [pay]), [made.owner])
    lower, lower_bump = noncanonical_signer(made.address)
    wrong = close(made, signer=lower, signer_bump=lower_bump)
    h.reject(wrong, [made.owner], E.INVALID_SESSION_SIGNER, watch=[signer])
    out = h.ok(close(made, signer_bump=0), [made.owner])
    assert closed(out).swept_to_owner == FUNDS - 1


def test_a_permissionless_expirer_cannot_strand_the_owners_sol(h: Harness) -> None:
    """AUTO_EXPIRE with a funded signer: an expire naming another signer, a wrong bump or an
    empty lookalike is refused, so the session cannot close without sweeping."""
    made = h.make("active", params(settings=AUTO_EXPIRE))
    signer, bump = find_signer_address(made.address)
    fund(h, signer)
    h.s.set_time(h.session(made.address).expires_at)
    stranger = h.s.funded_keypair()
    owner, creator, session = made.owner_key, made.creator_key, made.address
    expire = ix.expire_session(session, creator, owner)
    refused = [
        (
            ix.expire_session(session, creator, owner, signer=stranger.pubkey()),
            E.INVALID_SESSION_SIGNER,
        ),
        (
            ix.expire_session(session, creator, owner, signer_bump=bump ^ 1),
            E.INVALID_SESSION_SIGNER,
        ),
        (ix.expire_session(session, creator, stranger.pubkey()), E.INVALID_OWNER_ACCOUNT),
        (with_meta(expire, 3, is_writable=False), E.ACCOUNT_NOT_WRITABLE),
        (with_meta(expire, 4, pubkey=stranger.pubkey()), E.INVALID_SYSTEM_PROGRAM),
        (with_meta(expire, EXPIRE_CLOCK, pubkey=stranger.pubkey()), E.MISSING_CLOCK_SYSVAR),
    ]
    for wrong, code in refused:
        h.reject(wrong, [], code, watch=[signer, session])
    h.ok(expire, payer=stranger)
    assert h.balances(signer) == [0]


def test_a_read_only_owner_is_refused(h: Harness) -> None:
    made = h.request()  # the owner is not the creator here
    fund(h, signer_of(made))
    withdraw = ix.close_session(made.creator_key, made.address, made.creator_key, made.owner_key)
    readonly = with_meta(withdraw, CLOSE_OWNER, is_writable=False)
    h.reject(readonly, [made.creator], E.ACCOUNT_NOT_WRITABLE, watch=[signer_of(made)])


def test_the_creator_closing_cannot_pass_itself_as_the_owner(h: Harness) -> None:
    """The owner account that is the authority's own record skips the owner comparison only
    when the authority is the owner: a creator withdrawing a request it made for someone else
    and naming itself as the owner (one record, listed twice) is refused, the signer's SOL
    left for the owner."""
    made = h.request()  # the owner is not the creator here
    signer = signer_of(made)
    fund(h, signer)
    as_owner = ix.close_session(made.creator_key, made.address, made.creator_key, made.creator_key)
    h.reject(as_owner, [made.creator], E.INVALID_OWNER_ACCOUNT, watch=[signer])
    out = h.ok(
        ix.close_session(made.creator_key, made.address, made.creator_key, made.owner_key),
        [made.creator],
    )
    assert closed(out).swept_to_owner == FUNDS


def test_a_sweep_that_would_leave_the_owner_rent_paying_is_refused(h: Harness) -> None:
    """The runtime refuses a transaction that leaves an account holding less than its
    rent-exempt minimum (InsufficientFundsForRent); the program refuses it first, with its
    own code. The signer holds less than that minimum only if written from outside."""
    empty_owner = Keypair().pubkey()
    requester = h.s.funded_keypair()
    sid = h.next_id()
    address, _ = find_session_address(requester.pubkey(), sid)
    h.ok(
        ix.request_session(requester.pubkey(), empty_owner, sid, params(), DEFAULT_TTL), [requester]
    )
    signer = find_signer_address(address)[0]
    h.s.svm.set_account(signer, _system_account(500_000))
    h.s.set_time(h.session(address).request_deadline)
    expire = ix.expire_session(address, requester.pubkey(), empty_owner)
    h.reject(expire, [], E.OWNER_BELOW_RENT_EXEMPTION, watch=[signer, empty_owner])
    h.s.svm.set_account(signer, _system_account(h.s.svm.minimum_balance_for_rent_exemption(0)))
    h.ok(expire)
    assert h.balances(empty_owner) == [h.s.svm.minimum_balance_for_rent_exemption(0)]


def test_a_signer_holding_data_is_refused(h: Harness) -> None:
    """A signer that is not a system account without data cannot be debited by a system
    Transfer (execute never lets it become one: SignerEscaped); planted from outside, the
    sweep refuses it with that code before its CPI."""
    made = h.make("active")
    signer = signer_of(made)
    h.s.svm.set_account(signer, _system_account(FUNDS, b"held"))
    h.reject(close(made), [made.owner], E.SIGNER_ESCAPED, watch=[signer])


def _system_account(lamports: int, data: bytes = b"") -> Account:
    return Account(lamports, data, SYSTEM_PROGRAM_ID, False)
