"""Instructions built by anchorpy from the IDL, run against the real program in LiteSVM.

Every instruction is built with ``program.methods[...]`` (anchorpy's encoder,
discriminators and account metas); PDAs and fixed addresses come from the
IDL's ``pda``/``address`` entries. The program must accept them, and the
state it writes is read back with anchorpy's decoder.
"""

from __future__ import annotations

from typing import Any

import interop_support as s
import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

EXECUTE, COMPOSE = 1, 2
EXECUTION_LOGGING, AUTO_EXPIRE = 2, 1
SCOPE_PROGRAM = Pubkey.from_bytes(bytes(range(100, 132)))


def params(
    *, max_duration: int = 3_600, settings: int = EXECUTION_LOGGING, permissions: int = 3
) -> dict[str, Any]:
    """SessionParams as anchorpy's encoder takes them; SessionConfig as anchorpy's own type."""
    config_type = s.program().type["SessionConfig"]
    return {
        "config": config_type(
            max_duration=max_duration, permissions=permissions, settings=settings
        ),
        "scope": {"program": SCOPE_PROGRAM, "namespace": list(range(32, 64))},
        "quotas": {
            "max_executions": 10,
            "max_compute_units": 200_000,
            "max_lamports": 1_000_000,
            "max_borrowed_accounts": 2,
            "max_children": 1,
            "reserved": [0] * 4,
        },
        "guard": {"len": 0, "code": [0] * 254},
        "metadata": list(b"built by anchorpy".ljust(64, b".")),
    }


def create(
    chain: s.Chain, creator: Keypair, session_id: int, p: dict[str, Any], **overrides: Any
) -> tuple[s.Sent, Pubkey, int]:
    accounts, bumps = s.resolve_accounts(
        "create_session", {"creator": creator.pubkey()}, {"session_id": session_id}
    )
    args = {"session_id": session_id, "params": p, "bump": bumps["session"]}
    args.update(overrides.pop("args", {}))
    accounts.update(overrides.pop("accounts", {}))
    assert not overrides
    sent = chain.send(s.methods("create_session", args, accounts), creator)
    return sent, accounts["session"], bumps["session"]


def owner_ix(chain: s.Chain, name: str, owner: Keypair, session: Pubkey) -> s.Sent:
    return chain.send(s.methods(name, {}, {"owner": owner.pubkey(), "session": session}), owner)


def only_event(sent: s.Sent, name: str) -> Any:
    assert sent.ok, (sent.error, sent.logs)
    assert [e.name for e in sent.events] == [name]
    return sent.events[0].data


def assert_program_error(sent: s.Sent, expected: str) -> None:
    """The failure is the program's custom code, which the IDL names ``expected``."""
    assert not sent.ok
    assert sent.error is not None, sent.logs  # anchorpy parsed a custom program error
    code = sent.error.code
    assert s.idl_error_by_code().get(code) == expected, (code, sent.logs)
    assert sent.error.msg == next(e.msg for e in s.idl().errors or [] if e.code == code)
    # The program's own line is Anchor's, so log parsers (Anchor TS's AnchorError.parse uses
    # this very pattern) find the same name, number and message as the IDL.
    assert s.anchor_errors_in_logs(sent.logs) == [(expected, code, sent.error.msg)], sent.logs
    assert sent.events == []


