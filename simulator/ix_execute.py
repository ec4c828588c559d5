"""execute: the session performs its inner instructions by CPI, signed by its signer PDA,
check for check in the order of program/src/execute.c (and inner.c, effects.c,
instructions_sysvar.c, sysvars.c, signer.c, admission.c).

Validate every account and argument (the fixed accounts by their spec names, the Clock
sysvar among them; each inner instruction's indices, flags and privileges, and its target:
no CPI into this program, the session account never writable in one); Active, not expired,
EXECUTE (COMPOSE for several); top level and the compute charge from the transaction;
without a guard, the caller is the owner; the execution and compute quotas; then per inner
instruction a snapshot, the CPI (:mod:`simulator.callees`) and the effect checks; the
guard's one pass per inner instruction (:func:`simulator.guard_eval.execute`, on the stored
bytes: well formed, the caller admitted, its predicates over the measured effects); the
lamport quota; usage, rate window and the event. The CPIs write the ledger before the last
checks, so the handler runs inside a ledger savepoint and undoes everything on any refusal,
as the runtime aborts the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey
from solders.sysvar import INSTRUCTIONS as INSTRUCTIONS_SYSVAR

from sessions_client.compute_budget import transaction_compute_limit
from sessions_client.constants import (
    DEFAULT_INSTRUCTION_COMPUTE_UNITS,
    MAX_INNER_ACCOUNTS,
    MAX_INNER_INSTRUCTIONS,
    MAX_INSTRUCTION_ACCOUNTS,
    MAX_TOKEN_SNAPSHOTS,
    Setting,
)
from sessions_client.errors import ErrorCode
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.spl_token import (
    COPTION_KEY_SIZE,
    OFF_AMOUNT,
    OFF_CLOSE_AUTHORITY,
    OFF_DELEGATE,
    OFF_DELEGATED_AMOUNT,
    OFF_MINT,
    TOKEN_ACCOUNT_SIZE,
    TOKEN_PROGRAMS,
    is_token_account,
)
from simulator import guard_eval
from simulator.callees import Account, CalleeError, Meta, World, invoke, read
from simulator.checks import clock_account_fault, load_session, verify_session_signer
from simulator.emit import session_executed
from simulator.env import Env
from simulator.execute_policy import (
    check_compute_quota,
    check_execution_quota,
    check_lamport_quota,
    next_window,
    record_usage,
)
from simulator.handler import HandlerResult, Handlers
from simulator.ix_limits import check_executable, check_unguarded_caller, quotas_of
from simulator.outcome import RuntimeFailure, RuntimeRefusalError
from simulator.record import SessionRecord, with_execution
from simulator.rent import leaves_rent_paying

_ZERO_KEY: Final = Pubkey.default()
_SPEC: Final = INSTRUCTIONS_BY_NAME["execute"]
_ARGS: Final = _SPEC.arg_offsets()
_BUMP_AT: Final = _ARGS["signer_bump"]
_COUNT_AT: Final = _ARGS["instruction_count"]
_BODY_AT: Final = _SPEC.data_size
_AUTHORITY: Final = _SPEC.account_index("authority")
_SESSION: Final = _SPEC.account_index("session")
_SIGNER: Final = _SPEC.account_index("session_signer")
_SYSVAR: Final = _SPEC.account_index("instructions_sysvar")
_CLOCK: Final = _SPEC.account_index("clock")
_U64_MAX: Final = (1 << 64) - 1
_EXECUTION_LOGGING: Final = int(Setting.EXECUTION_LOGGING)
#: mint and owner (contiguous), the bytes effects.c freezes besides the two COptions
_MINT_OWNER: Final = slice(OFF_MINT, OFF_MINT + 64)
_DELEGATE: Final = slice(OFF_DELEGATE, OFF_DELEGATE + COPTION_KEY_SIZE)
_CLOSE: Final = slice(OFF_CLOSE_AUTHORITY, OFF_CLOSE_AUTHORITY + COPTION_KEY_SIZE)


@dataclass(frozen=True, slots=True)
class InnerIx:
    """One decoded inner instruction: the callee and its accounts as execute passes them."""

    program: Pubkey
    metas: tuple[Meta, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class LoadedExecute:
    """What load_execution established."""

    record: SessionRecord
    authority: Pubkey
    session: Pubkey
    signer: Pubkey
    signer_bump: int
    inner: tuple[InnerIx, ...]
    now: int


@dataclass(frozen=True, slots=True)
class TokenSnapshot:
    """A token account before a CPI: its program, amount, allowance and frozen fields."""

    key: Pubkey
    program: Pubkey
    amount: int
    delegated_amount: int
    mint_owner: bytes
    delegate: bytes
    close: bytes


@dataclass(frozen=True, slots=True)
class InnerChecks:
    """What ``parse_inner`` checks every inner instruction against: the program id, the
    outer instruction's privileges, and the session and signer records, which inner.c's
    ``check_metas`` reads from the execute's accounts array (``ctx->accounts``)."""

    program_id: Pubkey
    signer: Pubkey  # the one non-signer an inner instruction may sign with
    session: Pubkey  # never writable in a CPI
    signers: Collection[Pubkey]
    writable: Collection[Pubkey]


