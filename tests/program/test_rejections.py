"""Every rejection: its own ErrorCode, its log line, and no state change (``Harness.reject``).

``Harness.reject`` snapshots every account the transaction names (lamports, data bytes,
owner), sends with a dedicated fee payer, and asserts the exact error code, the failing
instruction index, the program's "Name (code): message" log line, no events, unchanged
accounts, and that the fee payer lost exactly the signature fees.
"""

from __future__ import annotations

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.sysvar import CLOCK, INSTRUCTIONS, RENT

from sessions_client import instructions as ix
from sessions_client.accounts import SESSION_ACCOUNT_SIZE, SESSION_DISCRIMINATOR
from sessions_client.codec import layout_of
from sessions_client.constants import (
    MAX_REQUEST_TTL,
    MAX_SESSION_DURATION,
    PROGRAM_ID,
    Permission,
)
from sessions_client.discriminators import account_discriminator, instruction_discriminator
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionClosed
from sessions_client.pda import find_session_address
from sessions_client.types import (
    CloseReason,
    Guard,
    ResourceQuotas,
    Session,
    SessionParams,
    SessionStatus,
)
from sessions_tools.svm import DEFAULT_START_TIME

from .support import (
    DEFAULT_DURATION,
    DEFAULT_TTL,
    I64_MAX,
    SESSION_INDEX,
    VALID_STATE,
    Harness,
    Made,
    expected_session,
    id_with_bump,
    op_ix,
    params,
    pda_with_bump,
    replace,
    with_accounts,
    with_data,
    with_meta,
)

T0 = DEFAULT_START_TIME
E = ErrorCode
OFF_STATUS = 8 + layout_of(Session).field("status").offset
OFF_VERSION = 8 + layout_of(Session).field("version").offset

LIFECYCLE_OPS = ["approve", "activate", "pause", "resume", "expire", "close"]


def ready(h: Harness, op: str) -> Made:
    """A session in the state where ``op`` would succeed (expire: clock at expires_at)."""
    made = h.make(VALID_STATE[op])
    if op == "expire":
        h.s.set_time(h.session(made.address).expires_at)
    return made


def create_ix(h: Harness, p: SessionParams | None = None) -> tuple[Instruction, list[Keypair]]:
    creator = h.s.funded_keypair()
    return ix.create_session(creator.pubkey(), h.next_id(), p or params()), [creator]


def request_ix(
    h: Harness, p: SessionParams | None = None, ttl: int = DEFAULT_TTL, owner: Pubkey | None = None
) -> tuple[Instruction, list[Keypair]]:
    requester = h.s.funded_keypair()
    owner = owner or h.s.funded_keypair().pubkey()
    return ix.request_session(requester.pubkey(), owner, h.next_id(), p or params(), ttl), [
        requester
    ]


# -- forbidden transitions -----------------------------------------------------------------

FORBIDDEN = [
    # (state, op, error)
    *[
        (s, "approve", E.INVALID_STATUS_TRANSITION)
        for s in ("created", "active", "paused", "expired")
    ],
    *[
        (s, "activate", E.INVALID_STATUS_TRANSITION)
        for s in ("requested", "active", "paused", "expired")
    ],
    *[(s, "pause", E.SESSION_NOT_ACTIVE) for s in ("requested", "created", "paused", "expired")],
    *[
        (s, "resume", E.INVALID_STATUS_TRANSITION)
        for s in ("requested", "created", "active", "expired")
    ],
    ("expired", "expire", E.INVALID_STATUS_TRANSITION),
    *[(s, "expire", E.SESSION_NOT_EXPIRED) for s in ("requested", "created", "active", "paused")],
]


@pytest.mark.parametrize(("state", "op", "code"), FORBIDDEN, ids=lambda v: getattr(v, "name", v))
def test_forbidden_transition(h: Harness, state: str, op: str, code: ErrorCode) -> None:
    made = h.make(state)
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, code)


@pytest.mark.parametrize("state", ["created", "active", "paused"])
def test_expire_one_second_before_expiry(h: Harness, state: str) -> None:
    made = h.make(state)
    h.s.set_time(T0 + DEFAULT_DURATION - 1)
    h.reject(
        ix.expire_session(made.address, made.creator_key, made.owner_key), [], E.SESSION_NOT_EXPIRED
    )


