"""The accounts the program model reads and writes, with all-or-nothing transactions.

Three kinds of account matter to the sessions program: its own Session accounts
(:class:`~simulator.record.SessionRecord`), accounts owned by someone else or
holding data (:class:`ForeignAccount`: the program account, sysvars, anything
passed where a session belongs), and plain lamport balances (wallets, pre-funded
addresses). An address the ledger does not know is an empty system account,
exactly as the runtime presents it.

A transaction with several instructions either commits all their writes or
none: :meth:`Ledger.begin` starts a journal of overwritten values that
:meth:`Ledger.rollback` restores. A single instruction needs no journal,
because every handler validates everything before its first write.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from solders.pubkey import Pubkey

from simulator.record import SessionRecord, with_lamports


class _Table(enum.Enum):
    """Which table a journal entry restores."""

    SESSIONS = 0
    LAMPORTS = 1
    FOREIGN = 2


@dataclass(frozen=True, slots=True)
class ForeignAccount:
    """An account that is not one of the model's sessions: who owns it and what data it holds."""

    owner: Pubkey
    data: bytes = b""
    lamports: int = 0


#: One journal entry: which table, which address, and its old value (None: was absent).
_Entry = tuple[_Table, Pubkey, SessionRecord | ForeignAccount | int | None]


class Ledger:
    """Sessions by address, foreign accounts by address, and lamport balances of the rest."""

    __slots__ = ("_journal", "foreign", "lamports", "put_session", "sessions")

    def __init__(self) -> None:
        self.sessions: dict[Pubkey, SessionRecord] = {}
        self.foreign: dict[Pubkey, ForeignAccount] = {}
        #: Balances of system accounts without data (sessions carry their own lamports).
        self.lamports: dict[Pubkey, int] = {}
        self._journal: list[_Entry] | None = None
        #: Store a session record: a plain dict store, or a journaled one inside a
        #: transaction (rebound by :meth:`begin`, :meth:`commit` and :meth:`rollback`).
        self.put_session: Callable[[Pubkey, SessionRecord], None] = self.sessions.__setitem__

    # -- writes (journaled while a transaction is open) --------------------------------------

    def _put_journaled(self, address: Pubkey, record: SessionRecord) -> None:
        assert self._journal is not None
        self._journal.append((_Table.SESSIONS, address, self.sessions.get(address)))
        self.sessions[address] = record

    def put_foreign(self, address: Pubkey, account: ForeignAccount) -> None:
        """Store a foreign account (a token account a modelled callee changed, a signer the
        system program assigned away), journaled like every other write."""
        if self._journal is not None:
            self._journal.append((_Table.FOREIGN, address, self.foreign.get(address)))
            self._journal.append((_Table.LAMPORTS, address, self.lamports.get(address)))
        self.lamports.pop(address, None)
        self.foreign[address] = account

    def remove_session(self, address: Pubkey) -> None:
        if self._journal is not None:
            self._journal.append((_Table.SESSIONS, address, self.sessions[address]))
        del self.sessions[address]

    def set_lamports(self, address: Pubkey, lamports: int) -> None:
        """The balance of a plain account, or of a foreign one (which keeps its owner and
        data: a session's rent closed to an odd creator lands in that creator's account)."""
        foreign = self.foreign.get(address)
        if foreign is not None:
            if self._journal is not None:
                self._journal.append((_Table.FOREIGN, address, foreign))
            self.foreign[address] = replace(foreign, lamports=lamports)
            return
        if self._journal is not None:
            self._journal.append((_Table.LAMPORTS, address, self.lamports.get(address)))
        if lamports:
            self.lamports[address] = lamports
        else:
            self.lamports.pop(address, None)

    def credit(self, address: Pubkey, lamports: int) -> None:
        """Add ``lamports`` to whatever account ``address`` holds: a session's account, a
        foreign account or a plain balance (a transfer's receiver, an airdrop)."""
        record = self.sessions.get(address)
        if record is not None:
            self.put_session(address, with_lamports(record, record.lamports + lamports))
        else:
            self.set_lamports(address, self.balance(address) + lamports)

    # -- transactions ------------------------------------------------------------------------

    def begin(self) -> None:
        self._journal = []
        self.put_session = self._put_journaled

    def savepoint(self) -> int | None:
        """Open a nested scope: None when this call opened the journal, else its mark.

        An instruction whose writes happen before its last check (execute: the CPIs, then
        the guard over their effects) opens one and ends it with :meth:`release` or
        :meth:`restore`, inside a transaction or alone."""
        if self._journal is None:
            self.begin()
            return None
        return len(self._journal)

    def release(self, mark: int | None) -> None:
        """Keep the scope's writes (commit when the scope opened the journal)."""
        if mark is None:
            self.commit()

    def restore(self, mark: int | None) -> None:
        """Undo the scope's writes."""
        if mark is None:
            self.rollback()
            return
        journal = self._journal
        assert journal is not None
        tail = journal[mark:]
        del journal[mark:]
        self._undo(tail)

    def commit(self) -> None:
        self._journal = None
        self.put_session = self.sessions.__setitem__

    def rollback(self) -> None:
        journal = self._journal
        self.commit()
        if journal is None:
            return
        self._undo(journal)

    def _undo(self, journal: list[_Entry]) -> None:
        for table, address, old in reversed(journal):
            if table is _Table.SESSIONS:
                if isinstance(old, SessionRecord):
                    self.sessions[address] = old
                else:
                    self.sessions.pop(address, None)
            elif table is _Table.FOREIGN:
                if isinstance(old, ForeignAccount):
                    self.foreign[address] = old
                else:
                    self.foreign.pop(address, None)
            elif isinstance(old, int):
                self.lamports[address] = old
            else:
                self.lamports.pop(address, None)

    # -- reads --------------------------------------------------------------------------------

    def balance(self, address: Pubkey) -> int:
        record = self.sessions.get(address)
        if record is not None:
            return record.lamports
        foreign = self.foreign.get(address)
        if foreign is not None:
            return foreign.lamports
        return self.lamports.get(address, 0)
