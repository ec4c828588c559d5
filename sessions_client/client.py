"""An async client for the sessions program on any Solana JSON-RPC endpoint.

:class:`SessionsClient` wraps solana-py's ``AsyncClient``. Each instruction has a
method that builds it with :mod:`sessions_client.instructions`, signs, sends,
waits for the configured commitment and returns a :class:`TransactionResult`
(signature, slot, compute units, fee, decoded events, logs). Reads decode
Session accounts strictly; listings use getProgramAccounts with a ``dataSize``
filter, a discriminator ``memcmp`` and ``memcmp`` filters on the requested
fields, all at offsets taken from the layout.

Errors are typed: the program's rejections raise
:class:`~sessions_client.errors.SessionsProgramError` (from the preflight
simulation or from the confirmed transaction), other failed transactions
:class:`~sessions_client.exceptions.TransactionFailedError`, and RPC faults the
:class:`~sessions_client.exceptions.RpcError` family. Timeouts and transport
errors are retried ``retries`` times; nothing else is.

Example::

    async with SessionsClient("http://127.0.0.1:8899") as client:
        created = await client.create_session(owner, 1, params)
        await client.activate_session(owner, created.session)
        session = await client.get_session(created.session)
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

from solana.rpc.async_api import AsyncClient
from solders.account import Account
from solders.account_decoder import UiAccountEncoding
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import (
    RpcAccountInfoConfig,
    RpcContextConfig,
    RpcProgramAccountsConfig,
    RpcRequestAirdropConfig,
    RpcSendTransactionConfig,
)
from solders.rpc.filter import Memcmp
from solders.rpc.requests import (
    GetAccountInfo,
    GetBalance,
    GetBlockTime,
    GetLatestBlockhash,
    GetMultipleAccounts,
    GetProgramAccounts,
    RequestAirdrop,
    SendRawTransaction,
)
from solders.rpc.responses import (
    GetAccountInfoResp,
    GetBalanceResp,
    GetBlockTimeResp,
    GetLatestBlockhashResp,
    GetMultipleAccountsResp,
    GetProgramAccountsResp,
    GetProgramAccountsWithContextResp,
    RequestAirdropResp,
    SendTransactionResp,
)
from solders.signature import Signature
from solders.transaction import Transaction

from sessions_client import instructions as ix
from sessions_client.accounts import (
    SESSION_ACCOUNT_SIZE,
    SESSION_DISCRIMINATOR,
    decode_session,
    session_account_offset,
)
from sessions_client.confirm import (
    ConfirmedTransaction,
    get_transaction,
    is_already_processed,
    preflight_failure,
    transaction_failure,
    wait_for_signature,
    wait_for_transaction,
)
from sessions_client.constants import (
    DEFAULT_INSTRUCTION_COMPUTE_UNITS,
    MAX_TRANSACTION_COMPUTE_UNITS,
    PROGRAM_ID,
)
from sessions_client.errors import ErrorCode, SessionsProgramError
from sessions_client.events import Event, parse_events
from sessions_client.exceptions import (
    AccountNotFoundError,
    DecodeError,
    DuplicateAccountError,
    MalformedRpcResponseError,
    RpcResponseError,
)
from sessions_client.execute import execute_instruction
from sessions_client.pda import find_session_address, session_id_with_bump
from sessions_client.refusals import (
    ClusterTime,
    QuotaExceededError,
    explain_guard_rejection,
    explain_quota,
)
from sessions_client.rpc import (
    Commitment,
    ResponseT,
    RpcCaller,
    RpcRequestBody,
    check_commitment,
    commitment_level,
    solders_read,
)
from sessions_client.types import (
    ON_CHAIN_STATUSES,
    Guard,
    ResourceQuotas,
    Session,
    SessionParams,
    SessionStatus,
)

#: getMultipleAccounts accepts at most this many addresses per call.
MAX_MULTIPLE_ACCOUNTS: Final = 100
#: getProgramAccounts accepts at most this many filters.
MAX_FILTERS: Final = 4

#: Account-data offsets of the fields sessions are listed by.
OWNER_OFFSET: Final = session_account_offset("owner")
STATUS_OFFSET: Final = session_account_offset("status")
BOUND_TO_OFFSET: Final = session_account_offset("bound_to")
CREATOR_OFFSET: Final = session_account_offset("creator")


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """A confirmed, successful transaction."""

    signature: Signature
    slot: int
    #: Compute units the transaction consumed (getTransaction ``meta.computeUnitsConsumed``).
    compute_units: int | None
    fee: int
    events: tuple[Event, ...]
    logs: tuple[str, ...]
    #: The session the instruction acted on, when there is one.
    session: Pubkey | None = None


@dataclass(frozen=True, slots=True)
class SessionAccount:
    """A Session with its address, as listings return them."""

    address: Pubkey
    session: Session


@dataclass(frozen=True, slots=True)
class _FieldFilter:
    name: str
    offset: int
    expected: bytes

    def matches(self, data: bytes) -> bool:
        return data[self.offset : self.offset + len(self.expected)] == self.expected

    def to_filter(self) -> Memcmp:
        return Memcmp(self.offset, self.expected)


class SessionsClient:
    """Async client for the sessions program over JSON-RPC.

    ``rpc`` is an endpoint URL or an ``AsyncClient`` (which is then not closed by
    :meth:`close`). ``timeout`` bounds each RPC attempt, ``retries`` is how many
    more attempts a timed-out or unreachable call gets, ``confirm_timeout``
    bounds the wait for a transaction to reach ``commitment``.
    """

    def __init__(
        self,
        rpc: str | AsyncClient,
        *,
        program_id: Pubkey = PROGRAM_ID,
        commitment: str = "confirmed",
        retries: int = 2,
        timeout: float = 10.0,
        retry_backoff: float = 0.2,
        confirm_timeout: float = 60.0,
        poll_interval: float = 0.05,
        skip_preflight: bool = False,
    ) -> None:
        self.commitment: Commitment = check_commitment(commitment)
        if isinstance(rpc, AsyncClient):
            self._client = rpc
            self._owns_client = False
        else:
            # Our own retry loop decides about retries; the provider's would multiply them.
            self._client = AsyncClient(rpc, timeout=timeout, max_transport_retries=0)
            self._owns_client = True
        self.program_id = program_id
        self.confirm_timeout = confirm_timeout
        self.poll_interval = poll_interval
        self.skip_preflight = skip_preflight
        self._rpc = RpcCaller(
            self._client, timeout=timeout, retries=retries, retry_backoff=retry_backoff
        )

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def rpc_client(self) -> AsyncClient:
        """The underlying solana-py client."""
        return self._client

    async def close(self) -> None:
        """Close the HTTP connections, if this client opened them."""
        if self._owns_client:
            await self._client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _context_config(self) -> RpcContextConfig:
        return RpcContextConfig(commitment_level(self.commitment))

    def account_config(self) -> RpcAccountInfoConfig:
        """Account reads: base64 data at the client's commitment."""
        return RpcAccountInfoConfig(
            UiAccountEncoding.Base64, commitment=commitment_level(self.commitment)
        )

    async def request(self, request: RpcRequestBody, response_type: type[ResponseT]) -> ResponseT:
        """A solders typed request, its answer read as solders' ``response_type``, with
        this client's timeout, retries and typed errors (for methods the client has no
        method for, e.g. the operator tools' getMinimumBalanceForRentExemption)."""
        return await self._rpc.send(request, response_type)

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        """A raw JSON-RPC call (the untyped ``result``) with this client's timeout,
        retries and typed errors, for methods solders has no typed request for."""
        return await self._rpc.call(method, params)

    # -- instructions ------------------------------------------------------------------------

    async def create_session(
        self,
        owner: Keypair,
        session_id: int | None,
        params: SessionParams,
        *,
        payer: Keypair | None = None,
    ) -> TransactionResult:
        """Create a session in Created for ``owner`` (who signs and pays the rent).

        With ``session_id=None`` a fresh random id whose canonical bump is 255
        (the cheapest to verify) is chosen; the address is in the result.
        """
        creator = owner.pubkey()
        if session_id is None:
            session_id = self.new_session_id(creator)
        address, bump = find_session_address(creator, session_id, self.program_id)
        instruction = ix.create_session(
            creator, session_id, params, bump=bump, session=address, program_id=self.program_id
        )
        return await self.send([instruction], [owner], payer=payer, session=address)

    async def request_session(
        self,
        requester: Keypair,
        owner: Pubkey,
        session_id: int | None,
        params: SessionParams,
        request_ttl: int,
        *,
        payer: Keypair | None = None,
    ) -> TransactionResult:
        """A dapp (``requester``, paying rent) asks ``owner`` for a session; Requested state."""
        creator = requester.pubkey()
        if session_id is None:
            session_id = self.new_session_id(creator)
        address, bump = find_session_address(creator, session_id, self.program_id)
        instruction = ix.request_session(
            creator,
            owner,
            session_id,
            params,
            request_ttl,
            bump=bump,
            session=address,
            program_id=self.program_id,
        )
        return await self.send([instruction], [requester], payer=payer, session=address)

    async def approve_session(
        self, owner: Keypair, session: Pubkey, *, payer: Keypair | None = None
    ) -> TransactionResult:
        """Requested -> Created, signed by the requested owner."""
        instruction = ix.approve_session(owner.pubkey(), session, program_id=self.program_id)
        return await self.send([instruction], [owner], payer=payer, session=session)

    async def activate_session(
        self, owner: Keypair, session: Pubkey, *, payer: Keypair | None = None
    ) -> TransactionResult:
        """Created -> Active."""
        instruction = ix.activate_session(owner.pubkey(), session, program_id=self.program_id)
        return await self.send([instruction], [owner], payer=payer, session=session)

    async def pause_session(
        self, owner: Keypair, session: Pubkey, *, payer: Keypair | None = None
    ) -> TransactionResult:
        """Active -> Paused."""
        instruction = ix.pause_session(owner.pubkey(), session, program_id=self.program_id)
        return await self.send([instruction], [owner], payer=payer, session=session)

    async def resume_session(
        self, owner: Keypair, session: Pubkey, *, payer: Keypair | None = None
    ) -> TransactionResult:
        """Paused -> Active (if not expired)."""
        instruction = ix.resume_session(owner.pubkey(), session, program_id=self.program_id)
        return await self.send([instruction], [owner], payer=payer, session=session)

    async def _closing_parties(
        self, session: Pubkey, creator: Pubkey | None, owner: Pubkey | None
    ) -> tuple[Pubkey, Pubkey]:
        """The rent receiver (creator) and the receiver of the signer's SOL (owner) of a
        close, read from the account when not both are given."""
        if creator is None or owner is None:
            stored = await self.get_session(session)
            creator = stored.creator if creator is None else creator
            owner = stored.owner if owner is None else owner
        return creator, owner

    async def expire_session(
        self,
        session: Pubkey,
        *,
        payer: Keypair,
        creator: Pubkey | None = None,
        owner: Pubkey | None = None,
    ) -> TransactionResult:
        """Move an expired session (or a timed-out request) to its end state; anyone may.

        ``creator`` (the rent receiver) and ``owner`` (who receives what the session signer
        holds, if this closes the session) are read from the account when not given.
        """
        creator, owner = await self._closing_parties(session, creator, owner)
        instruction = ix.expire_session(session, creator, owner, program_id=self.program_id)
        return await self.send([instruction], [payer], session=session)

    async def close_session(
        self,
        authority: Keypair,
        session: Pubkey,
        *,
        creator: Pubkey | None = None,
        owner: Pubkey | None = None,
        payer: Keypair | None = None,
    ) -> TransactionResult:
        """Close the account: its rent goes back to the creator, what the session signer holds
        in SOL to the owner (both read from the account when not given)."""
        creator, owner = await self._closing_parties(session, creator, owner)
        instruction = ix.close_session(
            authority.pubkey(), session, creator, owner, program_id=self.program_id
        )
        return await self.send([instruction], [authority], payer=payer, session=session)

    async def execute(
        self,
        session: Pubkey,
        instructions: Sequence[Instruction],
        *,
        signer: Keypair,
        extra_signers: Sequence[Keypair] = (),
        compute_unit_limit: int | None = None,
        payer: Keypair | None = None,
    ) -> TransactionResult:
        """Perform ordinary solders ``instructions`` as ``session``'s signer, by ``execute``.

        ``signer`` is the authority: the owner, or a key the session's guard admits. Any
        account the instructions mark as signer must be the session signer
        (:func:`~sessions_client.pda.find_signer_address`) or one of ``extra_signers``.
        ``compute_unit_limit`` prepends SetComputeUnitLimit: the session's compute quota is
        charged the transaction's compute-unit limit (without one, the runtime's default
        for this transaction of one execute: 200,000).
        Refusals raise SessionsProgramError whose ``code`` names the check (GuardRejected,
        CallerNotAdmitted, AuthorityChanged, ...); QuotaExceeded raises QuotaExceededError,
        whose ``use`` names the quota crossed, its limit and what was used; GuardRejected
        raises GuardRejectedError, whose ``explanation`` names the refusing predicates as
        evaluated on what the client knows (the session read after the refusal, the inner
        instructions, the caller, :meth:`cluster_time`; spend is unknown off-chain).
        """
        executed = execute_instruction(
            signer.pubkey(), session, list(instructions), program_id=self.program_id
        )
        ixs = [executed]
        charge = DEFAULT_INSTRUCTION_COMPUTE_UNITS
        if compute_unit_limit is not None:
            ixs.insert(0, set_compute_unit_limit(compute_unit_limit))
            charge = min(compute_unit_limit, MAX_TRANSACTION_COMPUTE_UNITS)
        try:
            return await self.send(ixs, [signer, *extra_signers], payer=payer, session=session)
        except SessionsProgramError as refused:
            if refused.code is ErrorCode.GUARD_REJECTED:
                time = await self.cluster_time()
                before = await self.get_session(session)  # the refused transaction changed nothing
                raise explain_guard_rejection(
                    before, signer.pubkey(), instructions, time, refused.logs
                ) from refused
            if refused.code is not ErrorCode.QUOTA_EXCEEDED:
                raise
            before = await self.get_session(session)  # the refused transaction changed nothing
            raise QuotaExceededError(explain_quota(before, charge), refused.logs) from refused

    async def update_permissions(
        self, authority: Keypair, session: Pubkey, permissions: int
    ) -> TransactionResult:
        """The owner of a Paused session sets them; anyone admitted may drop bits."""
        instruction = ix.update_permissions(
            authority.pubkey(), session, permissions, program_id=self.program_id
        )
        return await self.send([instruction], [authority], session=session)

    async def update_quotas(
        self, authority: Keypair, session: Pubkey, quotas: ResourceQuotas
    ) -> TransactionResult:
        """The owner of a Paused session sets them; anyone admitted may lower them."""
        instruction = ix.update_quotas(
            authority.pubkey(), session, quotas, program_id=self.program_id
        )
        return await self.send([instruction], [authority], session=session)

    async def update_guard(
        self, authority: Keypair, session: Pubkey, guard: Guard
    ) -> TransactionResult:
        """The owner of a Paused session replaces it; anyone admitted narrows it (AND)."""
        instruction = ix.update_guard(
            authority.pubkey(), session, guard, program_id=self.program_id
        )
        return await self.send([instruction], [authority], session=session)

    def new_session_id(self, creator: Pubkey) -> int:
        """A random unused-looking id for ``creator`` whose canonical bump and whose signer's are
        255 (the cheapest to create, to execute first and to close)."""
        return session_id_with_bump(
            creator, 255, secrets.randbits(62), self.program_id, signer_bump=255
        )

    # -- transactions ------------------------------------------------------------------------

    async def send(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair],
        *,
        payer: Keypair | None = None,
        session: Pubkey | None = None,
    ) -> TransactionResult:
        """Sign (``payer``, else the first signer, pays the fee), send, confirm, decode.

        Raises SessionsProgramError when the sessions program rejects an
        instruction, TransactionFailedError for any other failure.
        """
        if not signers and payer is None:
            raise ValueError("a transaction needs at least one signer")
        fee_payer = payer or signers[0]
        others = [s for s in signers if s.pubkey() != fee_payer.pubkey()]
        blockhash = await self.latest_blockhash()
        message = Message(list(instructions), fee_payer.pubkey())
        transaction = Transaction([fee_payer, *others], message, blockhash)
        signature = transaction.signatures[0]
        await self._send_raw(bytes(transaction), instructions)
        status_err = await wait_for_signature(
            self._rpc,
            signature,
            self.commitment,
            timeout=self.confirm_timeout,
            poll_interval=self.poll_interval,
        )
        record = await wait_for_transaction(
            self._rpc,
            signature,
            self.commitment,
            timeout=self.confirm_timeout,
            poll_interval=self.poll_interval,
        )
        err = record.err if record.err is not None else status_err
        if err is not None:
            raise transaction_failure(
                err, record.logs, instructions, self.program_id, f"transaction {signature} failed"
            )
        return TransactionResult(
            signature=signature,
            slot=record.slot,
            compute_units=record.compute_units,
            fee=record.fee,
            events=tuple(parse_events(record.logs, self.program_id)),
            logs=record.logs,
            session=session,
        )

    async def _send_raw(self, wire: bytes, instructions: Sequence[Instruction]) -> None:
        config = RpcSendTransactionConfig(
            skip_preflight=self.skip_preflight,
            preflight_commitment=commitment_level(self.commitment),
        )
        try:
            await self._rpc.send(SendRawTransaction(wire, config), SendTransactionResp)
        except RpcResponseError as exc:
            if is_already_processed(exc):
                # A retried send whose first attempt landed: same signed bytes, same signature.
                return
            failure = preflight_failure(exc, instructions, self.program_id)
            if failure is not None:
                raise failure from exc
            raise

    async def latest_blockhash(self) -> Hash:
        answer = await self._rpc.send(
            GetLatestBlockhash(self._context_config()), GetLatestBlockhashResp
        )
        return solders_read(
            lambda: answer.value.blockhash, "getLatestBlockhash result.value.blockhash"
        )

    async def cluster_time(self) -> ClusterTime:
        """The cluster's unix time now: getBlockTime of the latest blockhash's context slot.

        A refused transaction leaves no block time of its own (a preflight failure is not in
        any block), so this is read after the refusal and can be later than the clock the
        program saw; the source string says which slot. None when the endpoint has no time.
        """
        answer = await self._rpc.send(
            GetLatestBlockhash(self._context_config()), GetLatestBlockhashResp
        )
        slot = solders_read(lambda: answer.context.slot, "getLatestBlockhash result.context")
        source = f"getBlockTime of slot {slot} (the latest blockhash's context, after the refusal)"
        try:
            timed = await self._rpc.send(GetBlockTime(slot), GetBlockTimeResp)
        except RpcResponseError as exc:
            return ClusterTime(None, f"unknown: {source} failed: {exc.rpc_message}")
        if timed.value is None:
            return ClusterTime(None, f"unknown: {source} answered null")
        return ClusterTime(timed.value, source)

    async def get_transaction(self, signature: Signature) -> ConfirmedTransaction:
        """The transaction's slot, error, logs, compute units and fee."""
        return await get_transaction(self._rpc, signature, self.commitment)

    async def get_events(self, signature: Signature) -> tuple[Event, ...]:
        """The sessions events a transaction emitted, parsed from its logs."""
        record = await self.get_transaction(signature)
        return tuple(parse_events(record.logs, self.program_id))

    async def airdrop(self, address: Pubkey, lamports: int) -> Signature:
        """requestAirdrop and wait for it to reach the commitment (localnets, devnet)."""
        config = RpcRequestAirdropConfig(commitment=commitment_level(self.commitment))
        answer = await self._rpc.send(RequestAirdrop(address, lamports, config), RequestAirdropResp)
        signature = answer.value
        err = await wait_for_signature(
            self._rpc,
            signature,
            self.commitment,
            timeout=self.confirm_timeout,
            poll_interval=self.poll_interval,
        )
        if err is not None:
            raise transaction_failure(err, (), (), self.program_id, f"airdrop {signature} failed")
        return signature

    async def get_balance(self, address: Pubkey) -> int:
        answer = await self._rpc.send(GetBalance(address, self._context_config()), GetBalanceResp)
        return answer.value

    # -- reads -------------------------------------------------------------------------------

    def _account_data(self, address: Pubkey, account: Account) -> bytes:
        """The data of an account, refusing accounts of other programs."""
        if account.owner != self.program_id:
            raise DecodeError(
                f"account {address} is owned by {account.owner}, "
                f"not the sessions program {self.program_id}"
            )
        return account.data

    def _decode_account(self, address: Pubkey, account: Account) -> Session:
        data = self._account_data(address, account)
        return decode_session(data, address=address, program_id=self.program_id)

    async def load_session(self, address: Pubkey) -> Session | None:
        """The decoded Session at ``address``, or None when no account exists there."""
        answer = await self._rpc.send(
            GetAccountInfo(address, self.account_config()), GetAccountInfoResp
        )
        if answer.value is None:
            return None
        return self._decode_account(address, answer.value)

    async def get_session(self, address: Pubkey) -> Session:
        """The decoded Session at ``address``.

        Raises AccountNotFoundError when there is no account, DecodeError when the
        account is not a Session of this program.
        """
        session = await self.load_session(address)
        if session is None:
            raise AccountNotFoundError(f"no session account at {address}")
        return session

    async def get_sessions(self, addresses: Sequence[Pubkey]) -> list[Session | None]:
        """Sessions at ``addresses``, in order, None for missing accounts (getMultipleAccounts)."""
        out: list[Session | None] = []
        for start in range(0, len(addresses), MAX_MULTIPLE_ACCOUNTS):
            chunk = addresses[start : start + MAX_MULTIPLE_ACCOUNTS]
            answer = await self._rpc.send(
                GetMultipleAccounts(list(chunk), self.account_config()), GetMultipleAccountsResp
            )
            values = answer.value
            if len(values) != len(chunk):
                raise MalformedRpcResponseError(
                    f"getMultipleAccounts result.value: asked for {len(chunk)} accounts, "
                    f"got {len(values)}"
                )
            for address, value in zip(chunk, values, strict=True):
                out.append(None if value is None else self._decode_account(address, value))
        return out

    async def list_sessions(
        self,
        *,
        owner: Pubkey | None = None,
        status: SessionStatus | None = None,
        bound_to: Pubkey | None = None,
        creator: Pubkey | None = None,
    ) -> list[SessionAccount]:
        """Every Session matching all the given fields (getProgramAccounts), sorted by address.

        The endpoint filters by data size, discriminator and up to two fields;
        any further field is checked here. Every returned account is decoded
        and re-checked, so an endpoint that ignores filters cannot slip a
        foreign account in.
        """
        wanted: list[_FieldFilter] = []
        if owner is not None:
            wanted.append(_FieldFilter("owner", OWNER_OFFSET, bytes(owner)))
        if status is not None:
            if status not in ON_CHAIN_STATUSES:
                raise ValueError(f"{status.name} is never stored on chain; nothing can match it")
            wanted.append(_FieldFilter("status", STATUS_OFFSET, bytes([int(status)])))
        if bound_to is not None:
            wanted.append(_FieldFilter("bound_to", BOUND_TO_OFFSET, bytes(bound_to)))
        if creator is not None:
            wanted.append(_FieldFilter("creator", CREATOR_OFFSET, bytes(creator)))
        server_side = wanted[: MAX_FILTERS - 2]
        filters: list[int | Memcmp] = [
            SESSION_ACCOUNT_SIZE,  # dataSize
            Memcmp(0, SESSION_DISCRIMINATOR),
            *(f.to_filter() for f in server_side),
        ]
        config = RpcProgramAccountsConfig(self.account_config(), filters)
        # A plain list, as asked; an endpoint that adds the context is read too.
        answer = await self._rpc.send_either(
            GetProgramAccounts(self.program_id, config),
            GetProgramAccountsResp,
            GetProgramAccountsWithContextResp,
        )
        where = "getProgramAccounts result"
        found: list[SessionAccount] = []
        seen: dict[Pubkey, int] = {}
        for index, entry in enumerate(answer.value):
            address = entry.pubkey
            if address in seen:
                raise DuplicateAccountError(
                    f"{where}[{index}]", address, f"{where}[{seen[address]}]"
                )
            seen[address] = index
            data = self._account_data(address, entry.account)
            unmatched = [f.name for f in server_side if not f.matches(data)]
            if unmatched:
                raise MalformedRpcResponseError(
                    f"{where}[{index}]: account {address} does not match the requested "
                    f"{', '.join(unmatched)} filter"
                )
            if not all(f.matches(data) for f in wanted):
                continue
            try:
                session = decode_session(data, address=address, program_id=self.program_id)
            except DecodeError as exc:
                exc.add_note(f"in {where}[{index}] ({address})")
                raise
            found.append(SessionAccount(address, session))
        found.sort(key=lambda item: bytes(item.address))
        return found

    async def sessions_by_owner(self, owner: Pubkey) -> list[SessionAccount]:
        return await self.list_sessions(owner=owner)

    async def sessions_by_status(self, status: SessionStatus) -> list[SessionAccount]:
        return await self.list_sessions(status=status)

    async def sessions_by_parent(self, parent: Pubkey) -> list[SessionAccount]:
        """Child sessions bound to ``parent`` (their ``bound_to`` field)."""
        return await self.list_sessions(bound_to=parent)
