"""What every instruction handler sees besides its own inputs: the world it runs in."""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from simulator.clock import Clock
from simulator.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Env:
    """The program id, the accounts, the clock and the session account's rent."""

    program_id: Pubkey
    ledger: Ledger
    clock: Clock
    #: Rent-exempt minimum of a Session account; None when the Rent sysvar is refused.
    session_rent: int | None
    #: The runtime's rent-exempt minimum of an account without data (a wallet).
    wallet_rent: int
    #: How many instructions the running transaction has (execute's default compute charge).
    transaction_instructions: int = 1
