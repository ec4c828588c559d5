"""Instructions the program has and the model does not answer yet: execute, validate_session
and the three updates (issue 8). Their handlers raise :class:`NotModelledError` naming the
instruction, so a simulation that reaches one stops loudly instead of returning an answer
the program would not give; the differential tests never generate them.

Modelling them needs mutable usage, guard, quota and permission fields in
:class:`~simulator.record.SessionRecord`, token accounts in the ledger (journaled), the
guard evaluator (``simulator/guards.py``) and the modelled callees (system transfer, SPL
token transfer/approve/set_authority, a test program with declared effects).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from solders.pubkey import Pubkey

from simulator.env import Env
from simulator.handler import HandlerResult, Handlers, InstructionHandler


class NotModelledError(NotImplementedError):
    """The program has this instruction; the simulator does not model it yet."""


def _not_modelled(name: str) -> InstructionHandler:
    def handler(
        env: Env,
        keys: Sequence[Pubkey],
        data: bytes,
        signers: Collection[Pubkey],
        writable: Collection[Pubkey],
    ) -> HandlerResult:
        raise NotModelledError(f"the simulator does not model {name} yet")

    return handler


HANDLERS: Handlers = {
    name: _not_modelled(name)
    for name in (
        "execute",
        "validate_session",
        "update_guard",
        "update_permissions",
        "update_quotas",
    )
}