def test_expire_requested_one_second_before_deadline(h: Harness) -> None:
    made = h.make("requested")
    h.s.set_time(T0 + DEFAULT_TTL - 1)
    h.reject(
        ix.expire_session(made.address, made.creator_key, made.owner_key), [], E.SESSION_NOT_EXPIRED
    )


# -- expired sessions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "op"), [("created", "activate"), ("active", "pause"), ("paused", "resume")]
)
@pytest.mark.parametrize("late", [0, 1, 10_000_000])
def test_session_expired(h: Harness, state: str, op: str, late: int) -> None:
    made = h.make(state)
    h.s.set_time(T0 + DEFAULT_DURATION + late)
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, E.SESSION_EXPIRED)


@pytest.mark.parametrize("late", [0, 1, 5000])
def test_approve_after_request_deadline(h: Harness, late: int) -> None:
    made = h.make("requested")
    h.s.set_time(T0 + DEFAULT_TTL + late)
    h.reject(ix.approve_session(made.owner_key, made.address), [made.owner], E.REQUEST_TIMED_OUT)


# -- authority -------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["approve", "activate", "pause", "resume", "close"])
def test_stranger_is_unauthorized(h: Harness, op: str) -> None:
    made = ready(h, op)
    stranger = h.s.funded_keypair()
    instruction, signers = op_ix(op, made, signer=stranger)
    h.reject(instruction, signers, E.UNAUTHORIZED)


def test_requester_cannot_approve_its_own_request(h: Harness) -> None:
    made = h.make("requested")
    instruction, signers = op_ix("approve", made, signer=made.creator)
    h.reject(instruction, signers, E.UNAUTHORIZED)


@pytest.mark.parametrize("op", ["activate", "pause", "resume"])
def test_creator_is_not_the_owner(h: Harness, op: str) -> None:
    """A requested-then-approved session belongs to its owner, not to the dapp that paid."""
    made = h.request()
    h.ok(ix.approve_session(made.owner_key, made.address), [made.owner])
    if op in ("pause", "resume"):
        h.ok(ix.activate_session(made.owner_key, made.address), [made.owner])
    if op == "resume":
        h.ok(ix.pause_session(made.owner_key, made.address), [made.owner])
    instruction, signers = op_ix(op, made, signer=made.creator)
    h.reject(instruction, signers, E.UNAUTHORIZED)


@pytest.mark.parametrize("stage", ["created", "active", "paused"])
def test_creator_cannot_close_a_live_session(h: Harness, stage: str) -> None:
    made = h.request()
    h.ok(ix.approve_session(made.owner_key, made.address), [made.owner])
    if stage != "created":
        h.ok(ix.activate_session(made.owner_key, made.address), [made.owner])
    if stage == "paused":
        h.ok(ix.pause_session(made.owner_key, made.address), [made.owner])
    instruction, signers = op_ix("close", made, signer=made.creator)
    h.reject(instruction, signers, E.UNAUTHORIZED)


@pytest.mark.parametrize("op", ["approve", "activate", "pause", "resume", "close"])
def test_missing_signer(h: Harness, op: str) -> None:
    """The right authority's key, but not signed: only the fee payer signs."""
    made = ready(h, op)
    instruction, _signers = op_ix(op, made)
    unsigned = with_meta(instruction, 0, is_signer=False)
    h.reject(unsigned, [], E.MISSING_SIGNER)


@pytest.mark.parametrize("kind", ["create", "request"])
def test_missing_signer_on_creation(h: Harness, kind: str) -> None:
    instruction, _signers = create_ix(h) if kind == "create" else request_ix(h)
    h.reject(with_meta(instruction, 0, is_signer=False), [], E.MISSING_SIGNER)


# -- PDA address and bump --------------------------------------------------------------------


