"""One LiteSVM made to look like a single-node validator.

LiteSVM executes transactions but has no notion of blocks, history or time.
The ledger adds what RPC clients rely on:

* every landed transaction closes a slot: the slot and block height move on,
  a fresh blockhash is issued and the Clock sysvar advances 400 ms, so
  blockhashes expire and programs reading the clock see time pass;
* blockhashes stay valid for 150 blocks like on a validator (LiteSVM alone
  only accepts the very latest one, which breaks clients that reuse one);
* a transaction history (status, logs, balances, block time) for
  getTransaction, getSignatureStatuses and getSignaturesForAddress;
* a faucet account for requestAirdrop.

LiteSVM is not thread-safe and several ledger operations are read-modify-write,
so every public coroutine holds one asyncio lock. Nothing awaits while holding
it, which keeps each RPC call atomic with respect to the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTable
from solders.clock import Clock
from solders.epoch_schedule import EpochSchedule
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import (
    FailedTransactionMetadata,
    InnerInstruction,
    SimulatedTransactionInfo,
    TransactionMetadata,
)
from solders.transaction_status import (
    TransactionErrorFieldless,
    TransactionErrorType,
    TransactionReturnData,
)

from sessions_tools.localnet.block_store import Block, BlockStore
from sessions_tools.localnet.config import (
    SYSTEM_PROGRAM_ID,
    ClockConfig,
    LocalnetConfig,
    LocalnetConfigError,
)
from sessions_tools.localnet.fees import fee_for_message
from sessions_tools.localnet.nonce import nonce_account_address, nonce_vouches
from sessions_tools.localnet.transactions import LoadedAddresses, with_blockhash

NATIVE_LOADER_ID: Final = Pubkey.from_string("NativeLoader1111111111111111111111111111111")
SYSVAR_OWNER_ID: Final = Pubkey.from_string("Sysvar1111111111111111111111111111111111111")
MAX_PROCESSING_AGE: Final = 150
"""Blocks a blockhash stays usable for, as on mainnet."""
MS_PER_SLOT: Final = 400
MAX_SLOT_HASHES: Final = 512
FAUCET_LAMPORTS: Final = 500_000_000 * 1_000_000_000
T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainState:
    """The head of the chain at one instant; every field is consistent with the others."""

    slot: int
    block_height: int
    blockhash: Hash
    last_valid_block_height: int
    unix_timestamp: int
    epoch: int
    slot_index: int
    slots_in_epoch: int
    transaction_count: int


@dataclass(frozen=True)
class Execution:
    """What running a transaction produced, whether it succeeded or not."""

    err: TransactionErrorType | None
    logs: tuple[str, ...]
    compute_units_consumed: int
    fee: int
    return_data: TransactionReturnData | None
    inner_instructions: tuple[tuple[InnerInstruction, ...], ...]

    @classmethod
    def from_metadata(
        cls, meta: TransactionMetadata, err: TransactionErrorType | None
    ) -> Execution:
        """Copy LiteSVM's metadata; empty return data means "none", as on a validator."""
        return_data = meta.return_data()
        return cls(
            err=err,
            logs=tuple(meta.logs()),
            compute_units_consumed=meta.compute_units_consumed(),
            fee=meta.fee(),
            return_data=return_data if bytes(return_data.data) else None,
            inner_instructions=tuple(tuple(group) for group in meta.inner_instructions()),
        )

    @classmethod
    def rejected(cls, err: TransactionErrorType) -> Execution:
        """A transaction refused before it ran (bad blockhash, duplicate)."""
        return cls(
            err=err,
            logs=(),
            compute_units_consumed=0,
            fee=0,
            return_data=None,
            inner_instructions=(),
        )


@dataclass(frozen=True)
class TransactionRecord:
    """A landed transaction (successful or failed), as getTransaction reports it."""

    signature: Signature
    transaction: VersionedTransaction
    slot: int
    block_time: int
    loaded: LoadedAddresses
    pre_balances: tuple[int, ...]
    post_balances: tuple[int, ...]
    execution: Execution


