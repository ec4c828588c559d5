"""The session record: built and unpacked in simulator/record.py only, by named constructors.

Each named constructor equals the NamedTuple's own keyword construction (the fast
``tuple.__new__`` inside them cannot put a field in the wrong place unnoticed), the
conversions to and from the mirror's Session are inverse, and no other simulator module
builds a record tuple or unpacks one positionally.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from solders.pubkey import Pubkey

import simulator
from sessions_client.codec import layout_of
from sessions_client.types import (
    BorrowedAccount,
    BorrowMode,
    Guard,
    ProtocolState,
    SessionConfig,
    SessionParams,
    SessionStatus,
    SharedData,
    UsageStats,
)
from simulator import record as rec

PARAMS = layout_of(SessionParams).encode(SessionParams(SessionConfig(600, 1, 1)))
ADDRESS, OWNER, CREATOR = (Pubkey(bytes([i]) * 32) for i in (1, 2, 3))
GROUPS = (
    rec.SessionOrigin,
    rec.UsageFields,
    rec.GuardFields,
    rec.DelegationFields,
    rec.LeaseFields,
    rec.ProtocolFields,
    rec.SessionRecord,
)


def origin(deadline: int = 0) -> rec.SessionOrigin:
    return rec.new_origin(
        ADDRESS,
        OWNER,
        CREATOR,
        session_id=7,
        bump=255,
        config=(600, 1, 1),
        created_at=100,
        request_deadline=deadline,
        params=PARAMS,
    )


def test_named_constructors_equal_keyword_construction() -> None:
    o = origin()
    assert o == rec.SessionOrigin(
        address=ADDRESS,
        owner=OWNER,
        creator=CREATOR,
        creator_program=Pubkey.default(),
        session_id=7,
        bump=255,
        max_duration=600,
        permissions=1,
        settings=1,
        created_at=100,
        request_deadline=0,
        params=PARAMS,
    )
    created = rec.created_record(o, 100, 700, 5_000)
    assert created == rec.SessionRecord(
        origin=o,
        status=SessionStatus.CREATED,
        updated_at=100,
        activated_at=0,
        expires_at=700,
        usage=rec.UsageFields(),
        guard=rec.GuardFields(effective_permissions=1),
        delegation=rec.DelegationFields(),
        leases=rec.LeaseFields(),
        protocol=rec.ProtocolFields(),
        lamports=5_000,
    )
    requested = rec.requested_record(origin(400), 100, 5_000)
    assert requested[1:5] == (SessionStatus.REQUESTED, 100, 0, 0)
    moved = rec.with_lifecycle(created, SessionStatus.ACTIVE, 150, 150, 700)
    assert moved == created._replace(
        status=SessionStatus.ACTIVE, updated_at=150, activated_at=150, expires_at=700
    )
    assert rec.with_lamports(moved, 9).lamports == 9
    for value in (o, created, moved):
        assert type(value) in GROUPS


def test_every_field_of_the_account_round_trips() -> None:
    """record_of and to_session are inverse, for distinctive values in every group."""
    session = rec.to_session(rec.created_record(origin(), 100, 700, 1))
    distinctive = dataclasses.replace(
        session,
        status=SessionStatus.PAUSED,
        depth=2,
        effective_permissions=3,
        bound_to=Pubkey(bytes([9]) * 32),
        usage_count=11,
        usage=UsageStats(1, 2, 3, 4, 5, 6, 7),
        guard=Guard(1, bytes([2]) + bytes(253)),
        protocol=ProtocolState(Pubkey(bytes([8]) * 32), 4, 1),
        shared=SharedData(1, 2, 0, bytes([3]) * 120),
        borrowed=(
            BorrowedAccount(Pubkey(bytes([5]) * 32), 9, BorrowMode.READ),
            *session.borrowed[1:],
        ),
        reserved=bytes([1]) * 64,
    )
    back = rec.to_session(rec.record_of(ADDRESS, distinctive, 1))
    assert back == distinctive


def _simulator_sources() -> dict[str, ast.Module]:
    root = Path(simulator.__file__).parent
    return {p.name: ast.parse(p.read_text()) for p in root.glob("*.py")}


def test_no_record_is_built_or_unpacked_outside_record_py() -> None:
    group_names = {cls.__name__ for cls in GROUPS}
    fields = {"origin", "usage", "guard", "delegation", "leases", "protocol"}
    for name, tree in _simulator_sources().items():
        if name == "record.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = [n.id for n in ast.walk(node.func) if isinstance(n, ast.Name)]
                args = [a.id for a in node.args if isinstance(a, ast.Name)]
                assert not set(called) & group_names, (name, ast.unparse(node))
                assert not ({"_new", "__new__"} & set(called) and set(args) & group_names), (
                    name,
                    ast.unparse(node),
                )
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                value = node.value
                unpacks = (isinstance(value, ast.Name) and value.id == "record") or (
                    isinstance(value, ast.Attribute) and value.attr in fields
                )
                assert not unpacks, (name, ast.unparse(node))