def parse_inner(
    data: bytes, keys: Sequence[Pubkey], c: InnerChecks
) -> tuple[InnerIx, ...] | ErrorCode:
    """``parse_inner``: counts; per instruction its header, program index, account count,
    target (not this program), lengths, and per account (``check_metas``) index, flags 0/1,
    no privilege the outer instruction lacks and the session never writable; no trailing
    bytes. The C compares account records, the model keys: a duplicate of the session at
    another index shares its record, so both find it."""
    count = data[_COUNT_AT]
    if count < 1 or count > MAX_INNER_INSTRUCTIONS:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    n, end, at = len(keys), len(data), _BODY_AT
    out: list[InnerIx] = []
    for _ in range(count):
        if end - at < 2:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        program_index, accounts = data[at], data[at + 1]
        if program_index >= n:
            return ErrorCode.INVALID_ACCOUNT_INDEX
        if accounts > MAX_INNER_ACCOUNTS:
            return ErrorCode.TOO_MANY_ACCOUNTS
        if keys[program_index] == c.program_id:
            return ErrorCode.CPI_NOT_ALLOWED
        at += 2
        if end - at < 3 * accounts + 2:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        metas: list[Meta] = []
        for m in range(at, at + 3 * accounts, 3):
            index, w, s = data[m], data[m + 1], data[m + 2]
            if index >= n:
                return ErrorCode.INVALID_ACCOUNT_INDEX
            if (w | s) > 1:
                return ErrorCode.INVALID_INSTRUCTION_DATA
            key = keys[index]
            if w and key not in c.writable:
                return ErrorCode.ACCOUNT_NOT_WRITABLE
            if s and key != c.signer and key not in c.signers:
                return ErrorCode.MISSING_SIGNER
            if w and key == c.session:
                return ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI
            metas.append(Meta(key, bool(w), bool(s)))
        at += 3 * accounts
        length = int.from_bytes(data[at : at + 2], "little")
        at += 2
        if end - at < length:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        out.append(InnerIx(keys[program_index], tuple(metas), bytes(data[at : at + length])))
        at += length
    if at != end:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    return tuple(out)


def session_signer(
    env: Env, record: SessionRecord, session: Pubkey, bump: int, signer: Pubkey
) -> int | ErrorCode:
    """``session_signer``: ``verify_session_signer``'s check; the signer is recorded with the
    usage (:func:`~simulator.record.with_execution`), as the program records it then."""
    return verify_session_signer(env.program_id, record, session, bump, signer)


