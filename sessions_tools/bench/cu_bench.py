"""Compute units of every instruction, measured in the SVM (never estimated).

Creation is measured with a session id whose canonical bump is 255, i.e. the
bump supplied and verified with one sha256 and one curve test; each step below
255 adds one more of each to prove the bump canonical (reported separately).
"""

from __future__ import annotations

from solders.keypair import Keypair

from sessions_client import instructions as ix
from sessions_client.constants import Permission, Setting
from sessions_client.pda import find_session_address, session_id_with_bump
from sessions_client.types import SessionConfig, SessionParams
from sessions_tools.bench.execute_bench import measure_execute_cu
from sessions_tools.svm import SessionsSVM, TxOutcome


def _require(outcome: TxOutcome, what: str) -> int:
    if not outcome.ok:
        raise RuntimeError(f"{what} failed in the benchmark: {outcome.failure}")
    return outcome.compute_units


def measure_instruction_cu(program: bytes | None = None) -> dict[str, int]:
    """CU per instruction for a full lifecycle (plus request/approve and expire paths).

    ``program`` is the .so to measure (default: the default build); the bench
    measures the portable build with the same steps for its own column.
    """
    svm = SessionsSVM(program)
    owner: Keypair = svm.funded_keypair()
    params = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0))
    cu: dict[str, int] = {}

    sid = session_id_with_bump(owner.pubkey(), 255)
    session, _ = find_session_address(owner.pubkey(), sid)
    cu["create_session"] = _require(
        svm.send(ix.create_session(owner.pubkey(), sid, params), [owner]), "create"
    )
    for name, build in (
        ("activate_session", ix.activate_session),
        ("pause_session", ix.pause_session),
        ("resume_session", ix.resume_session),
    ):
        cu[name] = _require(svm.send(build(owner.pubkey(), session), [owner]), name)
    cu["close_session"] = _require(
        svm.send(ix.close_session(owner.pubkey(), session, owner.pubkey()), [owner]), "close"
    )

    dapp = svm.funded_keypair()
    rid = session_id_with_bump(dapp.pubkey(), 255)
    requested, _ = find_session_address(dapp.pubkey(), rid)
    cu["request_session"] = _require(
        svm.send(ix.request_session(dapp.pubkey(), owner.pubkey(), rid, params, 600), [dapp]),
        "request",
    )
    cu["approve_session"] = _require(
        svm.send(ix.approve_session(owner.pubkey(), requested), [owner]), "approve"
    )
    svm.advance(3600)
    cu["expire_session"] = _require(
        svm.send(ix.expire_session(requested, dapp.pubkey()), [owner]), "expire"
    )

    auto = SessionParams(SessionConfig(60, int(Permission.EXECUTE), int(Setting.AUTO_EXPIRE)))
    aid = session_id_with_bump(owner.pubkey(), 255, sid + 1)
    auto_session, _ = find_session_address(owner.pubkey(), aid)
    _require(svm.send(ix.create_session(owner.pubkey(), aid, auto), [owner]), "create auto")
    svm.advance(60)
    cu["expire_session_auto_close"] = _require(
        svm.send(ix.expire_session(auto_session, owner.pubkey()), [owner]), "expire+close"
    )

    for bump in (254, 253):
        bid = session_id_with_bump(owner.pubkey(), bump)
        cu[f"create_session_bump_{bump}"] = _require(
            svm.send(ix.create_session(owner.pubkey(), bid, params), [owner]), f"create {bump}"
        )
    return cu | measure_execute_cu(program)


#: The issue's targets, checked by ``sessions bench``.
CU_TARGETS: dict[str, int] = {
    "create_session": 2800,
    "request_session": 2800,
    "create_session_bump_254": 3200,
    "activate_session": 600,
    "pause_session": 600,
    "resume_session": 600,
    "close_session": 1000,
    "execute_overhead": 600,
    "execute_guarded_sol_transfer": 2500,
}