def wrong_addresses(h: Harness, creator: Pubkey, sid: int) -> dict[str, Pubkey]:
    other_creator = h.s.funded_keypair().pubkey()
    return {
        "random": Pubkey.new_unique(),
        "other_id": find_session_address(creator, sid + 1)[0],
        "other_creator": find_session_address(other_creator, sid)[0],
        "other_program": Pubkey.find_program_address(
            [b"session", bytes(creator), sid.to_bytes(8, "little")], SYSTEM_PROGRAM_ID
        )[0],
    }


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("which", ["random", "other_id", "other_creator", "other_program"])
def test_invalid_session_address(h: Harness, kind: str, which: str) -> None:
    creator = h.s.funded_keypair()
    sid = 40
    wrong = wrong_addresses(h, creator.pubkey(), sid)[which]
    if kind == "create":
        instruction = ix.create_session(creator.pubkey(), sid, params(), session=wrong)
    else:
        owner = h.s.funded_keypair().pubkey()
        instruction = ix.request_session(
            creator.pubkey(), owner, sid, params(), DEFAULT_TTL, session=wrong
        )
    h.reject(instruction, [creator], E.INVALID_SESSION_ADDRESS)


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("bump_of", ["minus_one", "zero", "plus_one"])
def test_wrong_bump_with_the_canonical_address(h: Harness, kind: str, bump_of: str) -> None:
    """The canonical address but another bump byte: InvalidBump, not a wrong address."""
    creator = h.s.funded_keypair()
    if bump_of == "plus_one":  # an id whose canonical bump is below 255, so +1 exists
        sid, canonical = id_with_bump(creator.pubkey(), lambda b: b < 255)
    else:
        sid, canonical = id_with_bump(creator.pubkey(), lambda b: b > 0)
    bump = {"minus_one": canonical - 1, "zero": 0, "plus_one": canonical + 1}[bump_of]
    if kind == "create":
        instruction = ix.create_session(creator.pubkey(), sid, params(), bump=bump)
    else:
        owner = h.s.funded_keypair().pubkey()
        instruction = ix.request_session(
            creator.pubkey(), owner, sid, params(), DEFAULT_TTL, bump=bump
        )
    h.reject(instruction, [creator], E.INVALID_BUMP)


def non_canonical_pda(creator: Pubkey) -> tuple[int, int, Pubkey]:
    """An id with canonical bump < 255 whose canonical-1 bump is also a valid (off-curve) PDA."""
    start = 0
    while True:
        sid, canonical = id_with_bump(creator, lambda b: b < 255, start)
        address = pda_with_bump(creator, sid, canonical - 1)
        if address is not None:
            return sid, canonical - 1, address
        start = sid + 1


@pytest.mark.parametrize("kind", ["create", "request"])
def test_non_canonical_valid_bump(h: Harness, kind: str) -> None:
    """A real PDA of the seeds, derived with a non-canonical bump: still InvalidBump."""
    creator = h.s.funded_keypair()
    sid, bump, address = non_canonical_pda(creator.pubkey())
    assert address != find_session_address(creator.pubkey(), sid)[0]
    if kind == "create":
        instruction = ix.create_session(creator.pubkey(), sid, params(), bump=bump, session=address)
    else:
        owner = h.s.funded_keypair().pubkey()
        instruction = ix.request_session(
            creator.pubkey(), owner, sid, params(), DEFAULT_TTL, bump=bump, session=address
        )
    h.reject(instruction, [creator], E.INVALID_BUMP)


def test_non_canonical_address_with_canonical_bump(h: Harness) -> None:
    creator = h.s.funded_keypair()
    sid, _bump, address = non_canonical_pda(creator.pubkey())
    instruction = ix.create_session(creator.pubkey(), sid, params(), session=address)
    h.reject(instruction, [creator], E.INVALID_SESSION_ADDRESS)


# -- tampered session accounts ------------------------------------------------------------------


def tamper(h: Harness, made: Made, how: str) -> None:
    data = bytearray(h.raw(made.address))
    if how == "other_owner":  # identical bytes, owned by another program
        h.overwrite(made.address, owner=Pubkey.new_unique())
    elif how == "system_owned_with_data":
        h.overwrite(made.address, owner=SYSTEM_PROGRAM_ID)
    elif how == "discriminator":
        data[0] ^= 0x01
        h.overwrite(made.address, data=bytes(data))
    elif how == "other_discriminator":
        data[:8] = account_discriminator("Sessions")
        h.overwrite(made.address, data=bytes(data))
    elif how == "truncated":
        h.overwrite(made.address, data=bytes(data[:-1]))
    elif how == "extended":
        h.overwrite(made.address, data=bytes(data) + b"\0")
    elif how == "empty_program_owned":
        h.overwrite(made.address, data=b"")
    elif how in ("version_0", "version_2", "version_255"):
        data[OFF_VERSION] = int(how.split("_")[1])
        h.overwrite(made.address, data=bytes(data))
    else:
        raise AssertionError(how)


