"""Compute units of the guard language, measured in the SVM through real instructions.

Validation is measured through create_session: the same creation (a fresh id whose
canonical bump is 255, so the PDA check costs the same every time) with guards that differ
by one predicate. ``guard_validate`` maps each kind to the CU that one more predicate of
that kind (with the AND that joins it) adds to creation; ``no_guard`` and ``first_guard``
are the creation itself and what the first predicate (validation call, copy into the
account) adds. Evaluation per predicate needs ``execute``; it is measured there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client import guards as g
from sessions_client import instructions as ix
from sessions_client.constants import Permission
from sessions_client.pda import session_id_with_bump
from sessions_client.types import SessionConfig, SessionParams
from sessions_tools.svm import SessionsSVM

_KEY: Final = Pubkey.from_string("11111111111111111111111111111112")
_MINT: Final = Pubkey.from_string("So11111111111111111111111111111111111111112")

#: One representative predicate of each kind (allowlists with one entry).
PREDICATES: Final[dict[str, Callable[[], g.GuardExpr]]] = {
    "signer_is": lambda: g.signer_is(_KEY),
    "signer_is_owner": g.signer_is_owner,
    "not_before": lambda: g.not_before(0),
    "not_after": lambda: g.not_after(2_000_000_000),
    "usage_at_most": lambda: g.usage_at_most(10),
    "program_is": lambda: g.program_is(_KEY),
    "discriminator_in": lambda: g.discriminator_in(bytes(8)),
    "arg": lambda: g.arg(8, 8, "<=", 1_000_000),
    "account_is": lambda: g.account_is(0, _KEY),
    "lamports_at_most": lambda: g.lamports_at_most(1_000_000_000),
    "token_at_most": lambda: g.token_at_most(_MINT, 1_000),
}


class _Creator:
    """create_session with a given guard, one fresh bump-255 id each time."""

    def __init__(self) -> None:
        self.svm = SessionsSVM()
        self.owner: Keypair = self.svm.funded_keypair(10**12)
        self._last = -1

    def cu(self, guard: g.GuardExpr | None) -> int:
        sid = session_id_with_bump(self.owner.pubkey(), 255, self._last + 1)
        self._last = sid
        params = SessionParams(
            SessionConfig(3600, int(Permission.EXECUTE), 0), guard=g.compile_guard(guard)
        )
        out = self.svm.send(ix.create_session(self.owner.pubkey(), sid, params), [self.owner])
        if not out.ok:
            raise RuntimeError(f"create_session with guard {guard} failed: {out.failure}")
        return out.compute_units


def measure_guard_validation_cu() -> dict[str, int | dict[str, int]]:
    """Creation CU without a guard, with one predicate, and per added predicate kind."""
    creator = _Creator()
    no_guard = creator.cu(None)
    owner = g.signer_is_owner()
    first = creator.cu(owner)
    per_kind: dict[str, int] = {}
    for name, make in PREDICATES.items():
        per_kind[name] = creator.cu(owner & make()) - first
    per_kind["calls_per"] = creator.cu(owner & g.calls_per(60, 10)) - first
    per_kind["not (the combinator alone)"] = creator.cu(~owner) - first
    per_kind["or (instead of and)"] = creator.cu(owner | g.signer_is_owner()) - first
    many = g.program_is(*[Pubkey.new_unique() for _ in range(7)])
    per_kind["program_is, per extra id"] = (
        creator.cu(owner & many) - first - per_kind["program_is"]
    ) // 6
    return {
        "create_session_no_guard": no_guard,
        "create_session_first_predicate": first - no_guard,
        "guard_validate_per_predicate": per_kind,
    }
