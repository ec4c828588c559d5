"""The differential harness: one transaction, sent to the program in the SVM and to the model.

:class:`Twin` owns a fresh :class:`~sessions_tools.svm.SessionsSVM` and a
:class:`~simulator.program.ProgramModel` started at the same time, with the same rent and
the same funded wallets. :meth:`Twin.send` runs identical solders instructions on both and
asserts the same success or error code and the same events (as values and as encoded
bytes); :meth:`Twin.assert_same_world` asserts every watched account holds the same bytes
(or is absent on both) and the same lamports, and that both clocks agree.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.sysvar import CLOCK
from solders.transaction_metadata import TransactionMetadata

from sessions_client.constants import PROGRAM_ID
from sessions_client.events import encode_event
from sessions_tools.program_build import ensure_program
from sessions_tools.svm import SessionsSVM, TxOutcome
from simulator.clock import Clock
from simulator.ledger import ForeignAccount
from simulator.outcome import Outcome
from simulator.program import ProgramModel
from simulator.rent import Rent

WALLET_LAMPORTS = 1_000_000_000_000
#: Accounts the model declares but does not track byte for byte (builtins and sysvars).
_UNMODELLED = frozenset({SYSTEM_PROGRAM_ID, PROGRAM_ID, CLOCK})


@functools.cache
def program_so() -> bytes:
    """The program under test (``SESSIONS_TEST_PROGRAM_SO`` selects another build)."""
    override = os.environ.get("SESSIONS_TEST_PROGRAM_SO")
    return Path(override).read_bytes() if override else ensure_program()


class DivergenceError(AssertionError):
    """The model and the program disagreed."""


def with_meta(
    ix: Instruction,
    index: int,
    *,
    key: Pubkey | None = None,
    signer: bool | None = None,
    writable: bool | None = None,
) -> Instruction:
    """``ix`` with account ``index`` replaced or its flags changed."""
    metas = list(ix.accounts)
    m = metas[index]
    metas[index] = AccountMeta(
        key if key is not None else m.pubkey,
        m.is_signer if signer is None else signer,
        m.is_writable if writable is None else writable,
    )
    return Instruction(ix.program_id, ix.data, metas)


class Twin:
    """The SVM and the model side by side.

    Each wallet is funded with its ``funding``; a wallet in ``odd`` (key -> owner, data) is
    written as that account on both sides instead of airdropped to.
    """

    def __init__(
        self,
        wallets: Sequence[Keypair],
        payer: Keypair,
        wallet_keys: Sequence[Pubkey],
        payer_key: Pubkey,
        funding: Sequence[int],
        *,
        odd: Mapping[Pubkey, tuple[Pubkey, bytes]],
    ) -> None:
        self.svm = SessionsSVM(program_so())
        rent = self.svm.svm.get_rent()
        self.sim = ProgramModel(
            clock=Clock(self.svm.now()),
            rent=Rent(rent.lamports_per_byte, rent.exemption_threshold),
        )
        self.payer = payer
        self.payer_key = payer_key
        self.keypairs = {key: kp for key, kp in zip(wallet_keys, wallets, strict=True)}
        for key, lamports in (
            (payer_key, WALLET_LAMPORTS),
            *zip(wallet_keys, funding, strict=True),
        ):
            if key in odd:
                owner, data = odd[key]
                self.svm.svm.set_account(key, Account(lamports, data, owner, False))
                self.sim.set_account(key, owner, data, lamports)
                continue
            if not isinstance(self.svm.svm.airdrop(key, lamports), TransactionMetadata):
                raise AssertionError(f"airdrop of {lamports} to {key} failed")
            if key != payer_key:
                self.sim.airdrop(key, lamports)
        for address in (PROGRAM_ID, CLOCK):
            account = self.svm.svm.get_account(address)
            assert account is not None
            self.sim.add_foreign_account(
                address, ForeignAccount(account.owner, bytes(account.data), account.lamports)
            )
        self.watched: set[Pubkey] = set(wallet_keys)
        self.watched.discard(payer_key)
        self.steps = 0

    # -- clock ---------------------------------------------------------------------------

    def set_time(self, unix_timestamp: int) -> None:
        self.svm.set_time(unix_timestamp)
        self.sim.clock.set(unix_timestamp)

    def now(self) -> int:
        return self.sim.clock.now()

    # -- transactions --------------------------------------------------------------------

    def fund(self, address: Pubkey, lamports: int) -> None:
        """A system transfer from the fee payer (pre-funding a session address, or topping up)."""
        out = self.svm.send(
            transfer(
                TransferParams(from_pubkey=self.payer_key, to_pubkey=address, lamports=lamports)
            ),
            [self.payer],
        )
        if not out.ok:
            raise AssertionError(f"funding {address} failed: {out.failure}")
        self.sim.airdrop(address, lamports)
        self.watched.add(address)

    def send(self, ixs: Sequence[Instruction]) -> tuple[TxOutcome, Outcome]:
        """Run ``ixs`` as one transaction on both sides and compare the outcomes."""
        self.steps += 1
        needed = {m.pubkey for ix in ixs for m in ix.accounts if m.is_signer}
        signers = [self.keypairs[k] for k in needed if k != self.payer_key]
        real = self.svm.send(list(ixs), signers, payer=self.payer)
        model = self.sim.execute(list(ixs), payer=self.payer_key)
        for ix in ixs:
            self.watched.update(m.pubkey for m in ix.accounts if m.pubkey != self.payer_key)
        compare_outcomes(real, model)
        return real, model

    # -- state ---------------------------------------------------------------------------

    def assert_same_world(self, extra: Iterable[Pubkey] = ()) -> None:
        if self.svm.now() != self.sim.clock.now():
            raise DivergenceError(f"clock: svm {self.svm.now()} != model {self.sim.clock.now()}")
        for address in {*self.watched, *extra, *self.sim.session_addresses()}:
            if address in _UNMODELLED:
                continue
            real = self.svm.account_data(address)
            model = self.sim.account_data(address)
            if real != model:
                raise DivergenceError(
                    f"account {address}: svm {_describe(real)} != model {_describe(model)}"
                )
            real_lamports, model_lamports = self.svm.balance(address), self.sim.balance(address)
            if real_lamports != model_lamports:
                raise DivergenceError(
                    f"lamports of {address}: svm {real_lamports} != model {model_lamports}"
                )


def _describe(data: bytes | None) -> str:
    return "absent" if data is None else f"{len(data)} bytes {data[:16].hex()}..."


def compare_outcomes(real: TxOutcome, model: Outcome) -> None:
    """Same success, same program error code (and failing instruction), same events."""
    if real.ok != model.ok or real.error != model.error:
        raise DivergenceError(
            f"outcome: svm ok={real.ok} error={real.error!r} failure={real.failure} "
            f"!= model ok={model.ok} error={model.error!r} failure={model.failure}"
            + ("\n  svm logs: " + "\n  ".join(real.logs) if real.logs else "")
        )
    if not real.ok and real.failed_instruction != model.failed_instruction:
        raise DivergenceError(
            f"failed instruction: svm {real.failed_instruction} != model {model.failed_instruction}"
        )
    if real.error is None and not real.ok and model.failure is None:
        raise DivergenceError(f"svm failed outside the program ({real.failure}); the model did not")
    if real.events != model.events:
        raise DivergenceError(f"events:\n  svm   {real.events}\n  model {model.events}")
    real_bytes = [encode_event(e) for e in real.events]
    model_bytes = [encode_event(e) for e in model.events]
    if real_bytes != model_bytes:
        raise DivergenceError("event bytes differ")