TAMPERS = [
    ("other_owner", E.INVALID_ACCOUNT_OWNER),
    ("system_owned_with_data", E.INVALID_ACCOUNT_OWNER),
    ("discriminator", E.INVALID_DISCRIMINATOR),
    ("other_discriminator", E.INVALID_DISCRIMINATOR),
    ("truncated", E.INVALID_ACCOUNT_SIZE),
    ("extended", E.INVALID_ACCOUNT_SIZE),
    ("empty_program_owned", E.INVALID_ACCOUNT_SIZE),
    ("version_0", E.UNSUPPORTED_VERSION),
    ("version_2", E.UNSUPPORTED_VERSION),
    ("version_255", E.UNSUPPORTED_VERSION),
]


@pytest.mark.parametrize("op", LIFECYCLE_OPS)
@pytest.mark.parametrize(("how", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tampered_session_account(h: Harness, op: str, how: str, code: ErrorCode) -> None:
    made = ready(h, op)
    tamper(h, made, how)
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, code)


@pytest.mark.parametrize("op", LIFECYCLE_OPS)
def test_read_only_session_account(h: Harness, op: str) -> None:
    made = ready(h, op)
    instruction, signers = op_ix(op, made)
    h.reject(
        with_meta(instruction, SESSION_INDEX[op], is_writable=False),
        signers,
        E.ACCOUNT_NOT_WRITABLE,
    )


@pytest.mark.parametrize("kind", ["create", "request"])
def test_read_only_new_session_account(h: Harness, kind: str) -> None:
    instruction, signers = create_ix(h) if kind == "create" else request_ix(h)
    h.reject(with_meta(instruction, 1, is_writable=False), signers, E.ACCOUNT_NOT_WRITABLE)


@pytest.mark.parametrize("kind", ["create", "request"])
def test_read_only_payer(h: Harness, kind: str) -> None:
    instruction, signers = create_ix(h) if kind == "create" else request_ix(h)
    h.reject(with_meta(instruction, 0, is_writable=False), signers, E.ACCOUNT_NOT_WRITABLE)


@pytest.mark.parametrize("op", ["expire", "close"])
def test_read_only_rent_receiver(h: Harness, op: str) -> None:
    made = ready(h, op)
    instruction, signers = op_ix(op, made)
    # the creator is also the owner here, so every meta of its key is made read-only (the
    # message would merge a writable one); the receiver is checked before the owner
    for at, meta in enumerate(instruction.accounts):
        if meta.pubkey == made.creator_key:
            instruction = with_meta(instruction, at, is_writable=False)
    h.reject(instruction, signers, E.ACCOUNT_NOT_WRITABLE)


@pytest.mark.parametrize("status", [1, 3, 6, 7, 9, 10, 11, 12, 13, 200, 255])
@pytest.mark.parametrize("op", ["expire", "close"])
def test_impossible_stored_status(h: Harness, op: str, status: int) -> None:
    made = ready(h, op)
    h.patch(made.address, OFF_STATUS, bytes([status]))
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, E.INVALID_STORED_STATE)


@pytest.mark.parametrize("status", [1, 3, 7, 255])
@pytest.mark.parametrize(
    ("op", "code"),
    [
        ("approve", E.INVALID_STATUS_TRANSITION),
        ("activate", E.INVALID_STATUS_TRANSITION),
        ("pause", E.SESSION_NOT_ACTIVE),
        ("resume", E.INVALID_STATUS_TRANSITION),
    ],
)
def test_impossible_stored_status_owner_ops(
    h: Harness, op: str, code: ErrorCode, status: int
) -> None:
    """Single-status instructions refuse any other byte, impossible ones included."""
    made = ready(h, op)
    h.patch(made.address, OFF_STATUS, bytes([status]))
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, code)


# -- existing / closed accounts ------------------------------------------------------------------


