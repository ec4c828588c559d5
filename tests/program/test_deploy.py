"""Deployment through the real upgradeable BPF loader, then sessions against that deployment.

``LiteSVM.add_program`` skips the loader's deploy-time ELF verification; this test goes
through buffer + writes + DeployWithMaxDataLen, as a cluster would, and then runs
create + activate against the deployed program.
"""

from __future__ import annotations

from solders.clock import Clock
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_client import instructions as ix
from sessions_client.accounts import SESSION_ACCOUNT_SIZE, decode_session
from sessions_client.constants import PROGRAM_ID
from sessions_client.events import SessionActivated, SessionCreated, parse_events
from sessions_client.pda import find_session_address
from sessions_client.types import SessionStatus
from sessions_tools.program_build import program_keypair
from sessions_tools.sbf import BPF_LOADER_UPGRADEABLE_ID, deploy_upgradeable, programdata_address

from .support import params


def send(svm: LiteSVM, instruction: Instruction, signer: Keypair) -> TransactionMetadata:
    tx = Transaction([signer], Message([instruction], signer.pubkey()), svm.latest_blockhash())
    result = svm.send_transaction(tx)
    svm.expire_blockhash()
    assert isinstance(result, TransactionMetadata), result
    return result


def set_time(svm: LiteSVM, unix_timestamp: int) -> None:
    c = svm.get_clock()
    svm.set_clock(
        Clock(c.slot, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch, unix_timestamp)
    )


def test_deploy_upgradeable_then_create_and_activate(program_so: bytes) -> None:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 100_000_000_000)
    keypair = program_keypair()
    assert keypair.pubkey() == PROGRAM_ID
    assert svm.get_account(PROGRAM_ID) is None

    deploy_upgradeable(svm, payer, keypair, program_so)

    program = svm.get_account(PROGRAM_ID)
    assert program is not None
    assert program.owner == BPF_LOADER_UPGRADEABLE_ID
    assert program.executable
    programdata = svm.get_account(programdata_address(PROGRAM_ID))
    assert programdata is not None
    assert program_so in bytes(programdata.data)  # the deployed ELF is ours, byte for byte

    t0 = 1_800_000_000
    set_time(svm, t0)
    owner = Keypair()
    svm.airdrop(owner.pubkey(), 10_000_000_000)
    sid = 1
    address, bump = find_session_address(owner.pubkey(), sid)

    created = send(svm, ix.create_session(owner.pubkey(), sid, params(max_duration=60)), owner)
    assert parse_events(created.logs()) == [
        SessionCreated(address, owner.pubkey(), owner.pubkey(), sid, 1, 0, t0, t0 + 60)
    ]
    account = svm.get_account(address)
    assert account is not None
    assert account.owner == PROGRAM_ID
    assert account.lamports == svm.minimum_balance_for_rent_exemption(SESSION_ACCOUNT_SIZE)

    set_time(svm, t0 + 5)
    activated = send(svm, ix.activate_session(owner.pubkey(), address), owner)
    assert parse_events(activated.logs()) == [
        SessionActivated(address, owner.pubkey(), t0 + 5, t0 + 60)
    ]
    account = svm.get_account(address)
    assert account is not None
    session = decode_session(bytes(account.data))
    assert session.status == SessionStatus.ACTIVE
    assert (session.bump, session.activated_at, session.updated_at) == (bump, t0 + 5, t0 + 5)