def test_owner_lifecycle_built_by_anchorpy() -> None:
    chain = s.Chain()
    owner = chain.funded()
    sid = 0xA1B2_C3D4_0000_0001
    t0 = chain.now()
    p = params()

    sent, session, bump = create(chain, owner, sid, p)
    ev = only_event(sent, "SessionCreated")
    state = chain.session(session)
    assert s.variant_name(state.status) == "Created"
    assert (state.owner, state.creator, state.session_id, state.bump) == (
        owner.pubkey(),
        owner.pubkey(),
        sid,
        bump,
    )
    assert (state.config.max_duration, state.config.permissions, state.config.settings) == (
        3_600,
        3,
        EXECUTION_LOGGING,
    )
    assert state.scope.program == SCOPE_PROGRAM
    assert list(state.scope.namespace) == list(range(32, 64))
    assert s.plain(state.quotas) == p["quotas"]
    assert list(state.metadata) == p["metadata"]
    assert (state.created_at, state.updated_at, state.expires_at) == (t0, t0, t0 + 3_600)
    assert (ev.session, ev.owner, ev.creator, ev.session_id) == (
        session,
        owner.pubkey(),
        owner.pubkey(),
        sid,
    )
    assert (ev.permissions, ev.settings, ev.created_at, ev.expires_at) == (
        3,
        EXECUTION_LOGGING,
        t0,
        t0 + 3_600,
    )
    assert len(chain.account(session) or b"") == s.program().account["Session"].size

    chain.set_time(t0 + 60)
    ev = only_event(owner_ix(chain, "activate_session", owner, session), "SessionActivated")
    state = chain.session(session)
    assert s.variant_name(state.status) == "Active"
    assert state.activated_at == ev.activated_at == t0 + 60
    assert ev.expires_at == state.expires_at == t0 + 3_600

    chain.set_time(t0 + 120)
    ev = only_event(owner_ix(chain, "pause_session", owner, session), "SessionPaused")
    assert s.variant_name(chain.session(session).status) == "Paused"
    assert ev.paused_at == t0 + 120

    chain.set_time(t0 + 180)
    ev = only_event(owner_ix(chain, "resume_session", owner, session), "SessionResumed")
    state = chain.session(session)
    assert s.variant_name(state.status) == "Active"
    assert (ev.resumed_at, state.updated_at) == (t0 + 180, t0 + 180)

    chain.set_time(t0 + 240)
    rent = chain.lamports(session)
    before = chain.balance(owner.pubkey())
    accounts, bumps = s.resolve_accounts(
        "close_session",
        {
            "authority": owner.pubkey(),
            "session": session,
            "creator": owner.pubkey(),
            "owner": owner.pubkey(),
        },
        {},
    )
    signer_bump = {"signer_bump": bumps["session_signer"]}  # the IDL's PDA of the signer
    sent = chain.send(s.methods("close_session", signer_bump, accounts), owner)
    ev = only_event(sent, "SessionClosed")
    assert chain.account(session) is None
    assert s.variant_name(ev.reason) == "Closed"
    assert (ev.rent_receiver, ev.lamports_returned, ev.swept_to_owner, ev.closed_at) == (
        owner.pubkey(),
        rent,
        0,
        t0 + 240,
    )
    assert chain.balance(owner.pubkey()) == before + rent - 5_000  # one signature's fee


def test_request_approve_expire_built_by_anchorpy() -> None:
    chain = s.Chain()
    owner, dapp = chain.funded(), chain.funded()
    t0 = chain.now()
    accounts, bumps = s.resolve_accounts(
        "request_session", {"creator": dapp.pubkey()}, {"session_id": 9}
    )
    args = {
        "session_id": 9,
        "owner": owner.pubkey(),
        "request_ttl": 300,
        "params": params(max_duration=30),
        "bump": bumps["session"],
    }
    ev = only_event(
        chain.send(s.methods("request_session", args, accounts), dapp), "SessionRequested"
    )
    session = accounts["session"]
    assert (ev.session, ev.owner, ev.creator, ev.request_deadline) == (
        session,
        owner.pubkey(),
        dapp.pubkey(),
        t0 + 300,
    )
    assert s.variant_name(chain.session(session).status) == "Requested"

    chain.set_time(t0 + 10)
    ev = only_event(owner_ix(chain, "approve_session", owner, session), "SessionCreated")
    state = chain.session(session)
    assert s.variant_name(state.status) == "Created"
    assert (state.owner, state.creator, ev.expires_at) == (owner.pubkey(), dapp.pubkey(), t0 + 40)

    expire_accounts, expire_bumps = s.resolve_accounts(
        "expire_session",
        {"session": session, "creator": dapp.pubkey(), "owner": owner.pubkey()},
        {},
    )
    signer_bump = {"signer_bump": expire_bumps["session_signer"]}
    chain.set_time(t0 + 39)
    sent = chain.send(s.methods("expire_session", signer_bump, expire_accounts), owner)
    assert_program_error(sent, "SessionNotExpired")

    chain.set_time(t0 + 40)
    sent = chain.send(s.methods("expire_session", signer_bump, expire_accounts), owner)
    ev = only_event(sent, "SessionExpired")
    assert s.variant_name(ev.previous_status) == "Created"
    assert (ev.expires_at, ev.expired_at) == (t0 + 40, t0 + 40)
    assert s.variant_name(chain.session(session).status) == "Expired"