def test_double_create(h: Harness) -> None:
    made = h.create()
    again = ix.create_session(made.owner_key, made.session_id, params(max_duration=99))
    h.reject(again, [made.owner], E.SESSION_ALREADY_EXISTS)


def test_request_over_an_existing_session(h: Harness) -> None:
    made = h.create()
    other_owner = h.s.funded_keypair().pubkey()
    again = ix.request_session(made.owner_key, other_owner, made.session_id, params(), 60)
    h.reject(again, [made.owner], E.SESSION_ALREADY_EXISTS)


def test_create_over_a_pending_request(h: Harness) -> None:
    made = h.request()
    again = ix.create_session(made.creator_key, made.session_id, params())
    h.reject(again, [made.creator], E.SESSION_ALREADY_EXISTS)


@pytest.mark.parametrize("how", ["other_program", "system_with_data"])
def test_create_over_a_foreign_account(h: Harness, how: str) -> None:
    creator = h.s.funded_keypair()
    sid = 3
    address, _ = find_session_address(creator.pubkey(), sid)
    owner = Pubkey.new_unique() if how == "other_program" else SYSTEM_PROGRAM_ID
    h.s.svm.set_account(address, Account(h.rent, b"\x01" * 16, owner, False))
    h.reject(ix.create_session(creator.pubkey(), sid, params()), [creator], E.INVALID_ACCOUNT_OWNER)


def closed_session(h: Harness) -> Made:
    made = h.make("active")
    h.ok(
        ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
        [made.owner],
    )
    h.assert_gone(made.address)
    return made


@pytest.mark.parametrize("op", LIFECYCLE_OPS)
def test_every_instruction_on_a_closed_session(h: Harness, op: str) -> None:
    made = closed_session(h)
    h.s.advance(DEFAULT_DURATION * 2)  # expiry and deadlines are not what fails
    instruction, signers = op_ix(op, made)
    h.reject(instruction, signers, E.SESSION_NOT_FOUND)


def test_recreate_after_close_is_a_fresh_session(h: Harness) -> None:
    made = h.make("paused")
    h.patch(made.address, 8 + layout_of(Session).field("usage_count").offset, b"\x07")
    h.ok(
        ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
        [made.owner],
    )
    h.s.advance(500)
    p = params(max_duration=42, settings=1)
    (c0,) = h.balances(made.creator_key)
    h.ok(ix.create_session(made.owner_key, made.session_id, p), [made.owner])
    now = T0 + 500
    h.assert_session(
        made.address,
        expected_session(
            owner=made.owner_key,
            creator=made.owner_key,
            session_id=made.session_id,
            bump=made.bump,
            p=p,
            status=SessionStatus.CREATED,
            created_at=now,
            expires_at=now + 42,
        ),
    )
    assert h.balances(made.creator_key) == [c0 - h.rent]


def test_close_then_refund_in_the_same_transaction(h: Harness) -> None:
    """Lamports sent back to the address after closing leave an empty system account."""
    made = h.make("active")
    refill = 2_000_000
    (c0,) = h.balances(made.creator_key)
    out = h.ok(
        [
            ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
            transfer(
                TransferParams(
                    from_pubkey=made.creator_key, to_pubkey=made.address, lamports=refill
                )
            ),
        ],
        [made.owner],
    )
    assert out.events == (
        SessionClosed(
            made.address, made.owner_key, made.creator_key, h.rent, 0, T0, CloseReason.CLOSED
        ),
    )
    account = h.s.svm.get_account(made.address)
    assert account is not None
    assert account.owner == SYSTEM_PROGRAM_ID
    assert bytes(account.data) == b""
    assert account.lamports == refill
    assert h.balances(made.creator_key) == [c0 + h.rent - refill]
    for op in LIFECYCLE_OPS:
        instruction, signers = op_ix(op, made)
        h.reject(instruction, signers, E.SESSION_NOT_FOUND)


def test_close_then_recreate_in_the_same_transaction(h: Harness) -> None:
    made = h.make("paused")
    h.s.advance(9)
    p = params(max_duration=10)
    (c0,) = h.balances(made.creator_key)
    out = h.ok(
        [
            ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key),
            ix.create_session(made.owner_key, made.session_id, p),
        ],
        [made.owner],
    )
    assert [type(e).__name__ for e in out.events] == ["SessionClosed", "SessionCreated"]
    h.assert_session(
        made.address,
        expected_session(
            owner=made.owner_key,
            creator=made.owner_key,
            session_id=made.session_id,
            bump=made.bump,
            p=p,
            status=SessionStatus.CREATED,
            created_at=T0 + 9,
            expires_at=T0 + 19,
        ),
    )
    assert h.balances(made.creator_key) == [c0]


