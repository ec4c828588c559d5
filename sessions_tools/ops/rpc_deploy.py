"""``sessions deploy``: the program through the upgradeable BPF loader over JSON-RPC, resumable.

The steps are the Solana CLI's (``solana program deploy``): a buffer account owned
by the loader, the program written into it in packet-sized ``Write`` transactions,
then ``DeployWithMaxDataLen`` (first deployment, signed by the program keypair) or
``Upgrade`` (the program exists and the signer is its upgrade authority; a build larger
than the program data's room is preceded by ``ExtendProgram``). The
instructions are :mod:`sessions_tools.sbf.loader`'s, the same ones the LiteSVM
deployment in the tests uses.

Resuming: the buffer's keypair is kept in a file (created on the first run). A
rerun with the same file reads the buffer back (``getAccountInfo``), compares it
with the program chunk by chunk and sends only the chunks that differ, so an
interrupted deployment costs only what was not written yet. After the writes the
buffer is read again and must equal the program before anything is deployed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.requests import GetAccountInfo, GetMinimumBalanceForRentExemption
from solders.rpc.responses import GetAccountInfoResp, GetMinimumBalanceForRentExemptionResp
from solders.signature import Signature

from sessions_client.client import SessionsClient, TransactionResult
from sessions_client.exceptions import TransactionFailedError
from sessions_client.rpc import commitment_level
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.sbf.loader import (
    BPF_LOADER_UPGRADEABLE_ID,
    BUFFER_METADATA_SIZE,
    PROGRAM_ACCOUNT_SIZE,
    PROGRAMDATA_METADATA_SIZE,
    BufferState,
    LoaderState,
    LoaderStateError,
    ProgramDataState,
    ProgramState,
    create_buffer,
    decode_loader_state,
    deploy_with_max_data_len,
    extend_program_instruction,
    extension_for,
    upgrade_instruction,
    write_chunk_size,
    write_instruction,
)

#: Write transactions in flight at once (each is confirmed before its slot is reused).
DEFAULT_CONCURRENCY: Final = 8
#: Lamports per signature, for the up-front balance check (fees only ever add to this).
_FEE_PER_SIGNATURE: Final = 5000


class DeployProgress(Protocol):
    """Told how many chunks there are, how many were already in the buffer, and each write."""

    def begin(self, total: int, present: int) -> None: ...

    def advance(self) -> None: ...


class NoProgress:
    def begin(self, total: int, present: int) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """What to deploy where."""

    so: bytes
    #: The program keypair (needed for the first deployment) or just its address (upgrades).
    program: Keypair | Pubkey
    buffer: Keypair
    #: Room reserved for future upgrades; default twice the program's size.
    max_data_len: int | None = None
    concurrency: int = DEFAULT_CONCURRENCY

    @property
    def program_id(self) -> Pubkey:
        return self.program.pubkey() if isinstance(self.program, Keypair) else self.program


@dataclass(frozen=True, slots=True)
class DeployReport:
    program_id: Pubkey
    #: Slot of the DeployWithMaxDataLen / Upgrade transaction.
    slot: int
    signature: Signature
    upgraded: bool
    #: Bytes the program data was extended by for this upgrade (0: it had room).
    extended_by: int
    buffer: Pubkey
    chunks: int
    #: Chunks sent by this run.
    written: int
    #: Chunks the buffer already held (an earlier, interrupted run; or all zeros).
    present: int


@dataclass(frozen=True, slots=True)
class _Account:
    owner: Pubkey
    lamports: int
    data: bytes


def chunk_offsets(size: int, chunk: int) -> range:
    return range(0, size, chunk)


def missing_chunks(contents: bytes, so: bytes, chunk: int) -> list[int]:
    """Offsets of the chunks of ``so`` that ``contents`` (the buffer's bytes) does not hold yet."""
    return [
        offset
        for offset in chunk_offsets(len(so), chunk)
        if contents[offset : offset + chunk] != so[offset : offset + chunk]
    ]


def loader_diagnostic(logs: Sequence[str]) -> str | None:
    """The loader's own explanation in a failed transaction's logs (e.g. an unresolved symbol)."""
    for line in reversed(logs):
        if line and not line.startswith("Program "):
            return line
    return None


async def _account(client: SessionsClient, address: Pubkey) -> _Account | None:
    answer = await client.request(
        GetAccountInfo(address, client.account_config()), GetAccountInfoResp
    )
    if answer.value is None:
        return None
    return _Account(
        owner=answer.value.owner, lamports=answer.value.lamports, data=answer.value.data
    )


async def _rent(client: SessionsClient, size: int) -> int:
    answer = await client.request(
        GetMinimumBalanceForRentExemption(size, commitment_level(client.commitment)),
        GetMinimumBalanceForRentExemptionResp,
    )
    return answer.value


def _loader_state(account: _Account, address: Pubkey, role: str) -> LoaderState:
    if account.owner != BPF_LOADER_UPGRADEABLE_ID:
        raise OperatorError(
            f"{role} {address} exists and is owned by {account.owner}, not the upgradeable loader"
        )
    try:
        return decode_loader_state(account.data)
    except LoaderStateError as exc:
        raise OperatorError(f"{role} {address}: {exc}") from exc


async def _send(
    client: SessionsClient,
    step: str,
    instructions: Sequence[Instruction],
    payer: Keypair,
    others: Sequence[Keypair] = (),
) -> TransactionResult:
    try:
        return await client.send(instructions, [payer, *others])
    except TransactionFailedError as exc:
        reason = loader_diagnostic(exc.logs) or str(exc).splitlines()[0]
        raise OperatorError(f"{step} failed: {reason}") from exc


class _Deployment:
    """One run of :func:`deploy_program`; see the module docstring for the steps."""

    def __init__(self, client: SessionsClient, payer: Keypair, request: DeployRequest) -> None:
        if not request.so:
            raise OperatorError("the program file is empty")
        if request.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.client = client
        self.payer = payer
        self.request = request
        self.authority = payer.pubkey()
        self.buffer = request.buffer.pubkey()
        self.chunk = write_chunk_size(self.authority, self.authority)

    async def existing_program(self) -> int | None:
        """None for a first deployment; for an upgrade, the bytes to extend its data by (or 0).

        Checks that this signer may upgrade the program.
        """
        program_id = self.request.program_id
        account = await _account(self.client, program_id)
        if account is None:
            if not isinstance(self.request.program, Keypair):
                raise OperatorError(
                    f"program {program_id} does not exist: its first deployment needs the "
                    "program keypair file (--program-id keypair.json)"
                )
            return None
        state = _loader_state(account, program_id, "program")
        if not isinstance(state, ProgramState):
            raise OperatorError(f"{program_id} is a loader account but not a program")
        data = await _account(self.client, state.programdata)
        programdata = None if data is None else _loader_state(data, state.programdata, "data")
        if not isinstance(programdata, ProgramDataState):
            raise OperatorError(f"program {program_id} has no program data account")
        if programdata.upgrade_authority is None:
            raise OperatorError(f"program {program_id} is immutable (no upgrade authority)")
        if programdata.upgrade_authority != self.authority:
            raise OperatorError(
                f"program {program_id}'s upgrade authority is {programdata.upgrade_authority}, "
                f"not the keypair {self.authority}"
            )
        missing = len(self.request.so) - programdata.capacity
        return extension_for(missing) if missing > 0 else 0

    async def check_balance(self, extend_by: int | None, buffer_exists: bool) -> None:
        """Refuse early, with the figure, when the payer cannot afford the deployment."""
        size = len(self.request.so)
        needed = 0 if buffer_exists else await _rent(self.client, BUFFER_METADATA_SIZE + size)
        if extend_by:  # the rent of the added bytes (rent is linear in the size)
            needed += await _rent(self.client, extend_by) - await _rent(self.client, 0)
        if extend_by is None:
            max_len = self.request.max_data_len or 2 * size
            needed += await _rent(self.client, PROGRAMDATA_METADATA_SIZE + max_len)
            needed += await _rent(self.client, PROGRAM_ACCOUNT_SIZE)
        transactions = len(chunk_offsets(size, self.chunk)) + 2
        needed += 2 * _FEE_PER_SIGNATURE * transactions
        balance = await self.client.get_balance(self.authority)
        if balance < needed:
            raise OperatorError(
                f"{self.authority} holds {balance} lamports; this deployment needs about {needed}"
            )

    async def buffer_contents(self) -> bytes | None:
        """What the buffer holds (None: there is no buffer yet); checks it is ours and fits."""
        account = await _account(self.client, self.buffer)
        if account is None or (account.lamports == 0 and not account.data):
            return None
        state = _loader_state(account, self.buffer, "buffer")
        if not isinstance(state, BufferState):
            raise OperatorError(f"buffer {self.buffer} is not a loader buffer")
        if state.authority != self.authority:
            raise OperatorError(
                f"buffer {self.buffer}'s authority is {state.authority}, not {self.authority}"
            )
        if len(state.contents) != len(self.request.so):
            raise OperatorError(
                f"buffer {self.buffer} holds {len(state.contents)} bytes but the program is "
                f"{len(self.request.so)}: use another --buffer file"
            )
        return state.contents

    async def create_buffer(self) -> bytes:
        size = len(self.request.so)
        lamports = await _rent(self.client, BUFFER_METADATA_SIZE + size)
        instructions = create_buffer(self.authority, self.buffer, self.authority, lamports, size)
        await _send(
            self.client, "creating the buffer", instructions, self.payer, [self.request.buffer]
        )
        return bytes(size)

    async def write(self, offsets: Sequence[int], progress: DeployProgress) -> None:
        so = self.request.so
        gate = asyncio.Semaphore(self.request.concurrency)

        async def write_one(offset: int) -> None:
            chunk = so[offset : offset + self.chunk]
            async with gate:
                instruction = write_instruction(self.buffer, self.authority, offset, chunk)
                await _send(self.client, f"writing bytes {offset}..", [instruction], self.payer)
            progress.advance()

        try:
            async with asyncio.TaskGroup() as group:
                for offset in offsets:
                    group.create_task(write_one(offset))
        except ExceptionGroup as failures:
            raise failures.exceptions[0] from None

    async def extend(self, additional_bytes: int) -> None:
        """Make room in the program data for a larger build (before the Upgrade)."""
        instruction = extend_program_instruction(
            self.request.program_id, self.authority, additional_bytes
        )
        await _send(self.client, "ExtendProgram", [instruction], self.payer)

    async def finish(self, upgrade: bool) -> TransactionResult:
        request = self.request
        if upgrade:
            instruction = upgrade_instruction(
                request.program_id, self.buffer, self.authority, self.authority
            )
            return await _send(self.client, "Upgrade", [instruction], self.payer)
        assert isinstance(request.program, Keypair)  # existing_program() checked it
        instructions = deploy_with_max_data_len(
            self.authority,
            request.program_id,
            self.buffer,
            self.authority,
            program_lamports=await _rent(self.client, PROGRAM_ACCOUNT_SIZE),
            max_data_len=request.max_data_len or 2 * len(request.so),
        )
        return await _send(
            self.client, "DeployWithMaxDataLen", instructions, self.payer, [request.program]
        )


async def deploy_program(
    client: SessionsClient,
    payer: Keypair,
    request: DeployRequest,
    progress: DeployProgress | None = None,
) -> DeployReport:
    """Deploy or upgrade ``request.so`` at ``request.program_id``; resumes a partly written buffer.

    ``payer`` pays for everything and is (or becomes) the upgrade authority.
    Raises OperatorError for anything refused, the client's errors for RPC faults.
    """
    progress = progress or NoProgress()
    run = _Deployment(client, payer, request)
    extend_by = await run.existing_program()
    upgrade = extend_by is not None
    contents = await run.buffer_contents()
    await run.check_balance(extend_by, buffer_exists=contents is not None)
    if contents is None:
        contents = await run.create_buffer()
    offsets = missing_chunks(contents, request.so, run.chunk)
    total = len(chunk_offsets(len(request.so), run.chunk))
    progress.begin(total, total - len(offsets))
    await run.write(offsets, progress)
    left = await run.buffer_contents()
    if left is None:
        raise OperatorError(f"buffer {run.buffer} disappeared while it was being written")
    still_missing = missing_chunks(left, request.so, run.chunk)
    if still_missing:
        raise OperatorError(
            f"buffer {run.buffer} still differs from the program in {len(still_missing)} "
            "chunk(s) after writing: run the same command again to resume"
        )
    if extend_by:
        await run.extend(extend_by)
    result = await run.finish(upgrade)
    return DeployReport(
        program_id=request.program_id,
        slot=result.slot,
        signature=result.signature,
        upgraded=upgrade,
        extended_by=extend_by or 0,
        buffer=run.buffer,
        chunks=total,
        written=len(offsets),
        present=total - len(offsets),
    )
