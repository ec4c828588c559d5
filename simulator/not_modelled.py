"""What the model does not answer: :class:`NotModelledError`, raised where a simulation
would need an effect the model does not know (execute's callees other than a system
Transfer from the session signer, token accounts, the runtime's rent-state refusal), so it
stops loudly instead of returning an answer the program would not give."""

from __future__ import annotations


class NotModelledError(NotImplementedError):
    """The program would do something here that the simulator does not model yet."""
