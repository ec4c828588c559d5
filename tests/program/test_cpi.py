"""Creation by CPI: a tiny C dapp (tests/program/dapp) forwards create/request to the program.

The program records the top-level instruction's program (read from the instructions sysvar,
its 4th account) as ``creator_program``; a direct call records the zero key; a CPI without
the sysvar fails with MissingInstructionsSysvar.
"""

from __future__ import annotations

import pytest
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK, INSTRUCTIONS

from sessions_client import instructions as ix
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode
from sessions_client.events import SessionActivated, SessionCreated, SessionRequested
from sessions_client.pda import find_session_address
from sessions_client.types import SessionStatus
from sessions_tools.svm import DEFAULT_START_TIME

from .support import DEFAULT_TTL, ZERO_KEY, Harness, expected_session, params

T0 = DEFAULT_START_TIME
SYSVAR_META = AccountMeta(INSTRUCTIONS, is_signer=False, is_writable=False)


@pytest.fixture
def dapp(h: Harness, dapp_so: bytes) -> Pubkey:
    program_id = Keypair().pubkey()
    h.s.svm.add_program(program_id, dapp_so)
    return program_id


def via(dapp: Pubkey, inner: Instruction, *extra: AccountMeta) -> Instruction:
    """The dapp instruction that forwards ``inner`` (plus ``extra`` accounts) by CPI."""
    return Instruction(
        dapp,
        bytes(inner.data),
        [AccountMeta(PROGRAM_ID, is_signer=False, is_writable=False), *inner.accounts, *extra],
    )


def test_create_by_cpi_records_the_dapp(h: Harness, dapp: Pubkey) -> None:
    creator = h.s.funded_keypair()
    sid = 21
    address, bump = find_session_address(creator.pubkey(), sid)
    p = params(max_duration=900, settings=1)
    (c0,) = h.balances(creator.pubkey())
    out = h.ok(via(dapp, ix.create_session(creator.pubkey(), sid, p), SYSVAR_META), [creator])
    h.assert_session(
        address,
        expected_session(
            owner=creator.pubkey(),
            creator=creator.pubkey(),
            session_id=sid,
            bump=bump,
            p=p,
            status=SessionStatus.CREATED,
            created_at=T0,
            expires_at=T0 + 900,
            creator_program=dapp,
        ),
    )
    # the event is logged by the sessions program at CPI depth 2 and still decodes
    assert f"Program {PROGRAM_ID} invoke [2]" in out.logs
    assert out.events == (
        SessionCreated(address, creator.pubkey(), creator.pubkey(), sid, 1, 1, T0, T0 + 900),
    )
    assert h.balances(creator.pubkey()) == [c0 - h.rent]


def test_request_by_cpi_records_the_dapp(h: Harness, dapp: Pubkey) -> None:
    requester = h.s.funded_keypair()
    owner = h.s.funded_keypair().pubkey()
    sid = 22
    address, _ = find_session_address(requester.pubkey(), sid)
    inner = ix.request_session(requester.pubkey(), owner, sid, params(), DEFAULT_TTL)
    out = h.ok(via(dapp, inner, SYSVAR_META), [requester])
    session = h.session(address)
    assert session.creator_program == dapp
    assert (session.owner, session.creator) == (owner, requester.pubkey())
    assert out.events == (
        SessionRequested(address, owner, requester.pubkey(), sid, T0 + DEFAULT_TTL),
    )


@pytest.mark.parametrize("kind", ["create", "request"])
@pytest.mark.parametrize("fourth", ["absent", "clock_sysvar", "random"])
def test_cpi_without_the_instructions_sysvar(
    h: Harness, dapp: Pubkey, kind: str, fourth: str
) -> None:
    creator = h.s.funded_keypair()
    if kind == "create":
        inner = ix.create_session(creator.pubkey(), 23, params())
    else:
        inner = ix.request_session(
            creator.pubkey(), h.s.funded_keypair().pubkey(), 23, params(), DEFAULT_TTL
        )
    extra = {
        "absent": [],
        "clock_sysvar": [AccountMeta(CLOCK, is_signer=False, is_writable=False)],
        "random": [AccountMeta(Pubkey.new_unique(), is_signer=False, is_writable=False)],
    }[fourth]
    h.reject(via(dapp, inner, *extra), [creator], ErrorCode.MISSING_INSTRUCTIONS_SYSVAR)


def test_direct_call_records_zero_even_with_the_sysvar(h: Harness) -> None:
    creator = h.s.funded_keypair()
    sid = 24
    address, _ = find_session_address(creator.pubkey(), sid)
    inner = ix.create_session(creator.pubkey(), sid, params())
    direct = Instruction(PROGRAM_ID, bytes(inner.data), [*inner.accounts, SYSVAR_META])
    h.ok(direct, [creator])
    assert h.session(address).creator_program == ZERO_KEY


def test_creator_program_is_the_current_top_level_instruction(h: Harness, dapp: Pubkey) -> None:
    """Read from the sysvar's *current* index, not its first instruction."""
    creator = h.s.funded_keypair()
    first, second, third = 31, 32, 33
    h.ok(
        [
            set_compute_unit_limit(400_000),  # index 0: another program entirely
            ix.create_session(creator.pubkey(), first, params()),  # index 1: direct
            via(dapp, ix.create_session(creator.pubkey(), second, params()), SYSVAR_META),
            ix.create_session(creator.pubkey(), third, params()),  # index 3: direct again
        ],
        [creator],
    )
    programs = [
        h.session(find_session_address(creator.pubkey(), sid)[0]).creator_program
        for sid in (first, second, third)
    ]
    assert programs == [ZERO_KEY, dapp, ZERO_KEY]


def test_lifecycle_instruction_by_cpi(h: Harness, dapp: Pubkey) -> None:
    """The owner's signature passes through the dapp: activation by CPI works."""
    made = h.create()
    h.s.advance(7)
    out = h.ok(via(dapp, ix.activate_session(made.owner_key, made.address)), [made.owner])
    assert out.events == (SessionActivated(made.address, made.owner_key, T0 + 7, T0 + 3600),)
    assert h.session(made.address).status == SessionStatus.ACTIVE
