"""The program model: the sessions program's instructions, run on the model's ledger.

:meth:`ProgramModel.execute` takes the very solders ``Instruction`` objects the client
builders produce (and the fee payer), compiles the transaction's signer and writable
flags as a message does, dispatches on the 8-byte discriminator exactly as the
entrypoint does, and returns an :class:`~simulator.outcome.Outcome` with the program's
error code or its events. A transaction is all or nothing.

Only top-level calls are modelled (``creator_program`` is the zero key), and a transaction
holds the sessions program's own instructions and ComputeBudget SetComputeUnitLimit (which
execute reads as its compute charge); anything else is a ``ValueError``. What execute's CPIs
reach is :mod:`simulator.callees`; a failure the runtime reports (a callee's error, the
rent-state rule) is an Outcome with ``failure`` and ``detail`` set and no error code.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Final

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from sessions_client.accounts import SESSION_ACCOUNT_SIZE, decode_session_layout
from sessions_client.constants import PROGRAM_ID, SESSION_VERSION
from sessions_client.discriminators import DISCRIMINATOR_LEN
from sessions_client.errors import ErrorCode
from sessions_client.events import Event
from sessions_client.exceptions import DecodeError
from sessions_client.spl_token import COMPUTE_BUDGET_PROGRAM_ID, SET_COMPUTE_UNIT_LIMIT_TAG
from sessions_client.types import Session
from simulator.callees import Callee
from simulator.clock import Clock
from simulator.env import Env, TransactionView
from simulator.handler import HandlerResult, InstructionHandler
from simulator.handler_registry import DISPATCH
from simulator.instruction import RESERVED_KEYS, compile_accounts
from simulator.ledger import ForeignAccount, Ledger
from simulator.outcome import Outcome, RuntimeRefusalError
from simulator.record import SessionRecord, encode_record, record_of, to_session
from simulator.rent import Rent

__all__ = ["HandlerResult", "InstructionHandler", "ProgramModel", "dispatch"]

#: discriminator -> (handler, exact data size, minimum account count), from the specs
_DISPATCH: Final = DISPATCH
_ZERO_KEY: Final = Pubkey.default()
#: ``tuple.__new__``: builds the NamedTuple Outcome without its Python-level ``__new__``.
_new: Final = tuple.__new__


class ProgramModel:
    """The sessions program and the accounts it sees, driven by a controllable clock."""

    __slots__ = ("_demoted", "_env", "callees", "clock", "ledger", "program_id", "rent")

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
        #: Test programs deployed besides the builtins (the CPI targets execute may reach).
        self.callees: dict[Pubkey, Callee] = {}
        self._env = _env(program_id, self.ledger, self.clock, self.rent, self.callees)
        #: Keys a writable meta cannot make writable: the reserved keys and the invoked
        #: program, which the runtime demotes (one set, so a meta costs one lookup).
        self._demoted: frozenset[Pubkey] = RESERVED_KEYS | {program_id}

    def set_rent(self, rent: Rent) -> None:
        """Replace the Rent sysvar, as ``LiteSVM.set_rent`` does."""
        self.rent = rent
        self._env = _env(self.program_id, self.ledger, self.clock, rent, self.callees)

    def add_program(self, address: Pubkey, callee: Callee) -> None:
        """Deploy a modelled test program at ``address``, as ``LiteSVM.add_program`` does."""
        self.callees[address] = callee

    @property
    def session_rent(self) -> int | None:
        """The rent-exempt minimum the program charges for a Session account."""
        return self._env.session_rent

    # -- the world outside the program -----------------------------------------------------

    def airdrop(self, address: Pubkey, lamports: int) -> None:
        """Credit ``lamports`` to ``address``, as a system transfer or airdrop would.

        A wallet or a future session address gains a balance; a live session's account
        gains lamports that its close returns to the creator with the rent.
        """
        if lamports < 0:
            raise ValueError("lamports must be non-negative")
        self.ledger.credit(address, lamports)

    def add_foreign_account(self, address: Pubkey, account: ForeignAccount) -> None:
        """Declare an account that is not one of the model's sessions (program, sysvar, data)."""
        self.set_account(address, account.owner, account.data, account.lamports)

    def set_account(self, address: Pubkey, owner: Pubkey, data: bytes, lamports: int) -> None:
        """Overwrite the account at ``address``, as ``LiteSVM.set_account`` does.

        Program-owned data that decodes as a current-version Session becomes a session the
        model runs (whatever its status: the program's stored-state checks apply); anything
        else is kept as a foreign account, which the program's header checks reject.
        """
        ledger = self.ledger
        ledger.sessions.pop(address, None)
        ledger.foreign.pop(address, None)
        ledger.lamports.pop(address, None)
        if owner == self.program_id:
            session = _try_decode(data)
            if session is not None and session.version == SESSION_VERSION:
                ledger.sessions[address] = record_of(address, session, lamports)
                return
        if owner == _ZERO_KEY and not data:
            if lamports:
                ledger.lamports[address] = lamports
            return
        ledger.foreign[address] = ForeignAccount(owner, bytes(data), lamports)

    # -- reads -------------------------------------------------------------------------------

    def record(self, address: Pubkey) -> SessionRecord | None:
        return self.ledger.sessions.get(address)

    def session(self, address: Pubkey) -> Session | None:
        """The Session the account at ``address`` holds, or None when there is none."""
        record = self.ledger.sessions.get(address)
        return None if record is None else to_session(record)

    def account_data(self, address: Pubkey) -> bytes | None:
        """The exact data of the account at ``address``; None when no account exists there.

        A session's is its encoded state; a plain system account with lamports has none
        (``b""``); an address with no lamports and no data holds no account.
        """
        ledger = self.ledger
        record = ledger.sessions.get(address)
        if record is not None:
            return encode_record(record)
        foreign = ledger.foreign.get(address)
        if foreign is not None:
            return foreign.data
        return b"" if ledger.lamports.get(address) else None

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
        if not isinstance(instructions, Instruction):
            return self._execute_many(instructions, payer)
        # One instruction (the common case): compile_accounts and dispatch, inlined.
        program_id = self.program_id
        if instructions.program_id != program_id:
            raise ValueError(f"the model runs only the sessions program, not {program_id}")
        # Signer and writable keys as short lists (membership in two or three keys is
        # cheaper than building sets); a key listed twice is harmless. The payer goes last:
        # the handlers look up the instruction's own accounts, found first that way.
        keys: list[Pubkey] = []
        signers: list[Pubkey] = []
        writable: list[Pubkey] = []
        demoted = self._demoted
        for meta in instructions.accounts:
            key = meta.pubkey
            keys.append(key)
            if meta.is_signer:
                signers.append(key)
            if meta.is_writable and key not in demoted:
                writable.append(key)
        if payer is not None:
            signers.append(payer)
            writable.append(payer)
        data = instructions.data
        entry = _DISPATCH.get(data[:DISCRIMINATOR_LEN])
        if entry is None:
            return _FIRST_FAILED[ErrorCode.UNKNOWN_INSTRUCTION]
        handler, data_size, exact, num_accounts = entry
        if len(data) != data_size if exact else len(data) < data_size:
            return _FIRST_FAILED[ErrorCode.INVALID_INSTRUCTION_DATA]
        if len(keys) < num_accounts:
            return _FIRST_FAILED[ErrorCode.NOT_ENOUGH_ACCOUNTS]
        try:
            result = handler(self._env, keys, data, signers, writable)
        except RuntimeRefusalError as refused:
            return _refused(refused, 0)
        if isinstance(result, tuple):
            return _new(Outcome, (True, None, result, None, None, None))
        return _failed(result, 0)

    def _execute_many(self, ixs: Sequence[Instruction], payer: Pubkey | None) -> Outcome:
        ledger = self.ledger
        ledger.begin()
        try:
            outcome = self._execute_open(ixs, payer)
        except BaseException:
            ledger.rollback()
            raise
        if outcome.ok:
            ledger.commit()
        else:
            ledger.rollback()
        return outcome

    def _execute_open(self, ixs: Sequence[Instruction], payer: Pubkey | None) -> Outcome:
        """Run ``ixs`` inside an open ledger journal; the caller commits or rolls back."""
        limits = 0
        for ix in ixs:
            if ix.program_id == COMPUTE_BUDGET_PROGRAM_ID:
                data = bytes(ix.data)
                if len(data) != 5 or data[0] != SET_COMPUTE_UNIT_LIMIT_TAG or limits:
                    raise ValueError("the model takes one ComputeBudget SetComputeUnitLimit only")
                limits += 1
            elif ix.program_id != self.program_id:
                raise ValueError(f"the model runs only the sessions program, not {ix.program_id}")
        all_keys, signers, writable = compile_accounts(ixs, payer)
        env = self._env
        programs = tuple(ix.program_id for ix in ixs)
        datas = tuple(bytes(ix.data) for ix in ixs)
        events: list[Event] = []
        for index, ix in enumerate(ixs):
            if ix.program_id == COMPUTE_BUDGET_PROGRAM_ID:
                continue
            here = (
                env
                if len(ixs) == 1
                else replace(env, transaction=TransactionView(programs, datas, index))
            )
            try:
                result = dispatch(here, all_keys[index], ix.data, signers, writable)
            except RuntimeRefusalError as refused:
                return _refused(refused, index)
            if not isinstance(result, tuple):
                return _failed(result, index)
            events.extend(result)
        # The runtime's rent-state check after the transaction: execute applies it to the
        # accounts its CPIs wrote (ix_execute.check_rent_states). Elsewhere it never fires:
        # lamports leave a plain account only as a creation's payment, which the program
        # refuses if it makes an account rent-paying that was not (check_payer); they
        # arrive only as a closed session's lamports (at least a session's rent, above a
        # wallet's minimum). So an account ends the transaction rent-paying only after
        # payments from a rent-paying balance that started the transaction, and never
        # above that balance: exactly what the runtime allows.
        return Outcome(True, None, tuple(events))

    def preview(
        self,
        instructions: Instruction | Sequence[Instruction],
        *,
        payer: Pubkey | None = None,
    ) -> tuple[Outcome, dict[Pubkey, SessionRecord | None]]:
        """Simulate a transaction without committing it (a preflight).

        Returns the outcome and, for every account the transaction names, the session
        record it would hold afterwards (None: no session there).
        """
        ixs = (instructions,) if isinstance(instructions, Instruction) else tuple(instructions)
        ledger = self.ledger
        ledger.begin()
        try:
            outcome = self._execute_open(ixs, payer)
            after = {m.pubkey: ledger.sessions.get(m.pubkey) for ix in ixs for m in ix.accounts}
        finally:
            ledger.rollback()
        return outcome, after

    def run(
        self,
        data: bytes,
        keys: Sequence[Pubkey],
        *,
        signers: Collection[Pubkey],
        writable: Collection[Pubkey],
    ) -> Outcome:
        """One instruction from its instruction-level inputs: the data, the account keys in
        order, and which keys sign and are writable."""
        try:
            result = dispatch(self._env, keys, data, signers, writable)
        except RuntimeRefusalError as refused:
            return _refused(refused, 0)
        if isinstance(result, tuple):
            return Outcome(True, None, result)
        return _failed(result, 0)