@pytest.mark.parametrize("op", ["activate", "pause", "close", "expire"])
def test_instruction_after_close_in_the_same_transaction(h: Harness, op: str) -> None:
    made = h.make("active")
    h.s.advance(DEFAULT_DURATION)
    close = ix.close_session(made.owner_key, made.address, made.creator_key, made.owner_key)
    follow, signers = op_ix(op, made)
    h.reject([close, follow], [made.owner, *signers], E.SESSION_NOT_FOUND, index=1)


def test_underfunded_creator(h: Harness) -> None:
    """A creator who cannot pay the rent gets CreationFailed, checked before the CPI.

    (Left to the system program, the failed CPI would abort the instruction with the system
    program's InsufficientFunds instead of one of the sessions program's codes.)
    """
    poor = h.s.funded_keypair(h.rent - 1)
    instruction = ix.create_session(poor.pubkey(), 1, params())
    keys = [poor.pubkey(), instruction.accounts[1].pubkey]
    before = h.snapshot(keys)
    out = h.send(instruction, [poor])
    assert not out.ok
    assert out.error is ErrorCode.CREATION_FAILED
    assert out.failed_instruction == 0
    assert not any("invoke [2]" in line for line in out.logs), "no CPI was attempted"
    assert h.snapshot(keys) == before


# -- creation on a pre-funded address -------------------------------------------------------------


@pytest.mark.parametrize("funded", ["one", "system_minimum", "rent_minus_one", "rent", "rent_plus"])
@pytest.mark.parametrize("kind", ["create", "request"])
def test_pre_funded_session_address(h: Harness, funded: str, kind: str) -> None:
    """Someone sent lamports to the PDA first: creation still works, with exact lamports."""
    creator = h.s.funded_keypair()
    owner = h.s.funded_keypair().pubkey() if kind == "request" else creator.pubkey()
    sid = 9
    address, bump = find_session_address(creator.pubkey(), sid)
    amount = {
        "one": 1,
        "system_minimum": 890_880,
        "rent_minus_one": h.rent - 1,
        "rent": h.rent,
        "rent_plus": h.rent + 12_345,
    }[funded]
    h.s.svm.set_account(address, Account(amount, b"", SYSTEM_PROGRAM_ID, False))
    (c0,) = h.balances(creator.pubkey())
    p = params()
    if kind == "create":
        h.ok(ix.create_session(creator.pubkey(), sid, p), [creator])
    else:
        h.ok(ix.request_session(creator.pubkey(), owner, sid, p, 60), [creator])
    account = h.s.svm.get_account(address)
    assert account is not None
    assert account.owner == PROGRAM_ID
    assert len(account.data) == SESSION_ACCOUNT_SIZE
    assert account.lamports == max(amount, h.rent)
    assert h.balances(creator.pubkey()) == [c0 - max(0, h.rent - amount)]
    session = h.session(address)
    assert session.owner == owner
    assert session.creator == creator.pubkey()
    assert session.bump == bump
    assert session.status == (
        SessionStatus.CREATED if kind == "create" else SessionStatus.REQUESTED
    )


def test_pre_funded_by_a_real_transfer(h: Harness) -> None:
    creator = h.s.funded_keypair()
    griefer = h.s.funded_keypair()
    sid = 12
    address, _ = find_session_address(creator.pubkey(), sid)
    h.ok(
        transfer(
            TransferParams(from_pubkey=griefer.pubkey(), to_pubkey=address, lamports=1_000_000)
        ),
        [griefer],
    )
    (c0,) = h.balances(creator.pubkey())
    h.ok(ix.create_session(creator.pubkey(), sid, params()), [creator])
    assert h.balances(address, creator.pubkey()) == [h.rent, c0 - (h.rent - 1_000_000)]
    assert h.session(address).status == SessionStatus.CREATED


