"""Deploying an .so through the real upgradeable BPF loader inside LiteSVM.

``LiteSVM.add_program`` installs bytes directly and is lenient: it does not
run the deploy-time checks (``reject_broken_elfs``, unresolved syscalls).
Going through the loader -- buffer account, chunked writes,
``DeployWithMaxDataLen`` -- exercises exactly the verification a cluster runs,
so a program that passes here deploys on a validator too. The instructions
come from :mod:`.loader`, which ``sessions deploy`` sends over RPC as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata

from .loader import (
    BPF_LOADER_UPGRADEABLE_ID,
    BUFFER_METADATA_SIZE,
    PACKET_DATA_SIZE,
    PROGRAM_ACCOUNT_SIZE,
    create_buffer,
    deploy_with_max_data_len,
    programdata_address,
    write_chunk_size,
    write_instruction,
)
from .toolchain_errors import DeployError

__all__ = [
    "BPF_LOADER_UPGRADEABLE_ID",
    "BUFFER_METADATA_SIZE",
    "PACKET_DATA_SIZE",
    "PROGRAM_ACCOUNT_SIZE",
    "deploy_upgradeable",
    "programdata_address",
    "write_chunk_size",
    "write_instruction",
]


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
    lamports = svm.minimum_balance_for_rent_exemption(BUFFER_METADATA_SIZE + len(so))
    allocate = create_buffer(authority, buffer.pubkey(), authority, lamports, len(so))
    _send(svm, payer, allocate, [buffer], "create buffer")

    chunk = write_chunk_size(authority, authority)
    for offset in range(0, len(so), chunk):
        write = write_instruction(buffer.pubkey(), authority, offset, so[offset : offset + chunk])
        _send(svm, payer, [write], [], f"write bytes {offset}..{offset + chunk}")

    deploy = deploy_with_max_data_len(
        authority,
        program_keypair.pubkey(),
        buffer.pubkey(),
        authority,
        program_lamports=svm.minimum_balance_for_rent_exemption(PROGRAM_ACCOUNT_SIZE),
        max_data_len=max_data_len or 2 * len(so),
    )
    _send(svm, payer, deploy, [program_keypair], "DeployWithMaxDataLen")
    svm.warp_to_slot(svm.get_clock().slot + 1)
