"""The instruction the program has and the model does not answer yet: execute (issue 8).
Its handler raises :class:`NotModelledError`, so a simulation that reaches it stops loudly
instead of returning an answer the program would not give; the differential tests never
generate it.

Modelling it needs token accounts in the ledger (journaled), the inner-instruction decoder
(:func:`sessions_client.execute.decode_inner_instructions`), the guard evaluator
(:mod:`simulator.guard_eval`) over measured effects, and the modelled callees (system
transfer, SPL token transfer/approve/set_authority, a test program with declared effects).
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
        """``process_execute``: not modelled yet; refuses to answer."""
        raise NotModelledError(f"the simulator does not model {name} yet")

    return handler


HANDLERS: Handlers = {"execute": _not_modelled("execute")}
