"""The layouts of the sysvars the program reads, as schema dataclasses like the others.

The program reads single fields with ``sol_get_sysvar`` at byte offsets; those offsets
(``CLOCK_OFF_*``, ``RENT_OFF_*`` in the generated header) and the simulator's reading of
the same fields come from these layouts, not from numbers written twice. They are the
runtime's bincode layouts of ``Clock`` and ``Rent``, which are borsh-compatible for these
fixed-size scalars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from sessions_client.borsh import F64, I64, U8, U64


@dataclass(frozen=True, slots=True)
class ClockSysvar:
    """``solana_program::clock::Clock``."""

    slot: Annotated[int, U64]
    epoch_start_timestamp: Annotated[int, I64]
    epoch: Annotated[int, U64]
    leader_schedule_epoch: Annotated[int, U64]
    unix_timestamp: Annotated[int, I64]


@dataclass(frozen=True, slots=True)
class RentSysvar:
    """``solana_program::rent::Rent``; the program reads the threshold's bit pattern."""

    lamports_per_byte_year: Annotated[int, U64]
    exemption_threshold: Annotated[float, F64]
    burn_percent: Annotated[int, U8]
