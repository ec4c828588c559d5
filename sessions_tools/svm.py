"""The embedded SVM with the sessions program loaded: the demo's, the tests' and the bench's.

:class:`SessionsSVM` wraps ``solders.litesvm.LiteSVM`` (the real SVM, in
process) and turns each transaction into a :class:`TxOutcome`: success or the
program's typed error code, decoded events, logs and the compute units the SVM
measured. Clock control is explicit, so expiry paths are testable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solders.clock import Clock
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from sessions_client.accounts import decode_session
from sessions_client.constants import DEFAULT_START_TIME, PROGRAM_ID
from sessions_client.errors import ErrorCode, error_from_code
from sessions_client.events import Event, parse_events
from sessions_client.types import Session
from sessions_tools.program_build import ensure_program


@dataclass(frozen=True, slots=True)
class TxOutcome:
    """What one transaction did in the SVM."""

    ok: bool
    compute_units: int
    logs: tuple[str, ...]
    events: tuple[Event, ...]
    #: The sessions program's error code, when it is the program that failed.
    error: ErrorCode | None
    #: The runtime's error text for every failure (program or not); None on success.
    failure: str | None
    #: Which instruction of the transaction failed (None on success).
    failed_instruction: int | None
    signature: Signature


def program_error(failed: FailedTransactionMetadata) -> tuple[ErrorCode | None, int | None]:
    """The custom program error code and instruction index of a failure, if any."""
    err = failed.err()
    if isinstance(err, TransactionErrorInstructionError):
        inner = err.err
        if isinstance(inner, InstructionErrorCustom):
            return error_from_code(inner.code), err.index
        return None, err.index
    return None, None


class SessionsSVM:
    """A LiteSVM with the sessions program at ``program_id`` and a controllable clock.

    ``deployed_in`` wraps an existing LiteSVM in which the program is already
    deployed at ``program_id`` (for example through the upgradeable loader, in
    a runtime with another feature set) instead of adding ``program`` to a new one.
    """

    def __init__(
        self,
        program: bytes | None = None,
        *,
        program_id: Pubkey = PROGRAM_ID,
        start_time: int = DEFAULT_START_TIME,
        deployed_in: LiteSVM | None = None,
    ) -> None:
        self.program_id = program_id
        if deployed_in is None:
            self.svm = LiteSVM()
            self.svm.add_program(program_id, program if program is not None else ensure_program())
        elif program is not None:
            raise ValueError("pass either the program bytes or a LiteSVM it is deployed in")
        else:
            self.svm = deployed_in
        self.set_time(start_time)

    # -- clock -------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.svm.get_clock().unix_timestamp)

    def set_time(self, unix_timestamp: int) -> None:
        c = self.svm.get_clock()
        self.svm.set_clock(
            Clock(c.slot, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch, unix_timestamp)
        )

    def advance(self, seconds: int) -> None:
        self.set_time(self.now() + seconds)

    # -- accounts ----------------------------------------------------------------------------

    def funded_keypair(self, lamports: int = 10_000_000_000) -> Keypair:
        """A new keypair holding ``lamports``; raises if the airdrop failed."""
        kp = Keypair()
        result = self.svm.airdrop(kp.pubkey(), lamports)
        if not isinstance(result, TransactionMetadata):
            raise RuntimeError(f"airdrop of {lamports} lamports failed: {result.err()}")
        return kp

    def account_data(self, address: Pubkey) -> bytes | None:
        account = self.svm.get_account(address)
        if account is None or (account.lamports == 0 and len(account.data) == 0):
            return None
        return bytes(account.data)

    def session(self, address: Pubkey) -> Session | None:
        """The decoded Session at ``address``, or None when no account exists there."""
        data = self.account_data(address)
        if data is None:
            return None
        return decode_session(data)

    def balance(self, address: Pubkey) -> int:
        return int(self.svm.get_balance(address) or 0)

    # -- transactions ------------------------------------------------------------------------

    def send(
        self,
        instructions: Instruction | Sequence[Instruction],
        signers: Sequence[Keypair],
        *,
        payer: Keypair | None = None,
    ) -> TxOutcome:
        """Sign with ``signers`` (the first pays unless ``payer`` is given) and execute."""
        ixs = [instructions] if isinstance(instructions, Instruction) else list(instructions)
        fee_payer = payer or signers[0]
        payer_key = fee_payer.pubkey()
        all_signers = [fee_payer, *[s for s in signers if s.pubkey() != payer_key]]
        message = Message(ixs, payer_key)
        required = set(message.account_keys[: message.header.num_required_signatures])
        unused = [str(s.pubkey()) for s in all_signers if s.pubkey() not in required]
        if unused:
            raise ValueError(f"signers not required by the message: {', '.join(unused)}")
        tx = Transaction(all_signers, message, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        # Identical transactions in a row must not collide on signature.
        self.svm.expire_blockhash()
        if isinstance(result, TransactionMetadata):
            logs = tuple(result.logs())
            return TxOutcome(
                ok=True,
                compute_units=int(result.compute_units_consumed()),
                logs=logs,
                events=tuple(parse_events(logs, self.program_id)),
                error=None,
                failure=None,
                failed_instruction=None,
                signature=result.signature(),
            )
        meta = result.meta()
        code, index = program_error(result)
        logs = tuple(meta.logs())
        return TxOutcome(
            ok=False,
            compute_units=int(meta.compute_units_consumed()),
            logs=logs,
            events=(),
            error=code,
            failure=str(result.err()),
            failed_instruction=index,
            signature=meta.signature(),
        )


class SVMSessionSource:
    """A ``sessions_client.cache.SessionSource`` reading the embedded SVM (tests, the demo)."""

    def __init__(self, svm: SessionsSVM) -> None:
        self.svm = svm

    async def load_session(self, address: Pubkey) -> Session | None:
        return self.svm.session(address)
