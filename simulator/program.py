"""The program model: the sessions program's instructions, run on the model's ledger.

:meth:`ProgramModel.execute` takes the very solders ``Instruction`` objects the client
builders produce (and the fee payer), compiles the transaction's signer and writable
flags as a message does, dispatches on the 8-byte discriminator exactly as the
entrypoint does, and returns an :class:`~simulator.outcome.Outcome` with the program's
error code or its events. A transaction is all or nothing.

Only top-level calls are modelled (``creator_program`` is the zero key) and only the
sessions program's own instructions; anything else is a ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from sessions_client.accounts import SESSION_ACCOUNT_SIZE
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode
from sessions_client.events import Event
from sessions_client.types import Session
from simulator import ix_create, ix_lifecycle
from simulator.clock import Clock
from simulator.env import Env
from simulator.instruction import (
    DISCRIMINATOR_LEN,
    SHAPES,
    Kind,
    compile_accounts,
    compile_one,
)
from simulator.invocation import Invocation
from simulator.ledger import ForeignAccount, Ledger
from simulator.outcome import Outcome, RuntimeFailure
from simulator.record import SessionRecord, encode_record, to_session
from simulator.rent import Rent

Handler = Callable[[Env, Invocation, list[Event]], ErrorCode | RuntimeFailure | None]

HANDLERS: Final[dict[Kind, Handler]] = {
    Kind.CREATE_SESSION: ix_create.create_session,
    Kind.REQUEST_SESSION: ix_create.request_session,
    Kind.APPROVE_SESSION: ix_lifecycle.approve_session,
    Kind.ACTIVATE_SESSION: ix_lifecycle.activate_session,
    Kind.PAUSE_SESSION: ix_lifecycle.pause_session,
    Kind.RESUME_SESSION: ix_lifecycle.resume_session,
    Kind.EXPIRE_SESSION: ix_lifecycle.expire_session,
    Kind.CLOSE_SESSION: ix_lifecycle.close_session,
}

#: discriminator -> (handler, exact data size, minimum account count)
_DISPATCH: Final[dict[bytes, tuple[Handler, int, int]]] = {
    disc: (HANDLERS[shape.kind], shape.data_size, shape.num_accounts)
    for disc, shape in SHAPES.items()
}
_ZERO_KEY: Final = Pubkey.default()


class ProgramModel:
    """The sessions program and the accounts it sees, driven by a controllable clock."""

    __slots__ = ("_env", "clock", "ledger", "program_id", "rent")

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rent: Rent | None = None,
        program_id: Pubkey = PROGRAM_ID,
    ) -> None:
        self.clock = clock if clock is not None else Clock()
        self.rent = rent if rent is not None else Rent()
        self.program_id = program_id
        self.ledger = Ledger()
        self._env = Env(
            program_id, self.ledger, self.clock, self.rent.minimum_balance(SESSION_ACCOUNT_SIZE)
        )

    @property
    def session_rent(self) -> int | None:
        """The rent-exempt minimum the program charges for a Session account."""
        return self._env.session_rent

    # -- the world outside the program -----------------------------------------------------

    def airdrop(self, address: Pubkey, lamports: int) -> None:
        """Credit ``lamports`` to a system account (a wallet, or a future session address)."""
        if address in self.ledger.sessions or address in self.ledger.foreign:
            raise ValueError(f"{address} is not a plain system account")
        self.ledger.set_lamports(address, self.ledger.balance(address) + lamports)

    def add_foreign_account(self, address: Pubkey, account: ForeignAccount) -> None:
        """Declare an account the program does not own as a session (program, sysvar, data)."""
        if address in self.ledger.sessions:
            raise ValueError(f"{address} holds a session")
        if account.owner == _ZERO_KEY and not account.data:
            self.ledger.foreign.pop(address, None)
            self.ledger.set_lamports(address, account.lamports)
        else:
            self.ledger.foreign[address] = account

    # -- reads -------------------------------------------------------------------------------

    def record(self, address: Pubkey) -> SessionRecord | None:
        return self.ledger.sessions.get(address)

    def session(self, address: Pubkey) -> Session | None:
        """The Session the account at ``address`` holds, or None when there is none."""
        record = self.ledger.sessions.get(address)
        return None if record is None else to_session(record)

    def account_data(self, address: Pubkey) -> bytes | None:
        """The exact account data at ``address`` for a session (None: no session there)."""
        record = self.ledger.sessions.get(address)
        return None if record is None else encode_record(record)

    def balance(self, address: Pubkey) -> int:
        return self.ledger.balance(address)

    def session_addresses(self) -> tuple[Pubkey, ...]:
        return tuple(self.ledger.sessions)

    # -- transactions ----------------------------------------------------------------------

    def execute(
        self,
        instructions: Instruction | Sequence[Instruction],
        *,
        payer: Pubkey | None = None,
    ) -> Outcome:
        """Run a transaction of sessions-program instructions; all or nothing.

        ``payer`` is the fee payer (it signs and is writable, as in a real message); the
        other signers are the keys whose metas say ``is_signer``.
        """
        env = self._env
        events: list[Event] = []
        if isinstance(instructions, Instruction):
            if instructions.program_id != self.program_id:
                raise ValueError(
                    f"the model runs only the sessions program, not {instructions.program_id}"
                )
            keys, signers, writable = compile_one(instructions, payer)
            writable.discard(self.program_id)
            result = _dispatch(env, Invocation(keys, instructions.data, signers, writable), events)
            if result is None:
                return Outcome(True, None, tuple(events))
            return _failed(result, 0)
        ixs = instructions
        for ix in ixs:
            if ix.program_id != self.program_id:
                raise ValueError(f"the model runs only the sessions program, not {ix.program_id}")
        all_keys, signers, writable = compile_accounts(ixs, payer)
        ledger = self.ledger
        ledger.begin()
        for index, ix in enumerate(ixs):
            result = _dispatch(env, Invocation(all_keys[index], ix.data, signers, writable), events)
            if result is not None:
                ledger.rollback()
                return _failed(result, index)
        ledger.commit()
        return Outcome(True, None, tuple(events))

    def run(self, invocation: Invocation) -> Outcome:
        """One instruction from its raw inputs (keys, data, signer and writable sets)."""
        events: list[Event] = []
        result = _dispatch(self._env, invocation, events)
        if result is None:
            return Outcome(True, None, tuple(events))
        return _failed(result, 0)


def _dispatch(env: Env, inv: Invocation, events: list[Event]) -> ErrorCode | RuntimeFailure | None:
    """The entrypoint: route on the discriminator, then ``check_instruction``."""
    data = inv.data
    if len(data) < DISCRIMINATOR_LEN:
        return ErrorCode.UNKNOWN_INSTRUCTION
    entry = _DISPATCH.get(data[:DISCRIMINATOR_LEN])
    if entry is None:
        return ErrorCode.UNKNOWN_INSTRUCTION
    handler, data_size, num_accounts = entry
    if len(data) != data_size:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    if len(inv.keys) < num_accounts:
        return ErrorCode.NOT_ENOUGH_ACCOUNTS
    return handler(env, inv, events)


def _failed(result: ErrorCode | RuntimeFailure, index: int) -> Outcome:
    if isinstance(result, ErrorCode):
        return Outcome(False, result, (), index)
    return Outcome(False, None, (), index, result)