# -- accounts of the wrong kind ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("which", ["random", "sessions_program", "rent_sysvar"])
def test_invalid_system_program(h: Harness, kind: str, which: str) -> None:
    key = {"random": Pubkey.new_unique(), "sessions_program": PROGRAM_ID, "rent_sysvar": RENT}[
        which
    ]
    instruction, signers = create_ix(h) if kind == "create" else request_ix(h)
    h.reject(with_meta(instruction, 2, pubkey=key), signers, E.INVALID_SYSTEM_PROGRAM)


@pytest.mark.parametrize("op", ["expire", "close"])
@pytest.mark.parametrize("who", ["stranger", "owner"])
def test_invalid_rent_receiver(h: Harness, op: str, who: str) -> None:
    made = h.request()  # creator != owner, so "owner" is a wrong receiver too
    h.s.set_time(T0 + DEFAULT_TTL)  # the request has timed out: only the receiver is wrong
    receiver = h.s.funded_keypair().pubkey() if who == "stranger" else made.owner_key
    if op == "expire":
        instruction, signers = ix.expire_session(made.address, receiver, made.owner_key), []
    else:
        instruction = ix.close_session(made.owner_key, made.address, receiver, made.owner_key)
        signers = [made.owner]
    h.reject(instruction, signers, E.INVALID_RENT_RECEIVER)


# -- malformed instructions ------------------------------------------------------------------------


def every_instruction(h: Harness) -> dict[str, tuple[Instruction, list[Keypair]]]:
    made = h.make("active")
    out = {op: op_ix(op, made) for op in LIFECYCLE_OPS}
    out["create"] = create_ix(h)
    out["request"] = request_ix(h)
    return out


ALL_OPS = [*LIFECYCLE_OPS, "create", "request"]


ARG_OPS = ("create", "request")
BAD_LENGTHS = [
    *[(op, change) for op in LIFECYCLE_OPS for change in ("one_more_byte", "plus_64_bytes")],
    *[
        (op, change)
        for op in ARG_OPS
        for change in ("one_more_byte", "one_less_byte", "discriminator_only", "plus_64_bytes")
    ],
]


@pytest.mark.parametrize(("op", "change"), BAD_LENGTHS)
def test_bad_instruction_data_length(h: Harness, op: str, change: str) -> None:
    instruction, signers = every_instruction(h)[op]
    data = bytes(instruction.data)
    new = {
        "one_more_byte": data + b"\0",
        "plus_64_bytes": data + bytes(64),
        "one_less_byte": data[:-1],
        "discriminator_only": data[:8],
    }[change]
    h.reject(with_data(instruction, new), signers, E.INVALID_INSTRUCTION_DATA)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01",
        bytes(7),
        bytes(8),
        b"\xff" * 8,
        instruction_discriminator("delete_session"),
        instruction_discriminator("create_session")[:7],
        SESSION_DISCRIMINATOR,
        instruction_discriminator("create_session")[::-1] + bytes(441),
    ],
    ids=["empty", "one", "seven_zeros", "eight_zeros", "ff", "delete", "create_7", "acct", "rev"],
)
def test_unknown_instruction(h: Harness, data: bytes) -> None:
    made = h.make("active")
    instruction, signers = op_ix("activate", made)
    h.reject(with_data(instruction, data), signers, E.UNKNOWN_INSTRUCTION)


@pytest.mark.parametrize("op", ALL_OPS)
def test_not_enough_accounts(h: Harness, op: str) -> None:
    instruction, signers = every_instruction(h)[op]
    metas = list(instruction.accounts)
    for n in range(len(metas) - 1, -1, -1):
        kept = metas[:n]
        kept_keys = {m.pubkey for m in kept}
        h.reject(
            with_accounts(instruction, kept),
            [s for s in signers if s.pubkey() in kept_keys],
            E.NOT_ENOUGH_ACCOUNTS,
        )


# -- invalid configuration -------------------------------------------------------------------------

