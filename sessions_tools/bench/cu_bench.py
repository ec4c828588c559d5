"""Compute units of every instruction, measured in the SVM (never estimated).

Creation is measured with a session id whose canonical bump is 255, i.e. the
bump supplied and verified with one sha256 and one curve test; each step below
255 adds one more of each to prove the bump canonical (reported separately).
The closes and expiries use sessions whose signer's canonical bump is 255 too: a
session that never executed has no recorded signer, so closing it proves the
signer PDA (one sha256 + one curve test at bump 255). ``close_session`` and
``expire_session*`` sweep an empty signer; ``*_sweep`` ones a funded signer (the
system Transfer to the owner, signed with the signer's seeds); ``close_session_sweep``
of a signer execute has recorded (a key comparison instead of the proof).
"""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import Permission, Setting
from sessions_client.execute import execute_instruction
from sessions_client.pda import find_session_address, find_signer_address, session_id_with_bump
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams
from sessions_tools.bench.execute_bench import measure_execute_cu
from sessions_tools.svm import SessionsSVM, TxOutcome

#: What a funded signer holds when a close sweeps it.
_SWEPT = 50_000_000
_QUOTAS = ResourceQuotas(max_executions=10, max_compute_units=10**9, max_lamports=10**12)


def _require(outcome: TxOutcome, what: str) -> int:
    if not outcome.ok:
        raise RuntimeError(f"{what} failed in the benchmark: {outcome.failure}")
    return outcome.compute_units


class _Sessions:
    """Sessions of one creator with both canonical bumps at 255, each at a fresh id."""

    def __init__(self, svm: SessionsSVM, creator: Keypair) -> None:
        self.svm, self.creator, self._next = svm, creator, 0

    def next_id(self) -> tuple[int, Pubkey]:
        sid = session_id_with_bump(self.creator.pubkey(), 255, self._next, signer_bump=255)
        self._next = sid + 1
        return sid, find_session_address(self.creator.pubkey(), sid)[0]

    def create(self, params: SessionParams) -> Pubkey:
        sid, session = self.next_id()
        creator = self.creator
        created = self.svm.send(ix.create_session(creator.pubkey(), sid, params), [creator])
        _require(created, "create")
        return session

    def fund_signer(self, session: Pubkey) -> Pubkey:
        signer = find_signer_address(session)[0]
        fund = transfer(
            TransferParams(from_pubkey=self.creator.pubkey(), to_pubkey=signer, lamports=_SWEPT)
        )
        _require(self.svm.send(fund, [self.creator]), "fund the signer")
        return signer


def _lifecycle_cu(svm: SessionsSVM, owner: Keypair, sessions: _Sessions) -> dict[str, int]:
    """create, activate, pause, resume and the closes (empty, funded, recorded signer)."""
    o = owner.pubkey()
    params = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0), quotas=_QUOTAS)
    cu: dict[str, int] = {}
    sid, session = sessions.next_id()
    cu["create_session"] = _require(svm.send(ix.create_session(o, sid, params), [owner]), "create")
    for name, build in (
        ("activate_session", ix.activate_session),
        ("pause_session", ix.pause_session),
        ("resume_session", ix.resume_session),
    ):
        cu[name] = _require(svm.send(build(o, session), [owner]), name)
    cu["close_session"] = _require(svm.send(ix.close_session(o, session, o, o), [owner]), "close")

    funded = sessions.create(params)
    sessions.fund_signer(funded)
    cu["close_session_sweep"] = _require(
        svm.send(ix.close_session(o, funded, o, o), [owner]), "close, funded signer"
    )

    executed = sessions.create(params)
    _require(svm.send(ix.activate_session(o, executed), [owner]), "activate")
    signer = sessions.fund_signer(executed)
    pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=o, lamports=1_000_000))
    _require(svm.send(execute_instruction(o, executed, [pay]), [owner]), "execute")
    cu["close_session_sweep_recorded_signer"] = _require(
        svm.send(ix.close_session(o, executed, o, o), [owner]), "close, recorded signer"
    )
    return cu


def _expiry_cu(svm: SessionsSVM, owner: Keypair, sessions: _Sessions) -> dict[str, int]:
    """request/approve, a plain expiry, and AUTO_EXPIRE closing an empty and a funded signer."""
    o = owner.pubkey()
    cu: dict[str, int] = {}
    params = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0))
    dapp = svm.funded_keypair()
    requests = _Sessions(svm, dapp)
    rid, requested = requests.next_id()
    cu["request_session"] = _require(
        svm.send(ix.request_session(dapp.pubkey(), o, rid, params, 600), [dapp]), "request"
    )
    cu["approve_session"] = _require(svm.send(ix.approve_session(o, requested), [owner]), "approve")
    svm.advance(3600)
    cu["expire_session"] = _require(
        svm.send(ix.expire_session(requested, dapp.pubkey(), o), [owner]), "expire"
    )

    auto = SessionParams(SessionConfig(60, int(Permission.EXECUTE), int(Setting.AUTO_EXPIRE)))
    empty, funded = sessions.create(auto), sessions.create(auto)
    sessions.fund_signer(funded)
    svm.advance(60)
    cu["expire_session_auto_close"] = _require(
        svm.send(ix.expire_session(empty, o, o), [owner]), "expire+close"
    )
    cu["expire_session_auto_close_sweep"] = _require(
        svm.send(ix.expire_session(funded, o, o), [owner]), "expire+close, funded signer"
    )
    return cu


def measure_instruction_cu(program: bytes | None = None) -> dict[str, int]:
    """CU per instruction for a full lifecycle (plus request/approve and expire paths).

    ``program`` is the .so to measure (default: the default build); the bench
    measures the portable build with the same steps for its own column.
    """
    svm = SessionsSVM(program)
    owner: Keypair = svm.funded_keypair()
    sessions = _Sessions(svm, owner)
    cu = _lifecycle_cu(svm, owner, sessions) | _expiry_cu(svm, owner, sessions)
    params = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0))
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

#: The issue's per-predicate target for guards evaluated through execute: every figure of
#: ``execute_guard_per_predicate`` (each kind with its AND, NOT alone, each further allowlist
#: entry) at most this many CU.
GUARD_PER_PREDICATE_TARGET = 40
