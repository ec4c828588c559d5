"""The upgradeable BPF loader's instructions and account states, independent of any transport.

One place builds every loader instruction the project sends (buffer creation, Write,
DeployWithMaxDataLen, Upgrade) and reads the loader's account states, so deploying into
LiteSVM (:mod:`.deploy`) and to a cluster over RPC (``sessions deploy``) cannot drift
apart. Layouts are the loader's bincode ``UpgradeableLoaderState`` and
``UpgradeableLoaderInstruction``: a u32 little-endian tag, then the variant's fields.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from solders.instruction import AccountMeta, Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT

BPF_LOADER_UPGRADEABLE_ID: Final = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
BUFFER_METADATA_SIZE: Final = 37
"""UpgradeableLoaderState::Buffer header: enum tag (4) + Option<Pubkey> authority (1 + 32)."""
PROGRAM_ACCOUNT_SIZE: Final = 36
"""UpgradeableLoaderState::Program: enum tag (4) + programdata address (32)."""
PROGRAMDATA_METADATA_SIZE: Final = 45
"""UpgradeableLoaderState::ProgramData header: tag (4) + slot (8) + Option<Pubkey> (1 + 32)."""
PACKET_DATA_SIZE: Final = 1232
"""Maximum serialized transaction size."""
SIGNATURE_SIZE: Final = 64
MIN_EXTEND_PROGRAM_BYTES: Final = 10_240
"""The runtime's smallest ExtendProgram (unless it extends to the maximum size)."""

_INITIALIZE_BUFFER: Final = 0
_WRITE: Final = 1
_DEPLOY_WITH_MAX_DATA_LEN: Final = 2
_UPGRADE: Final = 3
_EXTEND_PROGRAM: Final = 6

_STATE_BUFFER: Final = 1
_STATE_PROGRAM: Final = 2
_STATE_PROGRAMDATA: Final = 3


def programdata_address(program_id: Pubkey) -> Pubkey:
    """The ProgramData account the loader keeps a deployed program's bytes in."""
    address, _bump = Pubkey.find_program_address([bytes(program_id)], BPF_LOADER_UPGRADEABLE_ID)
    return address


# -- instructions -----------------------------------------------------------------------------


def _loader_account(payer: Pubkey, address: Pubkey, lamports: int, space: int) -> Instruction:
    """A system CreateAccount of ``space`` bytes owned by the loader (``address`` signs)."""
    return create_account(
        CreateAccountParams(
            from_pubkey=payer,
            to_pubkey=address,
            lamports=lamports,
            space=space,
            owner=BPF_LOADER_UPGRADEABLE_ID,
        )
    )


def create_buffer(
    payer: Pubkey, buffer: Pubkey, authority: Pubkey, lamports: int, program_len: int
) -> list[Instruction]:
    """Allocate a buffer for ``program_len`` bytes (signed by ``buffer``) and initialize it."""
    allocate = _loader_account(payer, buffer, lamports, BUFFER_METADATA_SIZE + program_len)
    initialize = Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<I", _INITIALIZE_BUFFER),
        [AccountMeta(buffer, False, True), AccountMeta(authority, False, False)],
    )
    return [allocate, initialize]


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


def write_chunk_size(payer: Pubkey, authority: Pubkey) -> int:
    """Largest chunk whose Write transaction (paid by ``payer``) still fits in one packet.

    LiteSVM does not enforce the packet limit, a cluster does. Measured on the
    message with a probe chunk big enough that the compact-u16 length prefix of
    the instruction data already has its final (2-byte) width; the size does
    not depend on the blockhash or buffer address, only on the signer count.
    """
    probe_size = 512
    probe = write_instruction(Pubkey.default(), authority, 0, bytes(probe_size))
    message = Message([probe], payer)
    signers = message.header.num_required_signatures
    wire = 1 + SIGNATURE_SIZE * signers + len(bytes(message))  # compact-u16 count + signatures
    return PACKET_DATA_SIZE - (wire - probe_size)