@dataclass(frozen=True)
class Simulation:
    """A simulateTransaction (or preflight) result; nothing was committed."""

    slot: int
    execution: Execution
    accounts: tuple[tuple[Pubkey, Account | None], ...]
    replacement_blockhash: tuple[Hash, int] | None
    loaded: LoadedAddresses
    pre_balances: tuple[int, ...]
    post_balances: tuple[int, ...] | None
    executed: bool
    """False when the transaction was refused before running (fee and balances unknown)."""


@dataclass(frozen=True)
class SendResult:
    """The outcome of sendTransaction.

    Exactly one situation holds: ``bad_signature`` (preflight refused the
    signatures), ``preflight_failure`` (preflight simulation failed), a
    ``record`` (the transaction landed, maybe with an error) or neither (it
    was dropped, as a validator silently drops an unloadable transaction).
    """

    signature: Signature
    record: TransactionRecord | None = None
    preflight_failure: Simulation | None = None
    bad_signature: bool = False


@dataclass(frozen=True)
class BlockEvent:
    """Emitted to listeners when a block closes: the new head and what changed in it."""

    slot: int
    parent: int
    record: TransactionRecord | None
    accounts: tuple[tuple[Pubkey, Account | None], ...]


BlockListener = Callable[[BlockEvent], None]


@dataclass(frozen=True)
class Observed(Generic[T]):
    """A value together with the slot it was read at (the RPC ``context``)."""

    slot: int
    value: T


