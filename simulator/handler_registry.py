"""The model's dispatch table: discriminator -> (handler, data size, account count).

The same shape as the program's generated ``SESSIONS_DISPATCH_TABLE``: both come from
:data:`~sessions_client.instructions.INSTRUCTIONS` (discriminator, exact data size,
minimum account count), and the entrypoint checks the two sizes before the handler
runs. Handlers are found by instruction name in the ``HANDLERS`` mapping of every
``simulator/ix_*.py`` module, so a new instruction's simulator file is picked up as
its C file is; an instruction without a handler, a handler for no instruction, or one
registered twice fails at import.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Final, cast

from sessions_client.instructions import INSTRUCTIONS
from simulator.handler import Handlers, InstructionHandler

HANDLER_MODULE_PREFIX: Final = "ix_"
_PACKAGE: Final = "simulator"


def handler_modules() -> tuple[str, ...]:
    """The ``simulator.ix_*`` modules, sorted by name."""
    here = [str(Path(__file__).parent)]
    return tuple(
        f"{_PACKAGE}.{m.name}"
        for m in sorted(pkgutil.iter_modules(here), key=lambda m: m.name)
        if m.name.startswith(HANDLER_MODULE_PREFIX)
    )


def collect_handlers(modules: tuple[str, ...]) -> dict[str, InstructionHandler]:
    """Every module's ``HANDLERS`` merged, refusing a name registered twice."""
    found: dict[str, InstructionHandler] = {}
    where: dict[str, str] = {}
    for name in modules:
        handlers = cast(Handlers, importlib.import_module(name).HANDLERS)
        for ix_name, handler in handlers.items():
            if ix_name in found:
                raise TypeError(f"{ix_name} has handlers in {where[ix_name]} and {name}")
            found[ix_name] = handler
            where[ix_name] = name
    return found


def build_dispatch(
    handlers: dict[str, InstructionHandler],
) -> dict[bytes, tuple[InstructionHandler, int, bool, int]]:
    """The table, checked against the specs: every instruction handled, nothing else."""
    specs = {ix.name for ix in INSTRUCTIONS}
    missing, unknown = specs - set(handlers), set(handlers) - specs
    if missing or unknown:
        raise TypeError(
            f"simulator handlers do not match the instruction specs: "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return {
        ix.discriminator: (handlers[ix.name], ix.data_size, not ix.variable_data, len(ix.accounts))
        for ix in INSTRUCTIONS
    }


#: discriminator -> (handler, data size, whether it is exact (else a minimum), minimum accounts)
DISPATCH: Final = build_dispatch(collect_handlers(handler_modules()))
