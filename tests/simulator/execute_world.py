"""The execute differential world: one Active session, its funded signer, SPL Token and
Token-2022 mints and accounts (owned by the signer, or the owner's with an allowance naming
the signer), the forwarding test program, on both sides.

Everything is set up once, in the SVM, through the real programs (create_session,
activate_session, system transfers, the token programs' InitializeMint / InitializeAccount /
MintTo / Approve), then copied byte for byte into the model. Each example restores that
snapshot on both sides, writes the session state it drew (guard bytes, quotas, usage, rate
window, status, permissions, settings) into the session account on both, and sends the same
execute transactions to both.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from differential_twin import DivergenceError, program_so
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.accounts import decode_session_layout, encode_session
from sessions_client.constants import Permission, Setting
from sessions_client.events import encode_event
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.spl_token import TOKEN_2022_PROGRAM_ID, TOKEN_ACCOUNT_SIZE, TOKEN_PROGRAM_ID
from sessions_client.types import ResourceQuotas, Session, SessionConfig, SessionParams
from sessions_tools.paths import project_paths
from sessions_tools.sbf import build_program
from sessions_tools.svm import SessionsSVM, TxOutcome
from sessions_tools.testing.spl_setup import MINT_SIZE, create_mint, create_token_account, mint_to
from simulator.callees import Callee
from simulator.clock import Clock
from simulator.outcome import Outcome
from simulator.program import ProgramModel
from simulator.rent import Rent

SIGNER_FUNDS: Final = 2_000_000_000
TOKENS: Final = 1_000
ALLOWANCE: Final = 300
DAPP_DIR: Final = Path(__file__).resolve().parents[1] / "program" / "dapp"
DAPP_ID: Final = Pubkey.from_string("Dapp111111111111111111111111111111111111111")
OWNER, BOT, STRANGER, PAYER = (Keypair.from_seed(bytes([90 + i]) * 32) for i in range(4))
#: Wallets a transfer may pay: a funded one, and one that starts empty.
FRESH: Final = (
    Keypair.from_seed(bytes([99]) * 32).pubkey(),
    Keypair.from_seed(bytes([98]) * 32).pubkey(),
)
#: Mints and token accounts: fixed keypairs, so strategies can name them before the SVM runs.
_TOKEN_KEYS: Final = {
    (program, role): Keypair.from_seed(bytes([110 + 8 * n + i]) * 32)
    for n, program in enumerate((TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID))
    for i, role in enumerate(("mint", "signer", "owner", "stranger"))
}


@functools.cache
def dapp_so() -> bytes:
    """tests/program/dapp built with the project's toolchain (once per process)."""
    out = Path(tempfile.mkdtemp(prefix="dapp-")) / "dapp.so"
    return build_program(DAPP_DIR, [project_paths().program_include], out).path.read_bytes()


def token_key(program: Pubkey, role: str) -> Pubkey:
    """The mint (``"mint"``) or token account (``"signer"``, ``"owner"``, ``"stranger"``)."""
    return _TOKEN_KEYS[program, role].pubkey()


@dataclass(frozen=True)
class Tokens:
    """A mint and its accounts: the signer's, the owner's (allowance to the signer), a
    stranger's."""

    program: Pubkey
    mint: Pubkey
    signer_account: Pubkey
    owner_account: Pubkey
    stranger_account: Pubkey


def _ok(svm: SessionsSVM, ixs: Sequence[Instruction], signers: Sequence[Keypair]) -> None:
    out = svm.send(list(ixs), list(signers), payer=PAYER)
    if not out.ok:
        raise AssertionError(f"setup failed: {out.failure}\n" + "\n".join(out.logs))


def _mint(svm: SessionsSVM, program: Pubkey) -> Pubkey:
    mint = _TOKEN_KEYS[program, "mint"]
    rent = svm.svm.minimum_balance_for_rent_exemption(MINT_SIZE)
    _ok(svm, create_mint(PAYER.pubkey(), mint.pubkey(), PAYER.pubkey(), rent, program), [mint])
    return mint.pubkey()


def _account(svm: SessionsSVM, program: Pubkey, mint: Pubkey, owner: Pubkey, role: str) -> Pubkey:
    account = _TOKEN_KEYS[program, role]
    rent = svm.svm.minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)
    key = account.pubkey()
    made = create_token_account(PAYER.pubkey(), key, mint, owner, rent, program=program)
    _ok(svm, [*made, mint_to(mint, key, PAYER.pubkey(), TOKENS, program)], [account])
    return key


