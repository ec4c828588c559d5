"""What the model does not answer: :class:`NotModelledError`, raised where a simulation
would need an effect the model does not know (a CPI to a program :mod:`simulator.callees`
does not model, an instruction of a modelled program it does not model, multisig
authorities, wrapped SOL or extended Token-2022 accounts), so it stops loudly instead of
returning an answer the program would not give."""

from __future__ import annotations


class NotModelledError(NotImplementedError):
    """The program would do something here that the simulator does not model."""