def dispatch(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """The entrypoint: route on the discriminator, then ``check_instruction``."""
    entry = _DISPATCH.get(data[:DISCRIMINATOR_LEN])  # shorter data matches no discriminator
    if entry is None:
        return ErrorCode.UNKNOWN_INSTRUCTION
    handler, data_size, exact, num_accounts = entry
    if len(data) != data_size if exact else len(data) < data_size:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    if len(keys) < num_accounts:
        return ErrorCode.NOT_ENOUGH_ACCOUNTS
    return handler(env, keys, data, signers, writable)


def _env(
    program_id: Pubkey, ledger: Ledger, clock: Clock, rent: Rent, callees: dict[Pubkey, Callee]
) -> Env:
    return Env(
        program_id,
        ledger,
        clock,
        rent,
        rent.minimum_balance(SESSION_ACCOUNT_SIZE),
        rent.runtime_minimum(0),
        callees,
    )


def _refused(refused: RuntimeRefusalError, index: int) -> Outcome:
    """The runtime failed the transaction: at instruction ``index``, or as a whole."""
    where = index if refused.instruction_level else None
    return Outcome(False, None, (), where, refused.failure, refused.detail)


def _try_decode(data: bytes) -> Session | None:
    try:
        return decode_session_layout(data)
    except DecodeError:
        return None


def _failed(result: ErrorCode, index: int) -> Outcome:
    if index == 0:
        return _FIRST_FAILED[result]
    return Outcome(False, result, (), index)


#: Outcomes are immutable, so a failure of the first instruction is shared, not rebuilt.
_FIRST_FAILED: Final = {code: Outcome(False, code, (), 0) for code in ErrorCode}