def deploy_with_max_data_len(
    payer: Pubkey,
    program_id: Pubkey,
    buffer: Pubkey,
    authority: Pubkey,
    *,
    program_lamports: int,
    max_data_len: int,
) -> list[Instruction]:
    """Create the program account (signed by its keypair) and deploy the buffer into it."""
    create_program = _loader_account(payer, program_id, program_lamports, PROGRAM_ACCOUNT_SIZE)
    deploy = Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len),
        [
            AccountMeta(payer, True, True),
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(authority, True, False),
        ],
    )
    return [create_program, deploy]


def upgrade_instruction(
    program_id: Pubkey, buffer: Pubkey, authority: Pubkey, spill: Pubkey
) -> Instruction:
    """UpgradeableLoaderInstruction::Upgrade: replace the program's bytes with the buffer's.

    The buffer's lamports go to ``spill``; the buffer must have the same authority.
    """
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<I", _UPGRADE),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(spill, False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(authority, True, False),
        ],
    )


def extend_program_instruction(
    program_id: Pubkey, payer: Pubkey, additional_bytes: int
) -> Instruction:
    """UpgradeableLoaderInstruction::ExtendProgram: room for ``additional_bytes`` more.

    ``payer`` funds the extra rent. The runtime refuses extensions smaller than
    :data:`MIN_EXTEND_PROGRAM_BYTES` (see :func:`extension_for`). This is the unchecked
    form: ExtendProgramChecked (the upgrade authority signs too) is still feature-gated
    and refused as invalid instruction data by the runtimes we deploy to.
    """
    return Instruction(
        BPF_LOADER_UPGRADEABLE_ID,
        struct.pack("<II", _EXTEND_PROGRAM, additional_bytes),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(payer, True, True),
        ],
    )


def extension_for(missing: int) -> int:
    """The extension that makes room for ``missing`` more bytes, as the runtime accepts it."""
    return max(missing, MIN_EXTEND_PROGRAM_BYTES)


# -- account states ---------------------------------------------------------------------------


class LoaderStateError(ValueError):
    """Account data that is not the upgradeable loader state it should be."""


@dataclass(frozen=True, slots=True)
class BufferState:
    authority: Pubkey | None
    #: The bytes written so far (zeros where nothing was written yet).
    contents: bytes


@dataclass(frozen=True, slots=True)
class ProgramState:
    programdata: Pubkey


@dataclass(frozen=True, slots=True)
class ProgramDataState:
    slot: int
    upgrade_authority: Pubkey | None
    #: Room for program bytes (the deploy's max_data_len, or more after an extension).
    capacity: int


LoaderState = BufferState | ProgramState | ProgramDataState


def _option_pubkey(data: bytes, at: int, what: str) -> Pubkey | None:
    tag = data[at]
    if tag == 0:
        return None
    if tag != 1:
        raise LoaderStateError(f"{what}: bad Option tag {tag}")
    return Pubkey.from_bytes(data[at + 1 : at + 33])


def decode_loader_state(data: bytes) -> LoaderState:
    """Read a buffer, program or programdata account of the upgradeable loader."""
    if len(data) < 4:
        raise LoaderStateError(f"{len(data)} bytes is too short for a loader state")
    (tag,) = struct.unpack_from("<I", data)
    if tag == _STATE_BUFFER and len(data) >= BUFFER_METADATA_SIZE:
        authority = _option_pubkey(data, 4, "buffer authority")
        return BufferState(authority, bytes(data[BUFFER_METADATA_SIZE:]))
    if tag == _STATE_PROGRAM and len(data) >= PROGRAM_ACCOUNT_SIZE:
        return ProgramState(Pubkey.from_bytes(data[4:PROGRAM_ACCOUNT_SIZE]))
    if tag == _STATE_PROGRAMDATA and len(data) >= PROGRAMDATA_METADATA_SIZE:
        (slot,) = struct.unpack_from("<Q", data, 4)
        authority = _option_pubkey(data, 12, "upgrade authority")
        return ProgramDataState(slot, authority, len(data) - PROGRAMDATA_METADATA_SIZE)
    raise LoaderStateError(f"not a buffer, program or programdata state (tag {tag})")