BASE = params()
BAD_PARAMS: dict[str, SessionParams] = {
    "duration_zero": params(max_duration=0),
    "duration_over_max": params(max_duration=MAX_SESSION_DURATION + 1),
    "duration_negative": params(max_duration=-1),
    "duration_i64_min": params(max_duration=-(1 << 63)),
    "duration_i64_max": params(max_duration=I64_MAX),
    "permission_bit_4": params(permissions=1 << 4),
    "permission_bit_31": params(permissions=int(Permission.EXECUTE) | (1 << 31)),
    "setting_bit_3": params(settings=1 << 3),
    "setting_bit_31": params(settings=1 << 31),
    "compose_without_execute": params(permissions=int(Permission.COMPOSE)),
    "compose_read_without_execute": params(
        permissions=int(Permission.COMPOSE | Permission.READ_CROSS_SESSION)
    ),
    "borrow_over_capacity": replace(BASE, quotas=ResourceQuotas(max_borrowed_accounts=9)),
    "borrow_u16_max": replace(BASE, quotas=ResourceQuotas(max_borrowed_accounts=0xFFFF)),
    "quota_reserved_first": replace(BASE, quotas=ResourceQuotas(reserved=b"\x01\0\0\0")),
    "quota_reserved_last": replace(BASE, quotas=ResourceQuotas(reserved=b"\0\0\0\x80")),
    "guard_len_only": replace(BASE, guard=Guard(len=1)),
    "guard_first_code_byte": replace(BASE, guard=Guard(code=b"\x01" + bytes(253))),
    "guard_last_code_byte": replace(BASE, guard=Guard(code=bytes(253) + b"\x01")),
    "guard_full": replace(BASE, guard=Guard(len=254, code=b"\xaa" * 254)),
}


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("name", list(BAD_PARAMS))
def test_invalid_configuration(h: Harness, kind: str, name: str) -> None:
    p = BAD_PARAMS[name]
    instruction, signers = create_ix(h, p) if kind == "create" else request_ix(h, p)
    h.reject(instruction, signers, E.INVALID_CONFIGURATION)


@pytest.mark.parametrize(
    "ttl",
    [0, -1, -(1 << 63), MAX_REQUEST_TTL + 1, I64_MAX],
    ids=["0", "-1", "min", "max+1", "i64max"],
)
def test_invalid_request_ttl(h: Harness, ttl: int) -> None:
    instruction, signers = request_ix(h, ttl=ttl)
    h.reject(instruction, signers, E.INVALID_CONFIGURATION)


def test_request_for_the_zero_owner(h: Harness) -> None:
    instruction, signers = request_ix(h, owner=Pubkey.default())
    h.reject(instruction, signers, E.INVALID_CONFIGURATION)


# -- timestamp overflow --------------------------------------------------------------------------


def test_create_expiry_overflow(h: Harness) -> None:
    h.s.set_time(I64_MAX - 100)
    instruction, signers = create_ix(h, params(max_duration=101))
    h.reject(instruction, signers, E.ARITHMETIC_OVERFLOW)
    # the largest representable expiry is fine
    made = h.create(params(max_duration=100))
    assert h.session(made.address).expires_at == I64_MAX


def test_request_deadline_overflow(h: Harness) -> None:
    h.s.set_time(I64_MAX - 10)
    instruction, signers = request_ix(h, ttl=11)
    h.reject(instruction, signers, E.ARITHMETIC_OVERFLOW)
    made = h.request(ttl=10)
    assert h.session(made.address).request_deadline == I64_MAX


def test_approve_expiry_overflow(h: Harness) -> None:
    h.s.set_time(I64_MAX - 1000)
    made = h.request(params(max_duration=1001), ttl=100)
    h.reject(ix.approve_session(made.owner_key, made.address), [made.owner], E.ARITHMETIC_OVERFLOW)
    exact = h.request(params(max_duration=1000), ttl=100)  # now + 1000 == i64::MAX
    h.ok(ix.approve_session(exact.owner_key, exact.address), [exact.owner])
    assert h.session(exact.address).expires_at == I64_MAX


# -- sysvar-account confusion -------------------------------------------------------------------


@pytest.mark.parametrize("fake", [CLOCK, INSTRUCTIONS])
def test_sysvar_as_session_account(h: Harness, fake: Pubkey) -> None:
    owner = h.s.funded_keypair()
    instruction = ix.activate_session(owner.pubkey(), fake)
    metas = [instruction.accounts[0], AccountMeta(fake, is_signer=False, is_writable=False)]
    h.reject(with_accounts(instruction, metas), [owner], E.INVALID_ACCOUNT_OWNER)