def load_execution(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> LoadedExecute | ErrorCode:
    """``load_execution``: every account and argument in order: the fixed accounts (the
    Clock sysvar's: its key; the runtime's sysvar always holds the whole Clock, so the C's
    length check holds), then the inner instructions."""
    if len(keys) > MAX_INSTRUCTION_ACCOUNTS:
        return ErrorCode.TOO_MANY_ACCOUNTS
    authority, session, signer = keys[_AUTHORITY], keys[_SESSION], keys[_SIGNER]
    if authority not in signers:
        return ErrorCode.MISSING_SIGNER
    record = load_session(env.ledger, env.program_id, session, writable)
    if isinstance(record, ErrorCode):
        return record
    if signer not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    bump = session_signer(env, record, session, data[_BUMP_AT], signer)
    if isinstance(bump, ErrorCode):
        return bump
    if keys[_SYSVAR] != INSTRUCTIONS_SYSVAR:
        return ErrorCode.MISSING_INSTRUCTIONS_SYSVAR
    fault = clock_account_fault(keys[_CLOCK])
    if fault is not None:
        return fault
    checks = InnerChecks(env.program_id, signer, session, signers, writable)
    inner = parse_inner(data, keys, checks)
    if isinstance(inner, ErrorCode):
        return inner
    return LoadedExecute(record, authority, session, signer, bump, inner, env.clock.now())


def read_transaction(env: Env) -> int | ErrorCode:
    """``read_transaction``: top level (the instruction the sysvar says is running is this
    program's: NotTopLevel), then the compute charge, the limit the runtime gives the
    transaction (:func:`sessions_client.compute_budget.transaction_compute_limit`). The model runs
    the sessions program's instructions only at the top level (a callee calling back into it
    is the runtime's ReentrancyNotAllowed), so the first check holds here; the program's
    refusal of an execute another program reaches by CPI is tested in the SVM."""
    view = env.transaction
    if view is None:
        return DEFAULT_INSTRUCTION_COMPUTE_UNITS  # this instruction alone
    if view.programs[view.current] != env.program_id:
        return ErrorCode.NOT_TOP_LEVEL
    return transaction_compute_limit(view.programs, view.datas)


def snapshot_token_account(
    world: World, key: Pubkey, signer: Pubkey, out: list[TokenSnapshot]
) -> ErrorCode | None:
    """``snapshot_token_account``: one writable account of an inner instruction (invoke_inner
    calls it as it builds the account infos, the signer's lamports already read by
    ``begin_snapshot``): added when it is a token account, not yet snapshotted, that the
    signer owns or is delegate of; TooManyAccounts past the table."""
    account = read(world, key)
    d = account.data
    if len(d) < TOKEN_ACCOUNT_SIZE or account.owner not in TOKEN_PROGRAMS:
        return None
    if not is_token_account(account.owner, d) or any(t.key == key for t in out):
        return None
    signer_bytes = bytes(signer)
    delegate = d[_DELEGATE]
    owned = d[OFF_MINT + 32 : OFF_MINT + 64] == signer_bytes
    if not owned and not (delegate[:4] == b"\1\0\0\0" and delegate[4:] == signer_bytes):
        return None
    if len(out) == MAX_TOKEN_SNAPSHOTS:
        return ErrorCode.TOO_MANY_ACCOUNTS
    out.append(
        TokenSnapshot(
            key,
            account.owner,
            int.from_bytes(d[OFF_AMOUNT : OFF_AMOUNT + 8], "little"),
            int.from_bytes(d[OFF_DELEGATED_AMOUNT : OFF_DELEGATED_AMOUNT + 8], "little"),
            d[_MINT_OWNER],
            delegate,
            d[_CLOSE],
        )
    )
    return None


def _authorities_kept(t: TokenSnapshot, now: Account) -> bool:
    """``authorities_kept``: same program, still a token account, mint/owner/close kept, the
    delegate kept or cleared by a spent allowance, and no larger allowance."""
    if now.owner != t.program or not is_token_account(now.owner, now.data):
        return False
    d = now.data
    delegated = int.from_bytes(d[OFF_DELEGATED_AMOUNT : OFF_DELEGATED_AMOUNT + 8], "little")
    if d[_MINT_OWNER] != t.mint_owner or d[_CLOSE] != t.close:
        return False
    spent = d[OFF_DELEGATE : OFF_DELEGATE + 4] == bytes(4) and delegated == 0
    if d[_DELEGATE] != t.delegate and not spent:
        return False
    return delegated <= t.delegated_amount


@dataclass(slots=True)
class Spend:
    """What left the signer and its token accounts during this execute (gross)."""

    lamports_out: int = 0
    #: mint -> decrease, in order of first appearance (as effects.c's table)
    mints: dict[Pubkey, int] | None = None


def check_effects(
    world: World,
    signer: Pubkey,
    lamports_before: int,
    tokens: Sequence[TokenSnapshot],
    spend: Spend,
) -> ErrorCode | None:
    """``check_effects``: the signer still a system account without data, the frozen token
    fields kept; the decreases added to ``spend``."""
    now = read(world, signer)
    if now.owner != _ZERO_KEY or now.data:
        return ErrorCode.SIGNER_ESCAPED
    if now.lamports < lamports_before:
        out = lamports_before - now.lamports
        if spend.lamports_out > _U64_MAX - out:
            return ErrorCode.ARITHMETIC_OVERFLOW
        spend.lamports_out += out
    mints = spend.mints if spend.mints is not None else {}
    spend.mints = mints
    for t in tokens:
        account = read(world, t.key)
        if not _authorities_kept(t, account):
            return ErrorCode.AUTHORITY_CHANGED
        amount = int.from_bytes(account.data[OFF_AMOUNT : OFF_AMOUNT + 8], "little")
        if amount < t.amount:
            mint = Pubkey.from_bytes(account.data[OFF_MINT : OFF_MINT + 32])
            decrease = t.amount - amount
            if mint in mints:
                if mints[mint] > _U64_MAX - decrease:
                    return ErrorCode.ARITHMETIC_OVERFLOW
                mints[mint] += decrease
            elif len(mints) == MAX_TOKEN_SNAPSHOTS:
                return ErrorCode.TOO_MANY_ACCOUNTS
            else:
                mints[mint] = decrease
    return None


def run_inner(world: World, e: LoadedExecute) -> Spend | ErrorCode:
    """``run_inner``: per inner instruction, snapshot (the signer's lamports, then each
    writable account's, in meta order), invoke_signed, effects. A callee's failure is the
    runtime's (:class:`RuntimeRefusalError`), as the SVM reports it."""
    spend = Spend()
    for ix in e.inner:
        lamports = read(world, e.signer).lamports
        tokens: list[TokenSnapshot] = []
        for meta in ix.metas:
            if meta.writable:
                refused = snapshot_token_account(world, meta.key, e.signer, tokens)
                if refused is not None:
                    return refused
        try:
            invoke(world, ix.program, ix.metas, ix.data, 2)
        except CalleeError as failed:
            raise RuntimeRefusalError(
                RuntimeFailure.CALLEE_FAILED, failed.detail, instruction_level=True
            ) from failed
        refused = check_effects(world, e.signer, lamports, tokens, spend)
        if refused is not None:
            return refused
    return spend


def evaluate_guard(e: LoadedExecute, spend: Spend) -> int | ErrorCode:
    """``evaluate_guard``: the stored guard's one pass per inner instruction, after the CPIs,
    over the measured effects and the stored rate window; its RATE_LIMIT window's seconds (0:
    none, or no guard, which admitted the owner before the CPIs)."""
    guard = e.record.guard.guard
    if guard.len == 0:
        return 0
    stats = e.record.usage.stats
    mints = tuple((spend.mints or {}).items())
    seconds = 0
    for ix in e.inner:
        ctx = guard_eval.GuardContext(
            caller=e.authority,
            owner=e.record.origin.owner,
            now=e.now,
            usage_after=e.record.usage.usage_count + 1,
            program_id=ix.program,
            data=ix.data,
            account_keys=tuple(m.key for m in ix.metas),
            lamports_out=spend.lamports_out,
            token_spends=mints,
            window_start=stats.rate_window_start,
            window_count=stats.rate_window_count,
        )
        refused, seconds = guard_eval.execute(guard.code, guard.len, ctx)
        if refused is not None:
            return refused
    return seconds


def _rent_states(
    env: Env, keys: Sequence[Pubkey], writable: Collection[Pubkey]
) -> dict[Pubkey, tuple[int, int]]:
    world = _world(env)
    return {
        k: (a.lamports, len(a.data))
        for k in dict.fromkeys(keys)
        if k in writable and k not in env.ledger.sessions
        for a in (read(world, k),)
    }


def check_rent_states(env: Env, before: dict[Pubkey, tuple[int, int]]) -> None:
    """The runtime's rent-state rule after the transaction (agave's verify_changes): no
    writable account without data may be left rent-paying unless it was and did not grow."""
    world = _world(env)
    for key, (lamports, size) in before.items():
        after = read(world, key)
        if after.data or size:
            continue  # token accounts keep their lamports; data changes fail SignerEscaped
        if leaves_rent_paying(lamports, after.lamports, env.wallet_rent):
            raise RuntimeRefusalError(
                RuntimeFailure.RENT_STATE, "InsufficientFundsForRent", instruction_level=False
            )


def _world(env: Env) -> World:
    return World(env.ledger, env.program_id, env.callees)


def _execute(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    loaded = load_execution(env, keys, data, signers, writable)
    if isinstance(loaded, ErrorCode):
        return loaded
    e = loaded
    record = e.record
    quotas = quotas_of(record)
    usage = record.usage
    refused = check_executable(record, e.now, len(e.inner))
    if refused is not None:
        return refused
    charge = read_transaction(env)
    if isinstance(charge, ErrorCode):
        return charge
    refused = (
        check_unguarded_caller(record, e.authority)
        or check_execution_quota(quotas, usage)
        or check_compute_quota(quotas, usage, charge)
    )
    if refused is not None:
        return refused
    spend = run_inner(_world(env), e)
    if isinstance(spend, ErrorCode):
        return spend
    seconds = evaluate_guard(e, spend)
    if isinstance(seconds, ErrorCode):
        return seconds
    refused = check_lamport_quota(quotas, usage, spend.lamports_out)
    if refused is not None:
        return refused
    window = next_window(usage.stats, seconds, e.now)
    used = record_usage(usage, e.now, charge, spend.lamports_out, window)
    env.ledger.put_session(
        e.session, with_execution(record, used.stats, e.signer, e.signer_bump, e.now)
    )
    if not record.origin.settings & _EXECUTION_LOGGING:
        return ()
    return (
        session_executed(
            e.session,
            record.origin.owner,
            e.authority,
            e.inner[0].program,
            spend.lamports_out,
            charge,
            used.usage_count,
            e.now,
            len(e.inner),
        ),
    )


def execute(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_execute``: the checks in execute.c's order inside a ledger savepoint (the
    CPIs write before the guard and the lamport quota decide), then the runtime's rent-state
    rule over the accounts it wrote."""
    ledger = env.ledger
    before = _rent_states(env, keys, writable)
    mark = ledger.savepoint()
    try:
        result = _execute(env, keys, data, signers, writable)
        if isinstance(result, tuple):
            check_rent_states(env, before)
    except BaseException:
        ledger.restore(mark)
        raise
    if isinstance(result, tuple):
        ledger.release(mark)
    else:
        ledger.restore(mark)
    return result


HANDLERS: Handlers = {"execute": execute}
