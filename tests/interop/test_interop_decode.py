"""anchorpy decodes Session accounts written by the real program (fixtures from the main env)."""

from __future__ import annotations

import base64
from typing import Any

import interop_support as s
import pytest
from anchorpy import NamedInstruction
from solders.pubkey import Pubkey

ACCOUNT_STEPS = [step for step in s.fixture_steps() if step["account"] is not None]


def _created_by(step: dict[str, Any]) -> dict[str, Any]:
    """The step that created the session ``step`` is about, with its inputs."""
    return next(st for st in s.fixture_steps() if st["session"] == step["session"] and st["inputs"])


def test_fixtures_cover_every_stored_status() -> None:
    assert {st["expect_status"] for st in ACCOUNT_STEPS} == {
        "Requested",
        "Created",
        "Active",
        "Paused",
        "Expired",
    }


@pytest.mark.parametrize("step", ACCOUNT_STEPS, ids=[st["name"] for st in ACCOUNT_STEPS])
def test_decoded_account_matches_ours(step: dict[str, Any]) -> None:
    data = base64.b64decode(step["account"])
    decoded = s.decode_session(data)
    assert s.plain(decoded) == step["decoded"]


@pytest.mark.parametrize("step", ACCOUNT_STEPS, ids=[st["name"] for st in ACCOUNT_STEPS])
def test_decoded_account_matches_the_scenario(step: dict[str, Any]) -> None:
    """Checked against what was sent and when, not against our decoder."""
    data = base64.b64decode(step["account"])
    session = s.decode_session(data)
    origin = _created_by(step)
    inputs = origin["inputs"]
    actors = s.fixtures()["actors"]

    assert s.variant_name(session.status) == step["expect_status"]
    assert session.version == 1
    assert str(session.owner) == inputs["owner"] == actors["owner"]
    creator = actors["dapp"] if origin["instruction"] == "request_session" else actors["owner"]
    assert str(session.creator) == creator
    assert session.session_id == inputs["session_id"]
    # a step that changed the limits (update_*) says what they are now
    params = step["inputs"].get("params", inputs["params"])
    assert s.plain(session.config) == params["config"]
    assert s.plain(session.scope) == params["scope"]
    assert s.plain(session.quotas) == params["quotas"]
    assert s.plain(session.metadata) == params["metadata"]
    # update_permissions changes what is in force, not the creation's config
    effective = step["inputs"].get("effective_permissions", params["config"]["permissions"])
    assert session.effective_permissions == effective

    # The PDA and its canonical bump, derived from the IDL's seeds for the creating instruction.
    accounts, bumps = s.resolve_accounts(
        origin["instruction"],
        {"creator": Pubkey.from_string(creator)},
        {"session_id": inputs["session_id"]},
    )
    assert str(accounts["session"]) == step["session"]
    assert session.bump == bumps["session"]

    # Timestamps are the clock of the steps that wrote them.
    assert session.created_at == origin["time"]
    if step["ok"]:
        assert session.updated_at == step["time"]
    else:  # a failed instruction wrote nothing
        assert session.updated_at < step["time"]
    if origin["instruction"] == "request_session":
        assert session.request_deadline == origin["time"] + inputs["request_ttl"]
    activations = [
        st
        for st in s.fixture_steps()
        if st["session"] == step["session"]
        and st["instruction"] == "activate_session"
        and st["ok"]
        and st["time"] <= step["time"]
    ]
    assert session.activated_at == (activations[0]["time"] if activations else 0)
    assert len(session.borrowed) == 8
    assert all(s.variant_name(b.mode) == "None" for b in session.borrowed)


@pytest.mark.parametrize("step", ACCOUNT_STEPS, ids=[st["name"] for st in ACCOUNT_STEPS])
def test_account_reencodes_to_the_same_bytes(step: dict[str, Any]) -> None:
    """Decoding consumed exactly the account, field for field (no trailing bytes ignored)."""
    data = base64.b64decode(step["account"])
    coder = s.program().coder.accounts
    decoded = coder.decode(data)
    rebuilt = coder.build(NamedInstruction(name="Session", data=s.build_input(decoded)))
    assert rebuilt == data


def test_unchanged_by_a_failed_transaction() -> None:
    steps = {st["name"]: st for st in s.fixture_steps()}
    failed = steps["a_activate_again"]
    assert not failed["ok"]
    assert failed["account"] == steps["a_resume"]["account"]
