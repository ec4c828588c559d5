"""The programs execute's CPIs reach, modelled on the ledger: the system program's Transfer
(and the Assign / Allocate escapes the program refuses afterwards), SPL Token and Token-2022
Transfer, TransferChecked, Approve, ApproveChecked, Revoke and SetAuthority on 165-byte
accounts, and the forwarding test program (tests/program/dapp: its declared effect is to
invoke ``accounts[0]`` with the rest of its accounts, flags as they arrived, no seeds).

Each callee checks what the real one checks, in its order, and fails with a
:class:`CalleeError` naming the runtime's or the program's error (``Custom(1)``,
``MissingRequiredSignature``, ...): the SVM reports those as the transaction's failure, not
as a sessions error code. A program, instruction or account shape the model does not know
raises :class:`~simulator.not_modelled.NotModelledError`: the model never guesses an answer.
Writes go through the ledger, so an open journal (execute's savepoint) takes them back.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey

from sessions_client.borsh import U32, U64
from sessions_client.codec import scalar_struct
from sessions_client.spl_token import (
    OFF_AMOUNT,
    OFF_CLOSE_AUTHORITY,
    OFF_DELEGATE,
    OFF_DELEGATED_AMOUNT,
    OFF_MINT,
    OFF_OWNER,
    OFF_STATE,
    TOKEN_2022_PROGRAM_ID,
    TOKEN_ACCOUNT_SIZE,
    TOKEN_PROGRAM_ID,
)
from simulator.ledger import ForeignAccount, Ledger
from simulator.not_modelled import NotModelledError
from simulator.record import encode_record

_ZERO_KEY: Final = Pubkey.default()
_U32: Final = scalar_struct(U32)
_U64: Final = scalar_struct(U64)
_KEY: Final = 32
#: spl_token::state::AccountState::Frozen
_FROZEN: Final = 2
#: spl_token::state::Mint: 82 bytes, decimals at 44, is_initialized at 45
_MINT_SIZE: Final = 82
_MINT_DECIMALS: Final = 44
_MINT_INITIALIZED: Final = 45
#: spl_token::state::Multisig's size (an authority of that size owned by the token program)
_MULTISIG_SIZE: Final = 355
_OFF_IS_NATIVE: Final = OFF_STATE + 1
#: The runtime's CPI depth limit (invoke stack height 5: a top-level instruction and 4 CPIs).
MAX_STACK_HEIGHT: Final = 5


class Callee(enum.Enum):
    """A program the model runs as a CPI target besides the builtins."""

    #: tests/program/dapp: invoke accounts[0] with accounts[1..] and the same data.
    FORWARDER = "forwarder"


class CalleeError(Exception):
    """A modelled callee failed as the real one does; ``detail`` is the runtime's name of the
    instruction error (``Custom(n)`` for a program's own code)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _custom(code: int) -> CalleeError:
    return CalleeError(f"Custom({code})")


# spl_token::error::TokenError numbers (Token-2022 numbers them the same)
_INSUFFICIENT_FUNDS: Final = 1
_MINT_MISMATCH: Final = 3
_OWNER_MISMATCH: Final = 4
_INVALID_INSTRUCTION: Final = 12
_OVERFLOW: Final = 14
_AUTHORITY_TYPE_NOT_SUPPORTED: Final = 15
_ACCOUNT_FROZEN: Final = 17
_MINT_DECIMALS_MISMATCH: Final = 18


@dataclass(frozen=True, slots=True)
class Meta:
    """One account of a CPI: its key and the privileges the caller grants it."""

    key: Pubkey
    writable: bool
    signer: bool


@dataclass(frozen=True, slots=True)
class Account:
    """What a callee sees of an account."""

    owner: Pubkey
    data: bytes
    lamports: int


@dataclass(frozen=True, slots=True)
class World:
    """The ledger a CPI runs on and the programs it can reach."""

    ledger: Ledger
    program_id: Pubkey
    callees: Mapping[Pubkey, Callee]


def read(world: World, key: Pubkey) -> Account:
    """The account at ``key`` as the runtime presents it (absent: empty system account)."""
    ledger = world.ledger
    record = ledger.sessions.get(key)
    if record is not None:
        return Account(world.program_id, encode_record(record), record.lamports)
    foreign = ledger.foreign.get(key)
    if foreign is not None:
        return Account(foreign.owner, foreign.data, foreign.lamports)
    return Account(_ZERO_KEY, b"", ledger.lamports.get(key, 0))


def _write(world: World, key: Pubkey, account: Account) -> None:
    ledger = world.ledger
    if key in ledger.sessions:
        raise NotModelledError(f"a callee writing the session account {key}")
    if account.owner == _ZERO_KEY and not account.data and key not in ledger.foreign:
        ledger.set_lamports(key, account.lamports)
    else:
        ledger.put_foreign(key, ForeignAccount(account.owner, account.data, account.lamports))


def invoke(world: World, program: Pubkey, metas: Sequence[Meta], data: bytes, height: int) -> None:
    """Run one CPI at invoke stack ``height`` (execute's own CPIs are at 2).

    The runtime deduplicates a CPI's accounts and merges their flags: an account listed
    twice is writable (signing) in every position if any of its metas is."""
    if height > MAX_STACK_HEIGHT:
        raise CalleeError("CallDepth")
    if len({m.key for m in metas}) < len(metas):
        writable = {m.key for m in metas if m.writable}
        signing = {m.key for m in metas if m.signer}
        metas = [Meta(m.key, m.key in writable, m.key in signing) for m in metas]
    if program == _ZERO_KEY:
        _system(world, metas, data)
    elif program in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
        _token(world, program, metas, data)
    elif world.callees.get(program) is Callee.FORWARDER:
        _forward(world, metas, data, height)
    elif program == world.program_id:
        raise NotModelledError("a CPI into the sessions program")
    else:
        raise NotModelledError(f"the model does not know program {program}")


# -- the forwarding test program ---------------------------------------------------------------

_FORWARDER_MAX_ACCOUNTS: Final = 8
_FORWARDER_ERR_ACCOUNTS: Final = 1


def _forward(world: World, metas: Sequence[Meta], data: bytes, height: int) -> None:
    """dapp.c: 1..8 accounts, then invoke accounts[0] with the others as they arrived."""
    if not 1 <= len(metas) <= _FORWARDER_MAX_ACCOUNTS:
        raise _custom(_FORWARDER_ERR_ACCOUNTS)
    target = metas[0].key
    if target == world.program_id:
        raise CalleeError("ReentrancyNotAllowed")
    invoke(world, target, metas[1:], data, height + 1)


# -- the system program ------------------------------------------------------------------------

_SYSTEM_ASSIGN: Final = 1
_SYSTEM_TRANSFER: Final = 2
_SYSTEM_ALLOCATE: Final = 8
_TAG: Final = 4
#: SystemError::ResultWithNegativeLamports
_RESULT_WITH_NEGATIVE_LAMPORTS: Final = 1
_MAX_PERMITTED_DATA_LENGTH: Final = 10 * 1024 * 1024


def _accounts(metas: Sequence[Meta], n: int) -> None:
    if len(metas) < n:
        raise CalleeError("NotEnoughAccountKeys")


def _set_lamports(world: World, meta: Meta, account: Account, lamports: int) -> Account:
    """BorrowedAccount::set_lamports as the system program (the account's owner) calls it."""
    if account.owner != _ZERO_KEY and lamports < account.lamports:
        raise CalleeError("ExternalAccountLamportSpend")
    if not meta.writable:
        raise CalleeError("ReadonlyLamportChange")
    if world.callees.get(meta.key) is not None or meta.key in (
        TOKEN_PROGRAM_ID,
        TOKEN_2022_PROGRAM_ID,
    ):
        raise CalleeError("ExecutableLamportChange")
    if lamports == account.lamports:
        return account
    changed = Account(account.owner, account.data, lamports)
    _write(world, meta.key, changed)
    return changed


def _system(world: World, metas: Sequence[Meta], data: bytes) -> None:
    if len(data) < _TAG:
        raise CalleeError("InvalidInstructionData")
    tag = _U32.unpack_from(data, 0)[0]
    if tag == _SYSTEM_TRANSFER:
        if len(data) < _TAG + 8:
            raise CalleeError("InvalidInstructionData")
        lamports = _U64.unpack_from(data, _TAG)[0]
        _accounts(metas, 2)
        source, dest = metas[0], metas[1]
        if not source.signer:
            raise CalleeError("MissingRequiredSignature")
        account = read(world, source.key)
        if account.data:
            raise CalleeError("InvalidArgument")
        if lamports > account.lamports:
            raise _custom(_RESULT_WITH_NEGATIVE_LAMPORTS)
        _set_lamports(world, source, account, account.lamports - lamports)
        target = read(world, dest.key)
        _set_lamports(world, dest, target, target.lamports + lamports)
    elif tag == _SYSTEM_ASSIGN:
        if len(data) < _TAG + _KEY:
            raise CalleeError("InvalidInstructionData")
        owner = Pubkey.from_bytes(data[_TAG : _TAG + _KEY])
        _accounts(metas, 1)
        meta = metas[0]
        account = read(world, meta.key)
        if account.owner == owner:
            return
        if not meta.signer:
            raise CalleeError("MissingRequiredSignature")
        if not meta.writable or any(account.data):  # BorrowedAccount::set_owner
            raise CalleeError("ModifiedProgramId")
        _write(world, meta.key, Account(owner, account.data, account.lamports))
    elif tag == _SYSTEM_ALLOCATE:
        if len(data) < _TAG + 8:
            raise CalleeError("InvalidInstructionData")
        space = _U64.unpack_from(data, _TAG)[0]
        _accounts(metas, 1)
        meta = metas[0]
        if not meta.signer:
            raise CalleeError("MissingRequiredSignature")
        account = read(world, meta.key)
        if account.data or account.owner != _ZERO_KEY:
            raise _custom(0)  # SystemError::AccountAlreadyInUse
        if space > _MAX_PERMITTED_DATA_LENGTH:
            raise _custom(3)  # SystemError::InvalidAccountDataLength
        if not meta.writable:
            raise CalleeError("ReadonlyDataModified")
        _write(world, meta.key, Account(account.owner, bytes(space), account.lamports))
    else:
        raise NotModelledError(f"system instruction {tag}")


# -- SPL Token / Token-2022 --------------------------------------------------------------------

_TRANSFER: Final = 3
_APPROVE: Final = 4
_REVOKE: Final = 5
_SET_AUTHORITY: Final = 6
_TRANSFER_CHECKED: Final = 12
_APPROVE_CHECKED: Final = 13
_ACCOUNT_OWNER: Final = 2
_CLOSE_ACCOUNT: Final = 3
_AUTHORITY_TYPES: Final = 4  # MintTokens, FreezeAccount, AccountOwner, CloseAccount


@dataclass(frozen=True, slots=True)
class _TokenAccount:
    """An unpacked base token account (the fields the modelled instructions touch)."""

    raw: bytes
    lamports: int
    #: the program that owns the account (only the invoked one may write it)
    program: Pubkey

    @property
    def mint(self) -> bytes:
        return self.raw[OFF_MINT : OFF_MINT + _KEY]

    @property
    def owner(self) -> bytes:
        return self.raw[OFF_OWNER : OFF_OWNER + _KEY]

    @property
    def amount(self) -> int:
        return int(_U64.unpack_from(self.raw, OFF_AMOUNT)[0])

    @property
    def delegate(self) -> bytes | None:
        if _U32.unpack_from(self.raw, OFF_DELEGATE)[0] != 1:
            return None
        return self.raw[OFF_DELEGATE + 4 : OFF_DELEGATE + 4 + _KEY]

    @property
    def delegated_amount(self) -> int:
        return int(_U64.unpack_from(self.raw, OFF_DELEGATED_AMOUNT)[0])

    @property
    def close_authority(self) -> bytes | None:
        if _U32.unpack_from(self.raw, OFF_CLOSE_AUTHORITY)[0] != 1:
            return None
        return self.raw[OFF_CLOSE_AUTHORITY + 4 : OFF_CLOSE_AUTHORITY + 4 + _KEY]

    @property
    def frozen(self) -> bool:
        return self.raw[OFF_STATE] == _FROZEN


def _put_coption(raw: bytearray, at: int, key: bytes | None, zeroed: bool) -> None:
    """A COption<Pubkey> written: Some is tag 1 and the key. None is tag 0 and, in SPL Token
    (``pack_coption_key``), the old key bytes left in place; Token-2022's PodCOption zeroes
    them (``zeroed``)."""
    if key is None:
        raw[at : at + (4 + _KEY if zeroed else 4)] = bytes(4 + _KEY if zeroed else 4)
    else:
        raw[at : at + 4 + _KEY] = _U32.pack(1) + key


def _packed(
    a: _TokenAccount,
    program: Pubkey,
    *,
    owner: bytes | None = None,
    amount: int | None = None,
    delegate: tuple[bytes | None, int] | None = None,
    close: tuple[bytes | None] | None = None,
) -> bytes:
    """``Account::pack`` of ``a`` with the given fields replaced."""
    raw = bytearray(a.raw)
    zeroed = program == TOKEN_2022_PROGRAM_ID
    if owner is not None:
        raw[OFF_OWNER : OFF_OWNER + _KEY] = owner
    if amount is not None:
        raw[OFF_AMOUNT : OFF_AMOUNT + 8] = _U64.pack(amount)
    if delegate is not None:
        _put_coption(raw, OFF_DELEGATE, delegate[0], zeroed)
        raw[OFF_DELEGATED_AMOUNT : OFF_DELEGATED_AMOUNT + 8] = _U64.pack(delegate[1])
    if close is not None:
        _put_coption(raw, OFF_CLOSE_AUTHORITY, close[0], zeroed)
    return bytes(raw)


def _unpack(world: World, program: Pubkey, meta: Meta) -> _TokenAccount:
    """``Account::unpack``: exactly 165 bytes, initialized; only the invoked program's."""
    account = read(world, meta.key)
    if len(account.data) != TOKEN_ACCOUNT_SIZE:
        if account.owner == program and len(account.data) > TOKEN_ACCOUNT_SIZE:
            raise NotModelledError("Token-2022 accounts with extensions")
        raise CalleeError("InvalidAccountData")
    if account.data[OFF_STATE] == 0:
        raise CalleeError("UninitializedAccount")
    if _U32.unpack_from(account.data, _OFF_IS_NATIVE)[0] == 1:
        raise NotModelledError("native (wrapped SOL) token accounts")
    return _TokenAccount(account.data, account.lamports, account.owner)


def _store(world: World, program: Pubkey, meta: Meta, old: _TokenAccount, raw: bytes) -> None:
    """The callee wrote ``raw``: the runtime refuses a change to a read-only account."""
    if raw == old.raw:
        return
    if not meta.writable:
        raise CalleeError("ReadonlyDataModified")
    if old.program != program:
        raise CalleeError("ExternalAccountDataModified")
    _write(world, meta.key, Account(program, raw, old.lamports))


def _validate_owner(world: World, program: Pubkey, expected: bytes, meta: Meta) -> None:
    """``Processor::validate_owner`` (single-signer authorities only)."""
    if bytes(meta.key) != expected:
        raise _custom(_OWNER_MISMATCH)
    authority = read(world, meta.key)
    if authority.owner == program and len(authority.data) == _MULTISIG_SIZE:
        raise NotModelledError("multisig token authorities")
    if not meta.signer:
        raise CalleeError("MissingRequiredSignature")


def _amount(data: bytes, checked: bool) -> tuple[int, int | None]:
    need = 1 + 8 + (1 if checked else 0)
    if len(data) < need:
        raise _custom(_INVALID_INSTRUCTION)
    return int(_U64.unpack_from(data, 1)[0]), (data[9] if checked else None)


def _check_mint(world: World, mint: Meta, source: _TokenAccount, decimals: int) -> None:
    if bytes(mint.key) != source.mint:
        raise _custom(_MINT_MISMATCH)
    account = read(world, mint.key)
    if len(account.data) != _MINT_SIZE:
        raise NotModelledError("mints other than the 82-byte base layout")
    if not account.data[_MINT_INITIALIZED]:
        raise CalleeError("UninitializedAccount")
    if account.data[_MINT_DECIMALS] != decimals:
        raise _custom(_MINT_DECIMALS_MISMATCH)


def _token(world: World, program: Pubkey, metas: Sequence[Meta], data: bytes) -> None:
    if not data:
        raise _custom(_INVALID_INSTRUCTION)
    tag = data[0]
    if tag in (_TRANSFER, _TRANSFER_CHECKED):
        _token_transfer(world, program, metas, data, tag == _TRANSFER_CHECKED)
    elif tag in (_APPROVE, _APPROVE_CHECKED):
        _token_approve(world, program, metas, data, tag == _APPROVE_CHECKED)
    elif tag == _REVOKE:
        _accounts(metas, 2)
        source = _unpack(world, program, metas[0])
        if source.frozen:
            raise _custom(_ACCOUNT_FROZEN)
        # the owner, or the delegate itself (both token programs let it give up)
        delegate = source.delegate
        mine = delegate is not None and bytes(metas[1].key) == delegate
        _validate_owner(world, program, delegate if mine and delegate else source.owner, metas[1])
        _store(world, program, metas[0], source, _packed(source, program, delegate=(None, 0)))
    elif tag == _SET_AUTHORITY:
        _token_set_authority(world, program, metas, data)
    else:
        raise NotModelledError(f"token instruction {tag}")


def _check_owners(
    world: World, program: Pubkey, source: _TokenAccount, dest: Meta, needed: bool
) -> None:
    """``check_account_owner`` of both accounts, for a self-transfer or a zero amount (which
    write nothing the runtime would refuse)."""
    if needed and (program != source.program or program != read(world, dest.key).owner):
        raise CalleeError("IncorrectProgramId")


def _token_transfer(
    world: World, program: Pubkey, metas: Sequence[Meta], data: bytes, checked: bool
) -> None:
    """``Processor::process_transfer``, check for check. SPL Token unpacks both accounts
    first; Token-2022 checks the source and the authority before it unpacks the destination
    (a self-transfer never unpacks it)."""
    amount, decimals = _amount(data, checked)
    _accounts(metas, 4 if checked else 3)
    source_meta = metas[0]
    mint_meta = metas[1] if checked else None
    dest_meta, authority = (metas[2], metas[3]) if checked else (metas[1], metas[2])
    late = program == TOKEN_2022_PROGRAM_ID
    owners = {read(world, source_meta.key).owner, read(world, dest_meta.key).owner}
    if late and owners != {program}:
        raise CalleeError("IncorrectProgramId")  # Token-2022 checks both owners first
    source = _unpack(world, program, source_meta)
    dest = None if late else _unpack(world, program, dest_meta)
    if source.frozen or (dest is not None and dest.frozen):
        raise _custom(_ACCOUNT_FROZEN)
    if source.amount < amount:
        raise _custom(_INSUFFICIENT_FUNDS)
    if dest is not None and source.mint != dest.mint:
        raise _custom(_MINT_MISMATCH)
    self_transfer = source_meta.key == dest_meta.key
    if mint_meta is not None and decimals is not None:
        _check_mint(world, mint_meta, source, decimals)
    delegate = source.delegate
    new_delegate = (delegate, source.delegated_amount)
    if delegate is not None and bytes(authority.key) == delegate:
        _validate_owner(world, program, delegate, authority)
        if source.delegated_amount < amount:
            raise _custom(_INSUFFICIENT_FUNDS)
        if not self_transfer:
            left = source.delegated_amount - amount
            new_delegate = (None if left == 0 else delegate, left)
    else:
        _validate_owner(world, program, source.owner, authority)
    if not late:
        _check_owners(world, program, source, dest_meta, self_transfer or amount == 0)
    if self_transfer:
        return
    if dest is None:
        dest = _unpack(world, program, dest_meta)
        if dest.frozen:
            raise _custom(_ACCOUNT_FROZEN)
        if source.mint != dest.mint:
            raise _custom(_MINT_MISMATCH)
    if dest.amount + amount > (1 << 64) - 1:
        raise _custom(_OVERFLOW)
    _store(
        world,
        program,
        source_meta,
        source,
        _packed(source, program, amount=source.amount - amount, delegate=new_delegate),
    )
    _store(world, program, dest_meta, dest, _packed(dest, program, amount=dest.amount + amount))


def _token_approve(
    world: World, program: Pubkey, metas: Sequence[Meta], data: bytes, checked: bool
) -> None:
    """``Processor::process_approve``."""
    amount, decimals = _amount(data, checked)
    _accounts(metas, 4 if checked else 3)
    source_meta = metas[0]
    delegate, owner = (metas[2], metas[3]) if checked else (metas[1], metas[2])
    source = _unpack(world, program, source_meta)
    if source.frozen:
        raise _custom(_ACCOUNT_FROZEN)
    if checked and decimals is not None:
        _check_mint(world, metas[1], source, decimals)
    _validate_owner(world, program, source.owner, owner)
    raw = _packed(source, program, delegate=(bytes(delegate.key), amount))
    _store(world, program, source_meta, source, raw)


def _token_set_authority(world: World, program: Pubkey, metas: Sequence[Meta], data: bytes) -> None:
    """``Processor::process_set_authority`` on an account (165 bytes)."""
    if len(data) < 3 or data[1] >= _AUTHORITY_TYPES:
        raise _custom(_INVALID_INSTRUCTION)
    kind, tag = data[1], data[2]
    if tag == 0:
        new: bytes | None = None
    elif tag == 1 and len(data) >= 3 + _KEY:
        new = data[3 : 3 + _KEY]
    else:
        raise _custom(_INVALID_INSTRUCTION)
    _accounts(metas, 2)
    target = read(world, metas[0].key)
    if len(target.data) != TOKEN_ACCOUNT_SIZE:
        raise NotModelledError("SetAuthority on a mint or an extended account")
    account = _unpack(world, program, metas[0])
    if account.frozen:
        raise _custom(_ACCOUNT_FROZEN)
    if kind == _ACCOUNT_OWNER:
        _validate_owner(world, program, account.owner, metas[1])
        if new is None:
            raise _custom(_INVALID_INSTRUCTION)
        raw = _packed(account, program, owner=new, delegate=(None, 0))
    elif kind == _CLOSE_ACCOUNT:
        current = account.close_authority
        _validate_owner(world, program, account.owner if current is None else current, metas[1])
        raw = _packed(account, program, close=(new,))
    else:
        raise _custom(_AUTHORITY_TYPE_NOT_SUPPORTED)
    _store(world, program, metas[0], account, raw)
