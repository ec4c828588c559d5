"""What every instruction handler sees besides its own inputs: the world it runs in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from solders.pubkey import Pubkey

from simulator.callees import Callee
from simulator.clock import Clock
from simulator.ledger import Ledger
from simulator.rent import Rent


@dataclass(frozen=True, slots=True)
class TransactionView:
    """What the instructions sysvar says about the running transaction: every instruction's
    program and data, and which one runs now."""

    programs: tuple[Pubkey, ...]
    datas: tuple[bytes, ...]
    current: int


@dataclass(frozen=True, slots=True)
class Env:
    """The program id, the accounts, the clock and rent (the Rent sysvar, and the two minimums
    the hot paths read precomputed)."""

    program_id: Pubkey
    ledger: Ledger
    clock: Clock
    #: The Rent sysvar (the sweep reads the owner's minimum for the owner's data length).
    rent: Rent
    #: Rent-exempt minimum of a Session account; None when the Rent sysvar is refused.
    session_rent: int | None
    #: The runtime's rent-exempt minimum of an account without data (a wallet).
    wallet_rent: int
    #: The test programs deployed besides the builtins (execute's modelled callees).
    callees: Mapping[Pubkey, Callee] = field(default_factory=dict)
    #: The transaction around the instruction; None: a transaction of this one alone.
    transaction: TransactionView | None = None