class Chain:
    """The local chain behind the RPC server; see the module docstring."""

    def __init__(self, clock: ClockConfig | None = None) -> None:
        clock = clock or ClockConfig()
        self._lock = asyncio.Lock()
        self._svm = LiteSVM().with_blockhash_check(False)
        self._schedule = EpochSchedule.without_warmup()
        self._svm.set_epoch_schedule(self._schedule)
        self._genesis_slot = clock.slot or 0
        self._genesis_time = (
            clock.unix_timestamp if clock.unix_timestamp is not None else int(time.time())
        )
        self._slot = self._genesis_slot
        self._block_height = 0
        self._transaction_count = 0
        self._identity = Keypair()
        self._faucet = Keypair()
        self._svm.set_account(
            self._faucet.pubkey(), Account(FAUCET_LAMPORTS, b"", SYSTEM_PROGRAM_ID)
        )
        self._recent_blockhashes: OrderedDict[Hash, int] = OrderedDict()
        self._slot_hashes: list[tuple[int, Hash]] = []
        self._history: dict[Signature, TransactionRecord] = {}
        self._by_address: dict[Pubkey, list[Signature]] = {}
        self._listeners: list[BlockListener] = []
        self._sync_clock()
        self._genesis_hash = self._svm.latest_blockhash()
        self._blocks = BlockStore(self._genesis_slot, self._genesis_hash)
        self._initial_supply = 0
        self._burned_fees = 0
        self._remember_blockhash(self._genesis_hash)
        self._svm.set_slot_hashes(self._slot_hashes)
        self._initial_supply = self._count_lamports(())

    @classmethod
    def from_config(cls, config: LocalnetConfig) -> Chain:
        """A ledger with the config's clock, programs and accounts loaded."""
        ledger = cls(config.clock)
        for index, program in enumerate(config.programs):
            try:
                ledger._svm.add_program_from_file(program.program_id, program.so_path)
            except Exception as exc:
                raise LocalnetConfigError(
                    f"programs[{index}]",
                    f"LiteSVM could not load {program.name!r} from {program.so_path}: {exc}",
                ) from exc
        for entry in config.accounts:
            ledger._svm.set_account(
                entry.address,
                Account(
                    entry.lamports, entry.data, entry.owner, entry.executable, entry.rent_epoch
                ),
            )
        ledger._initial_supply = ledger._count_lamports(
            tuple(entry.address for entry in config.accounts)
        )
        return ledger

    # ----------------------------------------------------------------- identity

    @property
    def genesis_hash(self) -> Hash:
        """Stands in for the genesis hash: the blockhash the chain started with."""
        return self._genesis_hash

    @property
    def identity(self) -> Pubkey:
        """The node identity reported by getIdentity."""
        return self._identity.pubkey()

    @property
    def genesis_slot(self) -> int:
        """The first slot of this ledger (the oldest block it can report on)."""
        return self._genesis_slot

    @property
    def epoch_schedule(self) -> EpochSchedule:
        """Epoch lengths (no warmup, like a test validator)."""
        return self._schedule

    def block_time(self, slot: int) -> int:
        """Unix time of ``slot``: genesis time plus 400 ms per slot."""
        return self._time_at(slot)

    @property
    def faucet(self) -> Pubkey:
        """The account that funds airdrops (and pays their fees)."""
        return self._faucet.pubkey()

    def add_listener(self, listener: BlockListener) -> Callable[[], None]:
        """Call ``listener`` (on the ledger's loop, inside its lock) whenever a block closes.

        Returns a function that removes it. Listeners must not block: the
        websocket hub only enqueues notifications. A listener that raises is
        logged and skipped: the block has closed, the sender still gets its
        answer and the other listeners still hear of it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -------------------------------------------------------------------- reads

    async def state(self) -> ChainState:
        """A consistent snapshot of the chain head."""
        async with self._lock:
            return self._state()

    async def account(self, address: Pubkey) -> Observed[Account | None]:
        """One account, ``None`` when it does not exist (zero lamports)."""
        async with self._lock:
            return Observed(self._slot, self._get_account(address))

    async def accounts(self, addresses: Sequence[Pubkey]) -> Observed[list[Account | None]]:
        """Several accounts read at the same slot."""
        async with self._lock:
            return Observed(self._slot, [self._get_account(address) for address in addresses])

    async def program_accounts(self, program_id: Pubkey) -> Observed[list[tuple[Pubkey, Account]]]:
        """Every account owned by ``program_id``, sorted by address for stable output."""
        async with self._lock:
            found = [
                (address, account)
                for address, account in self._svm.get_program_accounts(program_id)
                if account.lamports > 0
            ]
            found.sort(key=lambda item: bytes(item[0]))
            return Observed(self._slot, found)

    async def minimum_balance_for_rent_exemption(self, data_len: int) -> int:
        """Lamports an account of ``data_len`` bytes needs to be rent exempt."""
        async with self._lock:
            return self._svm.minimum_balance_for_rent_exemption(data_len)

    async def is_blockhash_valid(self, blockhash: Hash) -> Observed[bool]:
        """Whether a transaction using ``blockhash`` would be accepted now."""
        async with self._lock:
            return Observed(self._slot, self._blockhash_is_valid(blockhash))

    async def fee_for_message(self, message: Message | MessageV0) -> Observed[int | None]:
        """The fee for ``message``, ``None`` when its blockhash has expired (as a validator)."""
        async with self._lock:
            if not self._blockhash_is_valid(message.recent_blockhash):
                return Observed(self._slot, None)
            return Observed(self._slot, fee_for_message(message))

    async def transaction(self, signature: Signature) -> TransactionRecord | None:
        """A landed transaction by signature."""
        async with self._lock:
            return self._history.get(signature)

    async def statuses(
        self, signatures: Sequence[Signature]
    ) -> Observed[list[TransactionRecord | None]]:
        """Records for getSignatureStatuses, read at one slot."""
        async with self._lock:
            return Observed(self._slot, [self._history.get(sig) for sig in signatures])

    async def block(self, slot: int) -> Observed[Block | None]:
        """The block at ``slot`` (``None``: skipped, or not produced yet), read at the head."""
        async with self._lock:
            return Observed(self._slot, self._blocks.get(slot))

    async def block_slots(self, start: int, end: int, limit: int) -> Observed[list[int]]:
        """Slots with a block in ``start..=end`` (at most ``limit``), read at the head."""
        async with self._lock:
            return Observed(self._slot, self._blocks.slots(start, end, limit))

    async def supply(self) -> Observed[int]:
        """Total lamports: everything at genesis less the fees burned since."""
        async with self._lock:
            return Observed(self._slot, self._initial_supply - self._burned_fees)

    async def signatures_for_address(
        self,
        address: Pubkey,
        *,
        limit: int,
        before: Signature | None = None,
        until: Signature | None = None,
    ) -> list[TransactionRecord]:
        """Landed transactions mentioning ``address``, newest first.

        ``before`` starts the search just older than that signature, ``until``
        stops just before reaching that one, as getSignaturesForAddress does.
        """
        async with self._lock:
            newest_first = list(reversed(self._by_address.get(address, [])))
            if before is not None:
                if before not in newest_first:
                    return []
                newest_first = newest_first[newest_first.index(before) + 1 :]
            found: list[TransactionRecord] = []
            for signature in newest_first:
                if signature == until or len(found) >= limit:
                    break
                found.append(self._history[signature])
            return found

    # ------------------------------------------------------------------- writes

    async def airdrop(self, recipient: Pubkey, lamports: int) -> SendResult:
        """Transfer from the faucet in a real, recorded transaction, like a test validator."""
        async with self._lock:
            message = MessageV0.try_compile(
                self._faucet.pubkey(),
                [
                    transfer(
                        TransferParams(
                            from_pubkey=self._faucet.pubkey(),
                            to_pubkey=recipient,
                            lamports=lamports,
                        )
                    )
                ],
                [],
                self._svm.latest_blockhash(),
            )
            tx = VersionedTransaction(message, [self._faucet])
            return self._send(tx, skip_preflight=False)

    async def send(self, transaction: VersionedTransaction, *, skip_preflight: bool) -> SendResult:
        """sendTransaction: optional preflight, then execute and close the slot if it landed."""
        async with self._lock:
            return self._send(transaction, skip_preflight=skip_preflight)

    async def simulate(
        self,
        transaction: VersionedTransaction,
        *,
        replace_recent_blockhash: bool = False,
        account_addresses: Sequence[Pubkey] = (),
    ) -> Simulation:
        """simulateTransaction without signature checks (the caller checks if asked)."""
        async with self._lock:
            return self._simulate(
                transaction,
                replace_recent_blockhash=replace_recent_blockhash,
                account_addresses=account_addresses,
            )

    async def warp_to_slot(self, slot: int) -> ChainState:
        """Jump ahead to ``slot`` (tests of expiry); blockhashes expire as the blocks pass."""
        async with self._lock:
            if slot <= self._slot:
                raise ValueError(f"cannot warp backwards: at slot {self._slot}, asked for {slot}")
            parent = self._slot
            self._advance_slot(slot - self._slot)
            self._emit(BlockEvent(slot=self._slot, parent=parent, record=None, accounts=()))
            return self._state()

    # ---------------------------------------------------------------- internals

    def _state(self) -> ChainState:
        epoch, slot_index = self._schedule.get_epoch_and_slot_index(self._slot)
        blockhash = self._svm.latest_blockhash()
        return ChainState(
            slot=self._slot,
            block_height=self._block_height,
            blockhash=blockhash,
            last_valid_block_height=self._recent_blockhashes.get(blockhash, self._block_height)
            + MAX_PROCESSING_AGE,
            unix_timestamp=self._time_at(self._slot),
            epoch=epoch,
            slot_index=slot_index,
            slots_in_epoch=self._schedule.get_slots_in_epoch(epoch),
            transaction_count=self._transaction_count,
        )

    def _time_at(self, slot: int) -> int:
        return self._genesis_time + (slot - self._genesis_slot) * MS_PER_SLOT // 1000

    def _sync_clock(self) -> None:
        epoch = self._schedule.get_epoch(self._slot)
        epoch_start = max(self._schedule.get_first_slot_in_epoch(epoch), self._genesis_slot)
        self._svm.set_clock(
            Clock(
                slot=self._slot,
                epoch_start_timestamp=self._time_at(epoch_start),
                epoch=epoch,
                leader_schedule_epoch=self._schedule.get_leader_schedule_epoch(self._slot),
                unix_timestamp=self._time_at(self._slot),
            )
        )

    def _remember_blockhash(self, blockhash: Hash) -> None:
        self._recent_blockhashes[blockhash] = self._block_height
        while len(self._recent_blockhashes) > MAX_PROCESSING_AGE + 1:
            self._recent_blockhashes.popitem(last=False)
        self._slot_hashes.insert(0, (self._slot, blockhash))
        del self._slot_hashes[MAX_SLOT_HASHES:]

    def _advance_slot(self, slots: int = 1) -> None:
        """Close the current block: next slot, next blockhash, later clock.

        On long warps only the last blocks get a blockhash of their own: older
        ones would have expired anyway and minting them would make warps O(n).
        """
        skipped = max(0, slots - MAX_SLOT_HASHES)
        self._slot += skipped
        self._block_height += skipped
        for _ in range(slots - skipped):
            self._slot += 1
            self._block_height += 1
            self._svm.expire_blockhash()
            self._remember_blockhash(self._svm.latest_blockhash())
        self._svm.set_slot_hashes(self._slot_hashes)
        self._sync_clock()

    def _blockhash_is_valid(self, blockhash: Hash) -> bool:
        issued_at = self._recent_blockhashes.get(blockhash)
        return issued_at is not None and self._block_height - issued_at <= MAX_PROCESSING_AGE

    def _get_account(self, address: Pubkey) -> Account | None:
        account = self._svm.get_account(address)
        return account if account is not None and account.lamports > 0 else None

    def _balance(self, address: Pubkey) -> int:
        account = self._svm.get_account(address)
        return account.lamports if account is not None else 0

    def _loaded_addresses(self, message: Message | MessageV0) -> LoadedAddresses:
        """Resolve v0 lookups; unresolvable ones are left out (LiteSVM rejects the tx)."""
        if not isinstance(message, MessageV0):
            return LoadedAddresses()
        writable: list[Pubkey] = []
        readonly: list[Pubkey] = []
        for lookup in message.address_table_lookups:
            table = self._svm.get_account(lookup.account_key)
            if table is None:
                return LoadedAddresses()
            try:
                addresses = AddressLookupTable.deserialize(bytes(table.data)).addresses
                writable += [addresses[i] for i in lookup.writable_indexes]
                readonly += [addresses[i] for i in lookup.readonly_indexes]
            except (ValueError, IndexError):
                return LoadedAddresses()
        return LoadedAddresses(tuple(writable), tuple(readonly))

    def _all_keys(self, message: Message | MessageV0, loaded: LoadedAddresses) -> list[Pubkey]:
        return list(message.account_keys) + list(loaded.writable) + list(loaded.readonly)

    def _lifetime_is_valid(self, transaction: VersionedTransaction) -> bool:
        """Recent blockhash within 150 blocks, or a durable nonce that vouches for it."""
        message = transaction.message
        assert isinstance(message, Message | MessageV0)  # decode_transaction refuses v1
        if self._blockhash_is_valid(message.recent_blockhash):
            return True
        keys = self._all_keys(message, self._loaded_addresses(message))
        address = nonce_account_address(message, keys)
        return address is not None and nonce_vouches(self._svm.get_account(address), message)

    def _simulate(
        self,
        transaction: VersionedTransaction,
        *,
        replace_recent_blockhash: bool,
        account_addresses: Sequence[Pubkey],
    ) -> Simulation:
        replacement: tuple[Hash, int] | None = None
        if replace_recent_blockhash:
            latest = self._svm.latest_blockhash()
            transaction = with_blockhash(transaction, latest)
            replacement = (latest, self._recent_blockhashes[latest] + MAX_PROCESSING_AGE)
        message = transaction.message
        assert isinstance(message, Message | MessageV0)  # decode_transaction refuses v1
        loaded = self._loaded_addresses(message)
        keys = self._all_keys(message, loaded)
        pre_balances = tuple(self._balance(key) for key in keys)
        if not self._lifetime_is_valid(transaction):
            return Simulation(
                slot=self._slot,
                execution=Execution.rejected(TransactionErrorFieldless.BlockhashNotFound),
                accounts=tuple((address, None) for address in account_addresses),
                replacement_blockhash=replacement,
                loaded=loaded,
                pre_balances=pre_balances,
                post_balances=None,
                executed=False,
            )
        self._svm.with_sigverify(False)
        try:
            result = self._svm.simulate_transaction(transaction)
        finally:
            self._svm.with_sigverify(True)
        if isinstance(result, SimulatedTransactionInfo):
            execution = Execution.from_metadata(result.meta(), None)
            post = dict(result.post_accounts())
            accounts = tuple(
                (address, post.get(address) or self._get_account(address))
                for address in account_addresses
            )
            post_balances: tuple[int, ...] | None = tuple(
                post[key].lamports if key in post else self._balance(key) for key in keys
            )
        else:
            execution = Execution.from_metadata(result.meta(), result.err())
            accounts = tuple((address, None) for address in account_addresses)
            post_balances = None
        return Simulation(
            slot=self._slot,
            execution=execution,
            accounts=accounts,
            replacement_blockhash=replacement,
            loaded=loaded,
            pre_balances=pre_balances,
            post_balances=post_balances,
            executed=True,
        )

    def _send(self, transaction: VersionedTransaction, *, skip_preflight: bool) -> SendResult:
        signature = transaction.signatures[0]
        if signature in self._history:
            if skip_preflight:
                return SendResult(signature)
            return SendResult(
                signature,
                preflight_failure=Simulation(
                    slot=self._slot,
                    execution=Execution.rejected(TransactionErrorFieldless.AlreadyProcessed),
                    accounts=(),
                    replacement_blockhash=None,
                    loaded=LoadedAddresses(),
                    pre_balances=(),
                    post_balances=None,
                    executed=False,
                ),
            )
        signatures_ok = all(transaction.verify_with_results())
        if not skip_preflight:
            if not signatures_ok:
                return SendResult(signature, bad_signature=True)
            preflight = self._simulate(
                transaction, replace_recent_blockhash=False, account_addresses=()
            )
            if preflight.execution.err is not None:
                return SendResult(signature, preflight_failure=preflight)
        if not signatures_ok or not self._lifetime_is_valid(transaction):
            return SendResult(signature)
        return SendResult(signature, record=self._execute(transaction))

    def _execute(self, transaction: VersionedTransaction) -> TransactionRecord | None:
        message = transaction.message
        assert isinstance(message, Message | MessageV0)  # decode_transaction refuses v1
        signature = transaction.signatures[0]
        loaded = self._loaded_addresses(message)
        keys = self._all_keys(message, loaded)
        pre_balances = tuple(self._balance(key) for key in keys)
        result = self._svm.send_transaction(transaction)
        if isinstance(result, FailedTransactionMetadata):
            if self._svm.get_transaction(signature) is None:
                return None  # not loadable: nothing charged, nothing recorded
            execution = Execution.from_metadata(result.meta(), result.err())
        else:
            execution = Execution.from_metadata(result, None)
        record = TransactionRecord(
            signature=signature,
            transaction=transaction,
            slot=self._slot,
            block_time=self._time_at(self._slot),
            loaded=loaded,
            pre_balances=pre_balances,
            post_balances=tuple(self._balance(key) for key in keys),
            execution=execution,
        )
        self._history[signature] = record
        self._index(signature, keys)
        self._transaction_count += 1
        self._burned_fees += execution.fee  # no leader to pay: the whole fee leaves the supply
        height = self._block_height
        self._advance_slot()
        self._blocks.close(record, blockhash=self._svm.latest_blockhash(), block_height=height)
        changed = tuple((key, self._get_account(key)) for key in dict.fromkeys(keys))
        self._emit(BlockEvent(slot=self._slot, parent=record.slot, record=record, accounts=changed))
        return record

    def _count_lamports(self, extra: Sequence[Pubkey]) -> int:
        """Lamports in every account reachable from the native loader, sysvars and system
        program through the programs that own accounts, plus ``extra`` (preloaded accounts,
        whose owner may be any address); only used at genesis, when nothing else exists."""
        counted: dict[Pubkey, int] = {address: self._balance(address) for address in extra}
        owners = [NATIVE_LOADER_ID, SYSVAR_OWNER_ID, SYSTEM_PROGRAM_ID]
        scanned: set[Pubkey] = set()
        while owners:
            owner = owners.pop()
            if owner in scanned:
                continue
            scanned.add(owner)
            for address, account in self._svm.get_program_accounts(owner):
                counted[address] = account.lamports
                if account.executable:
                    owners.append(address)
        return sum(counted.values())

    def _emit(self, event: BlockEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                _log.exception("block listener %r failed on slot %d", listener, event.slot)

    def _index(self, signature: Signature, keys: Iterable[Pubkey]) -> None:
        for key in dict.fromkeys(keys):
            self._by_address.setdefault(key, []).append(signature)
