"""Compute units of evaluating guards, measured through the real ``execute`` in the SVM.

Every measurement is the second execute of a fresh session (the first also proves and
records the session signer's PDA) of the same inner instruction: a 1-lamport system
transfer from the session signer to a funded recipient, called by the owner. The sessions'
guards differ by one predicate that holds for that execution, so every node is evaluated:
``execute_guard_per_predicate`` maps each kind to what one more such predicate (and the AND
joining it) adds to execute, which is its share of the guard's one pass after the CPI
(``guard_execute``: validation, admission, the rate window and the evaluation together);
allowlists also report what each further entry adds, checked entries first and the match
last.
"""

from __future__ import annotations

from typing import Final

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_client import guards as g
from sessions_client import instructions as ix
from sessions_client.constants import Permission
from sessions_client.execute import execute_instruction
from sessions_client.pda import find_session_address, find_signer_address, session_id_with_bump
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams
from sessions_tools.svm import SessionsSVM, TxOutcome

#: The system program's Transfer tag (u32 LE) and where the lamports sit in its data.
_TRANSFER_TAG: Final = (2).to_bytes(4, "little")
_LAMPORTS_AT: Final = 4
_MINT: Final = Pubkey.from_string("So11111111111111111111111111111111111111112")
_QUOTAS: Final = ResourceQuotas(max_executions=10, max_compute_units=10**12, max_lamports=10**12)
_EXTRA_ENTRIES: Final = 6


def _require(outcome: TxOutcome, what: str) -> TxOutcome:
    if not outcome.ok:
        raise RuntimeError(f"{what} failed in the benchmark: {outcome.failure} {outcome.logs}")
    return outcome


class _Executor:
    """Fresh sessions under given guards, each executing the same transfer twice."""

    def __init__(self) -> None:
        self.svm = SessionsSVM()
        self.owner: Keypair = self.svm.funded_keypair(10**12)
        self.recipient = self.svm.funded_keypair(10**9).pubkey()
        self._last = -1

    def cu(self, guard: g.GuardExpr) -> int:
        owner = self.owner.pubkey()
        sid = session_id_with_bump(owner, 255, self._last + 1)
        self._last = sid
        session, _ = find_session_address(owner, sid)
        signer, _ = find_signer_address(session)
        params = SessionParams(
            SessionConfig(3600, int(Permission.EXECUTE), 0),
            quotas=_QUOTAS,
            guard=g.compile_guard(guard),
        )
        fund = transfer(TransferParams(from_pubkey=owner, to_pubkey=signer, lamports=10**9))
        for step in (
            ix.create_session(owner, sid, params),
            ix.activate_session(owner, session),
            fund,
        ):
            _require(self.svm.send(step, [self.owner]), f"setup under {guard}")
        inner = transfer(TransferParams(from_pubkey=signer, to_pubkey=self.recipient, lamports=1))
        execute = execute_instruction(owner, session, [inner])
        _require(self.svm.send(execute, [self.owner]), f"first execute under {guard}")
        measured = _require(self.svm.send(execute, [self.owner]), f"execute under {guard}")
        return measured.compute_units


def measure_guard_evaluation_cu() -> dict[str, dict[str, int]]:
    """execute's CU per holding predicate kind, and per further allowlist entry."""
    ex = _Executor()
    base_guard = g.signer_is_owner()
    base = ex.cu(base_guard)
    holding: dict[str, g.GuardExpr] = {
        "signer_is": g.signer_is(ex.owner.pubkey()),
        "signer_is_owner": g.signer_is_owner(),
        "not_before": g.not_before(0),
        "not_after": g.not_after(1 << 62),
        "usage_at_most": g.usage_at_most(100),
        "calls_per": g.calls_per(60, 100),
        "program_is": g.program_is(SYSTEM_PROGRAM_ID),
        "discriminator_in": g.discriminator_in(_TRANSFER_TAG),
        "arg": g.arg(_LAMPORTS_AT, 8, "<=", 10**9),
        "account_is": g.account_is(1, ex.recipient),
        "lamports_at_most": g.lamports_at_most(10**9),
        "token_at_most": g.token_at_most(_MINT, 5),
    }
    per_kind = {name: ex.cu(base_guard & leaf) - base for name, leaf in holding.items()}
    per_kind["not (the combinator alone)"] = ex.cu(~~base_guard) - base
    others = [Pubkey.new_unique() for _ in range(_EXTRA_ENTRIES)]
    longest = ex.cu(base_guard & g.program_is(*others, SYSTEM_PROGRAM_ID))
    per_kind["program_is, per further id"] = (
        longest - base - per_kind["program_is"]
    ) // _EXTRA_ENTRIES
    tags = [(3 + i).to_bytes(4, "little") for i in range(_EXTRA_ENTRIES)]
    longest = ex.cu(base_guard & g.discriminator_in(*tags, _TRANSFER_TAG))
    per_kind["discriminator_in, per further prefix"] = (
        longest - base - per_kind["discriminator_in"]
    ) // _EXTRA_ENTRIES
    return {"execute_guard_per_predicate": per_kind}
