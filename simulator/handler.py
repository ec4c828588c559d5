"""The signature every instruction handler of the model has, and what it returns.

A handler is registered by its instruction's spec name: each ``simulator/ix_*.py``
module exports ``HANDLERS``, a mapping from instruction name to handler, and
:mod:`simulator.handler_registry` builds the model's dispatch table from those mappings and
the instruction specs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from solders.pubkey import Pubkey

from sessions_client.errors import ErrorCode
from sessions_client.events import Event
from simulator.env import Env

#: The events of a successful instruction, or why it failed.
HandlerResult = tuple[Event, ...] | ErrorCode
#: An instruction handler: (env, account keys, data, signer keys, writable keys).
InstructionHandler = Callable[
    [Env, Sequence[Pubkey], bytes, Collection[Pubkey], Collection[Pubkey]], HandlerResult
]
#: What an ``ix_*`` module exports as ``HANDLERS``: instruction name -> handler.
Handlers = Mapping[str, InstructionHandler]