def test_auto_expire_closes_in_the_same_instruction() -> None:
    chain = s.Chain()
    owner, anyone = chain.funded(), chain.funded()
    t0 = chain.now()
    sent, session, _ = create(chain, owner, 5, params(max_duration=10, settings=AUTO_EXPIRE))
    assert sent.ok, sent.logs
    rent = chain.lamports(session)
    accounts, bumps = s.resolve_accounts(
        "expire_session",
        {"session": session, "creator": owner.pubkey(), "owner": owner.pubkey()},
        {},
    )
    chain.svm.airdrop(accounts["session_signer"], 2_000_000)  # the signer holds SOL
    chain.set_time(t0 + 10)
    sent = chain.send(
        s.methods("expire_session", {"signer_bump": bumps["session_signer"]}, accounts), anyone
    )
    assert sent.ok, sent.logs
    assert [e.name for e in sent.events] == ["SessionExpired", "SessionClosed"]
    closed = sent.events[1].data
    assert s.variant_name(closed.reason) == "Expired"
    assert (closed.lamports_returned, closed.swept_to_owner) == (rent, 2_000_000)
    assert chain.account(session) is None
    assert chain.balance(accounts["session_signer"]) == 0


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("activate_twice", "InvalidStatusTransition"),
        ("pause_when_created", "SessionNotActive"),
        ("stranger_activates", "Unauthorized"),
        ("zero_duration", "InvalidConfiguration"),
        ("compose_without_execute", "InvalidConfiguration"),
        ("pda_of_another_id", "InvalidSessionAddress"),
        ("already_exists", "SessionAlreadyExists"),
        ("nonzero_guard", "InvalidConfiguration"),
    ],
)
def test_program_errors_surface_as_idl_errors(case: str, expected: str) -> None:
    chain = s.Chain()
    owner = chain.funded()
    if case in ("zero_duration", "compose_without_execute", "nonzero_guard", "pda_of_another_id"):
        p = params(
            max_duration=0 if case == "zero_duration" else 3_600,
            permissions=COMPOSE if case == "compose_without_execute" else EXECUTE,
        )
        if case == "nonzero_guard":
            p["guard"] = {"len": 1, "code": [1] + [0] * 253}
        overrides: dict[str, Any] = {}
        if case == "pda_of_another_id":
            other, _ = s.resolve_accounts(
                "create_session", {"creator": owner.pubkey()}, {"session_id": 2}
            )
            overrides["accounts"] = {"session": other["session"]}
        sent, session, _ = create(chain, owner, 1, p, **overrides)
        assert_program_error(sent, expected)
        assert chain.account(session) is None
        return

    sent, session, _ = create(chain, owner, 1, params())
    assert sent.ok, sent.logs
    before = chain.account(session)
    if case == "activate_twice":
        assert owner_ix(chain, "activate_session", owner, session).ok
        before = chain.account(session)
        sent = owner_ix(chain, "activate_session", owner, session)
    elif case == "pause_when_created":
        sent = owner_ix(chain, "pause_session", owner, session)
    elif case == "stranger_activates":
        sent = owner_ix(chain, "activate_session", chain.funded(), session)
    elif case == "already_exists":
        chain.svm.expire_blockhash()
        sent, _, _ = create(chain, owner, 1, params())
    assert_program_error(sent, expected)
    assert chain.account(session) == before  # a failed instruction changes nothing
