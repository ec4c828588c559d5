"""Compute units of every instruction, measured in the SVM, against the issue's budgets.

CU are deterministic for a given program and input, so these are exact measurements, not
timings. Budgets (the issues' targets): create and request <= 2800 with the canonical bump 255
supplied, create at canonical bump 254 <= 3200 (each event included), activate/pause/resume
<= 600 each including the event, close <= 1000 including the event: the close of a session
that never executed, which proves the signer PDA (one sha256 and one curve test, 289 CU of
syscalls at bump 255) and sweeps an empty signer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sessions_client import instructions as ix
from sessions_client.constants import PROGRAM_ID
from sessions_client.pda import find_session_address, find_signer_address, session_id_with_bump
from sessions_tools.svm import SessionsSVM, TxOutcome

from .support import AUTO_EXPIRE, DEFAULT_DURATION, Harness, id_with_bump, params

BUDGETS = {
    "create_session": 2800,
    "request_session": 2800,
    "create_session(bump 254)": 3200,
    "activate_session": 600,
    "pause_session": 600,
    "resume_session": 600,
    "close_session": 1000,
}
_CONSUMED = re.compile(rf"^Program {PROGRAM_ID} consumed (\d+) of \d+ compute units$")


def program_cu(out: TxOutcome) -> int:
    """The program's own CU from its log line; must equal the transaction's measurement."""
    assert out.ok, (out.error, out.logs)
    (consumed,) = [int(m.group(1)) for line in out.logs if (m := _CONSUMED.match(line))]
    assert consumed == out.compute_units
    assert len(out.events) >= 1  # every measured instruction emits its event
    return consumed


@pytest.fixture(scope="module")
def measured(program_so: bytes) -> dict[str, int]:
    h = Harness(SessionsSVM(program_so))
    cu: dict[str, int] = {}
    owner = h.s.funded_keypair()
    o = owner.pubkey()

    sid = session_id_with_bump(o, 255, signer_bump=255)
    address, bump = find_session_address(o, sid)
    cu["create_session"] = program_cu(h.ok(ix.create_session(o, sid, params(), bump=255), [owner]))
    assert bump == 255
    cu["activate_session"] = program_cu(h.ok(ix.activate_session(o, address), [owner]))
    cu["pause_session"] = program_cu(h.ok(ix.pause_session(o, address), [owner]))
    cu["resume_session"] = program_cu(h.ok(ix.resume_session(o, address), [owner]))
    cu["close_session"] = program_cu(h.ok(ix.close_session(o, address, o, o), [owner]))
    assert find_signer_address(address)[1] == 255  # the proof at its cheapest: one step

    low_sid, low_bump = id_with_bump(o, lambda b: b == 254)
    cu["create_session(bump 254)"] = program_cu(
        h.ok(ix.create_session(o, low_sid, params(), bump=low_bump), [owner])
    )
    # the rest is recorded, not budgeted by the issues
    lower_sid, lower_bump = id_with_bump(o, lambda b: b == 253)
    cu["create_session(bump 253)"] = program_cu(
        h.ok(ix.create_session(o, lower_sid, params(), bump=lower_bump), [owner])
    )
    requester = h.s.funded_keypair()
    r = requester.pubkey()
    rsid, _ = id_with_bump(r, lambda b: b == 255)
    raddress, _ = find_session_address(r, rsid)
    cu["request_session"] = program_cu(
        h.ok(ix.request_session(r, o, rsid, params(), 600, bump=255), [requester])
    )
    cu["approve_session"] = program_cu(h.ok(ix.approve_session(o, raddress), [owner]))

    esid, _ = id_with_bump(o, lambda b: b == 255, start=low_sid + 1)
    eaddress, _ = find_session_address(o, esid)
    h.ok(ix.create_session(o, esid, params()), [owner])
    asid, _ = id_with_bump(o, lambda b: b == 255, start=esid + 1)
    aaddress, _ = find_session_address(o, asid)
    h.ok(ix.create_session(o, asid, params(settings=AUTO_EXPIRE)), [owner])
    h.s.advance(DEFAULT_DURATION)
    cu["expire_session"] = program_cu(h.ok(ix.expire_session(eaddress, o, o)))
    cu["expire_session(AUTO_EXPIRE, closes)"] = program_cu(h.ok(ix.expire_session(aaddress, o, o)))
    cu["close_session(expired)"] = program_cu(h.ok(ix.close_session(o, eaddress, o, o), [owner]))
    return cu


def test_report(measured: dict[str, int], record_property: Callable[[str, object], None]) -> None:
    """Records every measurement (junit properties; printed with -rP)."""
    for name, units in measured.items():
        record_property(name, units)
        print(f"{name:40s} {units:6d} CU")
    assert set(BUDGETS) <= set(measured)


@pytest.mark.parametrize("name", list(BUDGETS))
def test_within_budget(measured: dict[str, int], name: str) -> None:
    assert measured[name] <= BUDGETS[name], f"{name}: {measured[name]} CU > {BUDGETS[name]}"


def test_bump_255_is_the_cheap_path(measured: dict[str, int]) -> None:
    """A lower canonical bump costs one more derivation: the client should prefer 255 ids."""
    assert measured["create_session(bump 254)"] > measured["create_session"]


def test_each_lower_bump_costs_one_hash_and_one_curve_test(measured: dict[str, int]) -> None:
    """Proving a bump canonical costs the same per higher bump (sol_sha256 135 + the curve
    test 159 + a few instructions), far below a create_program_address (1,500)."""
    step = measured["create_session(bump 254)"] - measured["create_session"]
    assert measured["create_session(bump 253)"] - measured["create_session(bump 254)"] == step
    assert 135 + 159 <= step < 1500 // 4
