"""anchorpy3 reads idl/sessions.json completely: instructions, account, events, errors, types."""

from __future__ import annotations

import base64
import hashlib

import interop_support as s

INSTRUCTIONS = [
    "create_session",
    "request_session",
    "approve_session",
    "activate_session",
    "pause_session",
    "resume_session",
    "expire_session",
    "close_session",
    "execute",
    "validate_session",
    "update_guard",
    "update_permissions",
    "update_quotas",
]
EVENTS = [
    "SessionRequested",
    "SessionCreated",
    "SessionActivated",
    "SessionPaused",
    "SessionResumed",
    "SessionExpired",
    "SessionClosed",
    "SessionExecuted",
    "SessionGuardUpdated",
    "SessionPermissionsUpdated",
    "SessionQuotasUpdated",
]


def _sighash(namespace: str, name: str) -> bytes:
    return hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:8]


def test_fixtures_match_the_program_and_idl_under_test() -> None:
    fx = s.fixtures()
    assert fx["format"] == 1
    assert fx["program_sha256"] == s.sha256_hex(s.program_bytes())
    assert fx["idl_sha256"] == s.sha256_hex(s.idl_text().encode())
    assert fx["program_id"] == str(s.program_id())
    assert s.idl().address == str(s.program_id())


def test_program_sees_all_instructions_with_anchor_discriminators() -> None:
    program = s.program()
    assert [ix.name for ix in s.idl().instructions] == INSTRUCTIONS
    assert sorted(program.instruction) == sorted(INSTRUCTIONS)
    assert sorted(program.methods) == sorted(INSTRUCTIONS)
    for name in INSTRUCTIONS:
        assert program.coder.instruction.sighashes[name] == _sighash("global", name), name


def test_instruction_accounts_and_args_survive_parsing() -> None:
    """What anchorpy parsed equals the file: every account's flags and PDA, every arg."""
    for raw_ix, ix in zip(s.raw_idl()["instructions"], s.idl().instructions, strict=True):
        parsed = [(a.name, a.writable, a.signer, a.pda is not None) for a in ix.accounts]
        expected = [
            (a["name"], a.get("writable", False), a.get("signer", False), "pda" in a)
            for a in raw_ix["accounts"]
        ]
        assert parsed == expected, raw_ix["name"]
        assert [a.name for a in ix.args] == [a["name"] for a in raw_ix["args"]]
        assert ix.discriminator == raw_ix["discriminator"]


def test_session_account_layout() -> None:
    program = s.program()
    assert [a.name for a in s.idl().accounts] == ["Session"]
    assert program.coder.accounts.acc_name_to_discriminator["Session"] == _sighash(
        "account", "Session"
    )
    real = next(step for step in s.fixture_steps() if step["account"] is not None)
    assert program.account["Session"].size == len(base64.b64decode(real["account"]))


def test_all_events_with_discriminators_and_fields() -> None:
    coder = s.program().coder.events
    assert [e.name for e in s.idl().events or []] == EVENTS
    assert coder.discriminators == {_sighash("event", n): n for n in EVENTS}
    types = {t["name"]: t for t in s.raw_idl()["types"]}
    for event in s.idl().events or []:
        assert [f.name for f in event.fields] == [
            f["name"] for f in types[event.name]["type"]["fields"]
        ], event.name


def test_all_errors() -> None:
    errors = s.idl().errors or []
    raw = s.raw_idl()["errors"]
    assert len(errors) == len(raw) >= 31  # the lifecycle's codes at least; later codes append
    assert [e.code for e in errors] == list(range(6000, 6000 + len(errors)))
    assert [(e.code, e.name, e.msg) for e in errors] == [
        (e["code"], e["name"], e["msg"]) for e in raw
    ]
    assert len({e.name for e in errors}) == len(errors)
    assert all(e.msg for e in errors)


def test_every_type_builds_a_layout() -> None:
    """anchorpy's type namespace silently drops types it cannot build: none may be missing."""
    names = [t["name"] for t in s.raw_idl()["types"]]
    assert sorted(s.program().type) == sorted(names)
    status = s.program().type["SessionStatus"]
    assert [v for v in status._sumtype_constructor_names] == [
        v["name"]
        for t in s.raw_idl()["types"]
        if t["name"] == "SessionStatus"
        for v in t["type"]["variants"]
    ]


def test_constants() -> None:
    constants = {c.name: c.value for c in s.idl().constants or []}
    assert constants["SESSION_VERSION"] == "1"
    assert constants["SESSION_SEED"] == str(list(b"session"))
    assert int(constants["MAX_SESSION_DURATION"]) == 30 * 24 * 3600