class ExecuteTwin:
    """The SVM and the model holding the same execute world."""

    def __init__(self) -> None:
        self.svm = SessionsSVM(program_so())
        self.svm.svm.add_program(DAPP_ID, dapp_so())
        for kp in (OWNER, BOT, STRANGER, PAYER):
            self.svm.svm.airdrop(kp.pubkey(), 10**13)
        self.svm.svm.airdrop(FRESH[0], 10**9)
        self.session, _ = find_session_address(OWNER.pubkey(), 0)
        self.signer, self.signer_bump = find_signer_address(self.session)
        params = SessionParams(
            SessionConfig(3600, int(Permission.EXECUTE), int(Setting.EXECUTION_LOGGING)),
            quotas=ResourceQuotas(10, 10**9, 10**12),
        )
        owner = OWNER.pubkey()
        _ok(self.svm, [ix.create_session(owner, 0, params)], [OWNER])
        _ok(self.svm, [ix.activate_session(owner, self.session)], [OWNER])
        fund = TransferParams(from_pubkey=owner, to_pubkey=self.signer, lamports=SIGNER_FUNDS)
        _ok(self.svm, [transfer(fund)], [OWNER])
        self.tokens = tuple(
            self._tokens(program) for program in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)
        )
        self.keys: tuple[Pubkey, ...] = (
            owner,
            BOT.pubkey(),
            STRANGER.pubkey(),
            self.session,
            self.signer,
            *FRESH,
            *(
                k
                for t in self.tokens
                for k in (t.mint, t.signer_account, t.owner_account, t.stranger_account)
            ),
        )
        self.base = {k: self.svm.svm.get_account(k) for k in self.keys}
        rent = self.svm.svm.get_rent()
        self.sim = ProgramModel(
            clock=Clock(self.svm.now()),
            rent=Rent(rent.lamports_per_byte, rent.exemption_threshold),
        )
        self.sim.add_program(DAPP_ID, Callee.FORWARDER)
        self.start = self.svm.now()
        self.reset()

    def _tokens(self, program: Pubkey) -> Tokens:
        mint = _mint(self.svm, program)
        mine = _account(self.svm, program, mint, self.signer, "signer")
        owners = _account(self.svm, program, mint, OWNER.pubkey(), "owner")
        _ok(
            self.svm,
            [
                spl.approve(
                    spl_models.ApproveParams(
                        program_id=program,
                        source=owners,
                        delegate=self.signer,
                        owner=OWNER.pubkey(),
                        amount=ALLOWANCE,
                    )
                )
            ],
            [OWNER],
        )
        strangers = _account(self.svm, program, mint, STRANGER.pubkey(), "stranger")
        return Tokens(program, mint, mine, owners, strangers)

    # -- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Both sides back to the snapshot taken after setup, at the start time."""
        for key, account in self.base.items():
            self._put(key, account)
        self.set_time(self.start)

    def _put(self, key: Pubkey, account: Account | None) -> None:
        if account is None:
            account = Account(0, b"", SYSTEM_PROGRAM_ID, False)
        self.svm.svm.set_account(key, account)
        self.sim.set_account(key, account.owner, bytes(account.data), account.lamports)

    def session_state(self) -> Session:
        data = self.svm.account_data(self.session)
        assert data is not None
        return decode_session_layout(data)

    def write_session(self, session: Session) -> None:
        """Store ``session`` as the session account's data on both sides."""
        base = self.base[self.session]
        assert base is not None
        self._put(
            self.session,
            Account(base.lamports, encode_session(session), base.owner, False),
        )

    def set_time(self, unix_timestamp: int) -> None:
        self.svm.set_time(unix_timestamp)
        self.sim.clock.set(unix_timestamp)

    # -- transactions --------------------------------------------------------------------

    def send(self, ixs: Sequence[Instruction], signers: Sequence[Keypair]) -> TxOutcome:
        """The same transaction on both sides (PAYER pays), compared, then every account."""
        real = self.svm.send(list(ixs), list(signers), payer=PAYER)
        model = self.sim.execute(list(ixs), payer=PAYER.pubkey())
        compare_execute_outcomes(real, model)
        self.assert_same_accounts()
        return real

    def assert_same_accounts(self) -> None:
        for key in self.keys:
            real, model = self.svm.account_data(key), self.sim.account_data(key)
            if real != model:
                raise DivergenceError(f"account {key}: svm {real!r:.80} != model {model!r:.80}")
            if self.svm.balance(key) != self.sim.balance(key):
                raise DivergenceError(
                    f"lamports of {key}: svm {self.svm.balance(key)} != model "
                    f"{self.sim.balance(key)}"
                )


def compare_execute_outcomes(real: TxOutcome, model: Outcome) -> None:
    """Same success, program error code, failing instruction, runtime failure and events."""
    logs = "\n  svm logs: " + "\n  ".join(real.logs)
    if real.ok != model.ok or real.error != model.error:
        raise DivergenceError(
            f"outcome: svm ok={real.ok} error={real.error!r} failure={real.failure} "
            f"!= model ok={model.ok} error={model.error!r} detail={model.detail}" + logs
        )
    if not real.ok and real.failed_instruction != model.failed_instruction:
        raise DivergenceError(
            f"failed instruction: svm {real.failed_instruction} != model "
            f"{model.failed_instruction} ({real.failure})" + logs
        )
    if (
        real.error is None
        and not real.ok
        and (model.detail is None or real.failure is None or model.detail not in real.failure)
    ):
        raise DivergenceError(f"runtime failure: svm {real.failure} != model {model.detail}" + logs)
    if [encode_event(e) for e in real.events] != [encode_event(e) for e in model.events]:
        raise DivergenceError(f"events:\n  svm   {real.events}\n  model {model.events}")
