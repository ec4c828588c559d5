"""execute's compact encoding of inner instructions, from and back to solders Instructions.

``execute`` takes its spec's fixed accounts (authority, session, session signer, the
instructions and clock sysvars) and then every account the inner instructions use, program
ids included. Its data
is the discriminator, :class:`~sessions_client.instructions.ExecuteArgs` (signer bump,
instruction count), then per inner instruction::

    program index u8, account count u8, account count * (index u8, is_writable u8, is_signer u8),
    data length u16 LE, data

Indices point into execute's own account list, so an inner instruction may name the session
signer (index 2) or the authority (index 0). The encoding says nothing the program trusts
beyond what it checks: every index, flag and length is validated on-chain, and the runtime
refuses any privilege (writable, signer) the outer instruction does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from sessions_client.borsh import U16
from sessions_client.codec import layout_of, scalar_struct
from sessions_client.constants import MAX_INNER_INSTRUCTIONS, PROGRAM_ID
from sessions_client.exceptions import DecodeError, EncodeError
from sessions_client.instructions import INSTRUCTIONS_BY_NAME, ExecuteArgs
from sessions_client.pda import find_signer_address

_SPEC = INSTRUCTIONS_BY_NAME["execute"]
#: Index of the session signer in execute's accounts (the inner instructions' signer).
SIGNER_INDEX = _SPEC.account_index("session_signer")
FIXED_ACCOUNTS = len(_SPEC.accounts)
_U16 = scalar_struct(U16)


@dataclass(frozen=True, slots=True)
class InnerInstruction:
    """One decoded inner instruction: the solders Instruction and the indices it used."""

    instruction: Instruction
    program_index: int
    account_indices: tuple[int, ...]


class _Accounts:
    """execute's account list: the spec's fixed accounts, then each further key once, flags
    merged."""

    def __init__(self, authority: Pubkey, session: Pubkey, signer: Pubkey) -> None:
        self.metas: list[AccountMeta] = _SPEC.account_metas(
            {"authority": authority, "session": session, "session_signer": signer}
        )
        self._signer = signer
        self._index = {m.pubkey: i for i, m in enumerate(self.metas)}

    def index(self, key: Pubkey, *, writable: bool, signer: bool) -> int:
        """The index of ``key``, adding it (or upgrading its flags) as needed. The session
        signer never signs the transaction: the program signs for it."""
        tx_signer = signer and key != self._signer
        at = self._index.get(key)
        if at is None:
            at = len(self.metas)
            self._index[key] = at
            self.metas.append(AccountMeta(key, is_signer=tx_signer, is_writable=writable))
            return at
        old = self.metas[at]
        if (writable and not old.is_writable) or (tx_signer and not old.is_signer):
            self.metas[at] = AccountMeta(
                key, is_signer=old.is_signer or tx_signer, is_writable=old.is_writable or writable
            )
        return at


def encode_inner(accounts: _Accounts, inner: Instruction) -> bytes:
    out = bytearray()
    out.append(accounts.index(inner.program_id, writable=False, signer=False))
    metas = list(inner.accounts)
    if len(metas) > 255 or len(inner.data) > 0xFFFF:
        raise EncodeError("an inner instruction has too many accounts or too much data")
    out.append(len(metas))
    for meta in metas:
        at = accounts.index(meta.pubkey, writable=meta.is_writable, signer=meta.is_signer)
        out += bytes((at, int(meta.is_writable), int(meta.is_signer)))
    out += _U16.pack(len(inner.data)) + bytes(inner.data)
    return bytes(out)


def execute_instruction(
    authority: Pubkey,
    session: Pubkey,
    instructions: Sequence[Instruction],
    *,
    signer_bump: int | None = None,
    program_id: Pubkey = PROGRAM_ID,
) -> Instruction:
    """The execute Instruction performing ``instructions`` as the session's signer.

    Any account the inner instructions mark as signer other than the session signer must
    sign the transaction (it becomes a signer of execute). The signer PDA and its canonical
    bump are derived unless ``signer_bump`` is given (tests pass wrong ones on purpose).
    """
    if not 1 <= len(instructions) <= MAX_INNER_INSTRUCTIONS:
        raise EncodeError(
            f"execute takes 1..{MAX_INNER_INSTRUCTIONS} inner instructions, got {len(instructions)}"
        )
    signer, bump = find_signer_address(session, program_id)
    accounts = _Accounts(authority, session, signer)
    body = b"".join(encode_inner(accounts, inner) for inner in instructions)
    args = ExecuteArgs(bump if signer_bump is None else signer_bump, len(instructions))
    data = _SPEC.discriminator + layout_of(ExecuteArgs).encode(args) + body
    if len(accounts.metas) > 255:
        raise EncodeError("execute names more than 255 accounts")
    return Instruction(program_id, data, accounts.metas)


def _take(data: bytes, at: int, n: int) -> bytes:
    if at + n > len(data):
        raise DecodeError(f"execute data ends at {len(data)}, needs {at + n}")
    return data[at : at + n]


def decode_inner_instructions(
    data: bytes, keys: Sequence[Pubkey]
) -> tuple[int, tuple[InnerInstruction, ...]]:
    """(signer bump, inner instructions) from execute's data and its account keys.

    Raises DecodeError for a structurally malformed body (the program's
    InvalidInstructionData) and IndexError for an index past ``keys`` (InvalidAccountIndex);
    flag bytes other than 0 and 1 are malformed.
    """
    prefix = len(_SPEC.discriminator) + layout_of(ExecuteArgs).size
    args: ExecuteArgs = layout_of(ExecuteArgs).decode(_take(data, 0, prefix), 8)
    at = prefix
    out: list[InnerInstruction] = []
    for _ in range(args.instruction_count):
        program_index, count = _take(data, at, 2)
        at += 2
        triples = _take(data, at, 3 * count)
        at += 3 * count
        (data_len,) = _U16.unpack(_take(data, at, 2))
        at += 2
        inner_data = _take(data, at, data_len)
        at += data_len
        indices = tuple(triples[3 * i] for i in range(count))
        flags = [(triples[3 * i + 1], triples[3 * i + 2]) for i in range(count)]
        if any(w > 1 or s > 1 for w, s in flags):
            raise DecodeError("inner account flags must be 0 or 1")
        for index in (program_index, *indices):
            if index >= len(keys):
                raise IndexError(index)
        metas = [
            AccountMeta(keys[i], is_signer=bool(s), is_writable=bool(w))
            for i, (w, s) in zip(indices, flags, strict=True)
        ]
        out.append(
            InnerInstruction(
                Instruction(keys[program_index], inner_data, metas), program_index, indices
            )
        )
    if at != len(data):
        raise DecodeError(f"execute data has {len(data) - at} trailing bytes")
    return args.signer_bump, tuple(out)
