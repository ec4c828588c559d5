"""Creation failures that used to be the runtime's, refused first by the program.

The system program debits the payer inside the creation CPI, and the runtime refuses a
payer that cannot be debited: owned by another program (ExternalAccountLamportSpend),
holding data (InvalidArgument: "Transfer: `from` must not carry data"), or left below its
rent-exempt minimum (InsufficientFundsForRent, the rent-state check after the
transaction). The program checks each before any CPI and answers with its own code,
nothing written (``Harness.reject``). What the runtime accepts stays accepted: a payer left
at exactly 0 or at its minimum, a payer already below its minimum that only shrinks, and
any payer that pays nothing because the address was pre-funded with the whole rent.
"""

from __future__ import annotations

import pytest
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.pda import find_session_address
from sessions_client.types import SessionStatus

from .support import DEFAULT_TTL, Harness, params

KINDS = ["create", "request"]
SESSION_ID = 3
#: Another program, as the owner of a payer account.
FOREIGN_PROGRAM = Pubkey.from_string("Forgn11111111111111111111111111111111111111")
#: A nonce account's size: a system-owned account with data that can sign.
NONCE_SIZE = 80


def wallet_minimum(h: Harness, data_len: int = 0) -> int:
    return h.s.svm.minimum_balance_for_rent_exemption(data_len)


def payer_account(
    h: Harness, lamports: int, *, owner: Pubkey = SYSTEM_PROGRAM_ID, data: bytes = b""
) -> Keypair:
    payer = Keypair()
    h.s.svm.set_account(payer.pubkey(), Account(lamports, data, owner, False))
    return payer


def creation(h: Harness, kind: str, payer: Keypair) -> Instruction:
    if kind == "create":
        return ix.create_session(payer.pubkey(), SESSION_ID, params())
    owner = h.s.funded_keypair().pubkey()
    return ix.request_session(payer.pubkey(), owner, SESSION_ID, params(), DEFAULT_TTL)


def prefund(h: Harness, payer: Keypair, lamports: int) -> Pubkey:
    address, _ = find_session_address(payer.pubkey(), SESSION_ID)
    h.s.svm.set_account(address, Account(lamports, b"", SYSTEM_PROGRAM_ID, False))
    return address


def created(h: Harness, kind: str, payer: Keypair) -> None:
    address, _ = find_session_address(payer.pubkey(), SESSION_ID)
    session = h.session(address)
    assert session.creator == payer.pubkey()
    assert session.status == (
        SessionStatus.CREATED if kind == "create" else SessionStatus.REQUESTED
    )


# -- left below its rent-exempt minimum --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("left", ["one", "minimum_minus_one"])
def test_payer_left_below_its_rent_exempt_minimum(h: Harness, kind: str, left: str) -> None:
    """Paying the rent would leave the payer holding 0 < lamports < its minimum (890,880
    for a wallet without data): the runtime's InsufficientFundsForRent, refused first."""
    extra = {"one": 1, "minimum_minus_one": wallet_minimum(h) - 1}[left]
    payer = payer_account(h, h.rent + extra)
    h.reject(creation(h, kind, payer), [payer], ErrorCode.PAYER_BELOW_RENT_EXEMPTION)


@pytest.mark.parametrize("kind", KINDS)
def test_a_partial_payment_that_makes_an_exempt_payer_rent_paying(h: Harness, kind: str) -> None:
    """The address is pre-funded but for 100 lamports; a payer 50 above its minimum would
    drop below it: refused, although it can pay."""
    payer = payer_account(h, wallet_minimum(h) + 50)
    prefund(h, payer, h.rent - 100)
    h.reject(creation(h, kind, payer), [payer], ErrorCode.PAYER_BELOW_RENT_EXEMPTION)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("left", ["nothing", "the_minimum"])
def test_payer_left_with_nothing_or_its_minimum(h: Harness, kind: str, left: str) -> None:
    """Exactly 0 (the account is gone) or exactly the minimum: both allowed by the runtime."""
    extra = {"nothing": 0, "the_minimum": wallet_minimum(h)}[left]
    payer = payer_account(h, h.rent + extra)
    h.ok(creation(h, kind, payer), [payer])
    assert h.s.balance(payer.pubkey()) == extra
    created(h, kind, payer)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("paid", [100, 499_999, 500_000])
def test_a_payer_below_its_minimum_may_shrink(h: Harness, kind: str, paid: int) -> None:
    """The runtime's exception: an account already below its minimum may stay below it if
    it does not grow (or drop to 0). 500,000 lamports pay the last ``paid`` of the rent."""
    payer = payer_account(h, 500_000)
    prefund(h, payer, h.rent - paid)
    h.ok(creation(h, kind, payer), [payer])
    assert h.s.balance(payer.pubkey()) == 500_000 - paid
    created(h, kind, payer)


# -- payers the system program cannot debit ----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("data_len", [0, NONCE_SIZE])
def test_payer_owned_by_another_program(h: Harness, kind: str, data_len: int) -> None:
    """The runtime's ExternalAccountLamportSpend (InvalidArgument with data), refused first."""
    payer = payer_account(h, 10**10, owner=FOREIGN_PROGRAM, data=bytes(data_len))
    h.reject(creation(h, kind, payer), [payer], ErrorCode.INVALID_PAYER_OWNER)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lamports", ["plenty", "data_minimum_plus_rent"])
def test_system_payer_holding_data(h: Harness, kind: str, lamports: str) -> None:
    """A system account with data (a nonce account, say) cannot be debited by Transfer:
    the runtime's InvalidArgument, refused first, however rich the payer."""
    balance = {"plenty": 10**10, "data_minimum_plus_rent": h.rent + wallet_minimum(h, NONCE_SIZE)}
    payer = payer_account(h, balance[lamports], data=bytes(NONCE_SIZE))
    h.reject(creation(h, kind, payer), [payer], ErrorCode.PAYER_HOLDS_DATA)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("payer_kind", ["foreign", "holds_data", "poor"])
def test_a_payer_that_pays_nothing(h: Harness, kind: str, payer_kind: str) -> None:
    """The address already holds the whole rent, so the payer is not debited: whatever it
    is, the runtime accepts, and so does the program."""
    payer = {
        "foreign": lambda: payer_account(h, 10**10, owner=FOREIGN_PROGRAM),
        "holds_data": lambda: payer_account(h, 10**10, data=bytes(NONCE_SIZE)),
        "poor": lambda: payer_account(h, 1),
    }[payer_kind]()
    prefund(h, payer, h.rent)
    before = h.s.balance(payer.pubkey())
    h.ok(creation(h, kind, payer), [payer])
    assert h.s.balance(payer.pubkey()) == before
    created(h, kind, payer)
