"""execute reached through a CPI (refused: top level only), and Token-2022 accounts of the
session signer: spend measured, authority escapes refused, as for SPL Token."""

from __future__ import annotations

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.sysvar import INSTRUCTIONS
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.constants import PROGRAM_ID
from sessions_client.errors import ErrorCode
from sessions_client.execute import execute_instruction
from sessions_client.spl_token import TOKEN_2022_PROGRAM_ID

from .support import SOL, ExecHarness


def test_execute_through_a_cpi_is_refused(x: ExecHarness, dapp_so: bytes) -> None:
    """Another program's instruction calling execute (with everything else in order: the
    same execute runs at the top level) is refused: the instruction the instructions sysvar
    says is running is the other program's (NotTopLevel), and nothing changes."""
    dapp = Keypair().pubkey()
    x.s.svm.add_program(dapp, dapp_so)
    live = x.live(fund=SOL)
    pay = transfer(
        TransferParams(from_pubkey=live.signer, to_pubkey=live.owner.pubkey(), lamports=1)
    )
    exe = execute_instruction(live.owner.pubkey(), live.address, [pay])
    forwarded = Instruction(
        dapp,
        bytes(exe.data),
        [AccountMeta(PROGRAM_ID, is_signer=False, is_writable=False), *exe.accounts],
    )
    out = x.reject([forwarded], [live.owner], ErrorCode.NOT_TOP_LEVEL, watch=[live.signer])
    assert f"Program {PROGRAM_ID} invoke [2]" in out.logs, out.logs  # reached by the CPI
    assert INSTRUCTIONS in [m.pubkey for m in exe.accounts]
    x.ok(exe, [live.owner])  # the same execute at the top level runs


def test_token_2022_spend_and_escapes(x: ExecHarness) -> None:
    live = x.live(fund=SOL)
    owner = live.owner
    mint = x.mint(owner, TOKEN_2022_PROGRAM_ID)
    held = x.token_account(
        owner, mint, live.signer, 500, mint_authority=owner, program=TOKEN_2022_PROGRAM_ID
    )
    shop = x.token_account(owner, mint, Keypair().pubkey(), program=TOKEN_2022_PROGRAM_ID)

    def send(amount: int) -> Instruction:
        return spl.transfer(
            spl_models.TransferParams(
                program_id=TOKEN_2022_PROGRAM_ID,
                source=held,
                dest=shop,
                owner=live.signer,
                amount=amount,
            )
        )

    x.run(live, [send(120)])
    assert x.token_amount(shop) == 120
    thief: Pubkey = Keypair().pubkey()
    approve = spl.approve(
        spl_models.ApproveParams(
            program_id=TOKEN_2022_PROGRAM_ID,
            source=held,
            delegate=thief,
            owner=live.signer,
            amount=1,
        )
    )
    _exe, ixs, signers = x.execute(live, [approve])
    x.reject(ixs, signers, ErrorCode.AUTHORITY_CHANGED, watch=[held])
    set_owner = spl.set_authority(
        spl_models.SetAuthorityParams(
            program_id=TOKEN_2022_PROGRAM_ID,
            account=held,
            authority=spl_models.AuthorityType.ACCOUNT_OWNER,
            current_authority=live.signer,
            new_authority=thief,
        )
    )
    _exe, ixs, signers = x.execute(live, [set_owner])
    x.reject(ixs, signers, ErrorCode.AUTHORITY_CHANGED, watch=[held])


def test_validate_session_by_cpi(x: ExecHarness, dapp_so: bytes) -> None:
    """A program validates a session by CPI (read-only session): success, or execute's error."""
    dapp = Keypair().pubkey()
    x.s.svm.add_program(dapp, dapp_so)
    live = x.live()
    inner = ix.validate_session(live.address, live.owner.pubkey())
    forwarded = Instruction(
        dapp, bytes(inner.data), [AccountMeta(PROGRAM_ID, False, False), *inner.accounts]
    )
    out = x.ok(forwarded, [live.owner])
    assert f"Program {PROGRAM_ID} invoke [2]" in out.logs
    x.ok(ix.pause_session(live.owner.pubkey(), live.address), [live.owner])
    refused = x.send([forwarded], [live.owner])
    assert refused.error == ErrorCode.SESSION_NOT_ACTIVE
