"""Deploying an .so through the real upgradeable BPF loader inside LiteSVM.

``LiteSVM.add_program`` installs bytes directly and is lenient: it does not
run the deploy-time checks (``reject_broken_elfs``, unresolved syscalls).
Going through the loader -- buffer account, chunked writes,
``DeployWithMaxDataLen`` -- exercises exactly the verification a cluster runs,
so a program that passes here deploys on a validator too.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata

from .toolchain_errors import DeployError

BPF_LOADER_UPGRADEABLE_ID: Final = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
BUFFER_METADATA_SIZE: Final = 37
"""UpgradeableLoaderState::Buffer header: enum tag (4) + Option<Pubkey> authority (1 + 32)."""
PROGRAM_ACCOUNT_SIZE: Final = 36
"""UpgradeableLoaderState::Program: enum tag (4) + programdata address (32)."""
PACKET_DATA_SIZE: Final = 1232
"""Maximum serialized transaction size."""

_INITIALIZE_BUFFER: Final = 0
_WRITE: Final = 1
_DEPLOY_WITH_MAX_DATA_LEN: Final = 2


def programdata_address(program_id: Pubkey) -> Pubkey:
    """The ProgramData account the loader keeps a deployed program's bytes in."""
    address, _bump = Pubkey.find_program_address([bytes(program_id)], BPF_LOADER_UPGRADEABLE_ID)
    return address


def _send(
    svm: LiteSVM,
    payer: Keypair,
    instructions: Sequence[Instruction],
    extra_signers: Sequence[Keypair],
    step: str,
) -> None:
    message = Message(list(instructions), payer.pubkey())
    tx = Transaction([payer, *extra_signers], message, svm.latest_blockhash())
    result = svm.send_transaction(tx)
    svm.expire_blockhash()  # identical follow-up transactions must not collide
    if isinstance(result, FailedTransactionMetadata):
        raise DeployError(step, str(result.err()), tuple(result.meta().logs()))


def write_instruction(buffer: Pubkey, authority: Pubkey, offset: int, chunk: bytes) -> Instruction:
    """UpgradeableLoaderInstruction::Write: store ``chunk`` at ``offset`` in a buffer."""
    data = struct.pack("<IIQ", _WRITE, offset, len(chunk)) + chunk
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        data,
        [
            AccountMeta(buffer, is_signer=False, is_writable=True),
            AccountMeta(authority, True, False),
        ],
    )


def write_chunk_size(svm: LiteSVM, payer: Keypair, buffer: Pubkey) -> int:
    """Largest chunk whose Write transaction still fits in one packet.

    LiteSVM does not enforce the packet limit, a cluster does.  Measured with a
    probe chunk big enough that the compact-u16 length prefix of the
    instruction data already has its final (2-byte) width.
    """
    probe_size = 512
    probe = write_instruction(buffer, payer.pubkey(), 0, bytes(probe_size))
    tx = Transaction([payer], Message([probe], payer.pubkey()), svm.latest_blockhash())
    return PACKET_DATA_SIZE - (len(bytes(tx)) - probe_size)


def deploy_upgradeable(
    svm: LiteSVM,
    payer: Keypair,
    program_keypair: Keypair,
    so: bytes,
    *,
    max_data_len: int | None = None,
) -> None:
    """Deploy ``so`` at ``program_keypair``'s address via the upgradeable loader.

    ``payer`` funds every account and becomes the upgrade authority.
    ``max_data_len`` (default: twice the program size) bounds future upgrades.
    Afterwards the clock is advanced one slot, because the loader makes a
    freshly deployed program invokable only from the next slot on.

    Raises DeployError, with the runtime's logs, if any step fails -- for
    example when the loader's verifier rejects the ELF.
    """
    if not so:
        raise ValueError("cannot deploy an empty program")
    authority = payer.pubkey()
    buffer = Keypair()
    buffer_size = BUFFER_METADATA_SIZE + len(so)
    create_buffer = create_account(
        CreateAccountParams(
            from_pubkey=authority,
            to_pubkey=buffer.pubkey(),
            lamports=svm.minimum_balance_for_rent_exemption(buffer_size),
            space=buffer_size,
            owner=BPF_LOADER_UPGRADEABLE_ID,
        )
    )
    initialize = Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<I", _INITIALIZE_BUFFER),
        [AccountMeta(buffer.pubkey(), False, True), AccountMeta(authority, False, False)],
    )
    _send(svm, payer, [create_buffer, initialize], [buffer], "create buffer")

    chunk = write_chunk_size(svm, payer, buffer.pubkey())
    for offset in range(0, len(so), chunk):
        write = write_instruction(buffer.pubkey(), authority, offset, so[offset : offset + chunk])
        _send(svm, payer, [write], [], f"write bytes {offset}..{offset + chunk}")

    program_id = program_keypair.pubkey()
    create_program = create_account(
        CreateAccountParams(
            from_pubkey=authority,
            to_pubkey=program_id,
            lamports=svm.minimum_balance_for_rent_exemption(PROGRAM_ACCOUNT_SIZE),
            space=PROGRAM_ACCOUNT_SIZE,
            owner=BPF_LOADER_UPGRADEABLE_ID,
        )
    )
    deploy = Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len or 2 * len(so)),
        [
            AccountMeta(authority, True, True),
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer.pubkey(), False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(authority, True, False),
        ],
    )
    _send(svm, payer, [create_program, deploy], [program_keypair], "DeployWithMaxDataLen")
    svm.warp_to_slot(svm.get_clock().slot + 1)
