"""execute, check for check in the order of execute.c (with inner.c, signer.c, budget.c,
admission.c and effects.c), for the callee the model knows: the system program's Transfer
from the session signer. Any other callee, or a token account of the signer among the
writable accounts, raises :class:`~simulator.not_modelled.NotModelledError` instead of
answering: the model never guesses an effect.

The model runs top-level transactions of sessions instructions only, so the stack height
is 1, the current instruction is the program's, and the compute charge is the runtime's
default of 200,000 per instruction of the transaction (no SetComputeUnitLimit can appear).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import INSTRUCTIONS as INSTRUCTIONS_SYSVAR_ID

from sessions_client.constants import (
    DEFAULT_INSTRUCTION_COMPUTE_UNITS,
    MAX_INNER_ACCOUNTS,
    MAX_INNER_INSTRUCTIONS,
    MAX_INSTRUCTION_ACCOUNTS,
    MAX_TRANSACTION_COMPUTE_UNITS,
    Setting,
)
from sessions_client.errors import ErrorCode
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.pda import find_signer_address
from sessions_client.spl_token import TOKEN_PROGRAMS
from sessions_client.types import UsageStats
from simulator import guard_eval
from simulator.checks import load_session
from simulator.emit import session_executed
from simulator.env import Env
from simulator.handler import HandlerResult, Handlers
from simulator.ix_limits import check_admitted_window, check_executable, quotas_of
from simulator.not_modelled import NotModelledError
from simulator.record import SessionRecord, with_execution
from simulator.rent import leaves_rent_paying

_SPEC: Final = INSTRUCTIONS_BY_NAME["execute"]
_BUMP_AT: Final = _SPEC.arg_offsets()["signer_bump"]
_COUNT_AT: Final = _SPEC.arg_offsets()["instruction_count"]
_SYSTEM_TRANSFER: Final = 2
_LOGGING: Final = int(Setting.EXECUTION_LOGGING)
_U32_MAX: Final = 0xFFFF_FFFF


@dataclass(frozen=True, slots=True)
class _Inner:
    program: Pubkey
    metas: tuple[tuple[Pubkey, bool, bool], ...]  # (key, writable, signer)
    data: bytes


def _parse(
    keys: Sequence[Pubkey],
    data: bytes,
    signer: Pubkey,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> tuple[_Inner, ...] | ErrorCode:
    """``parse_inner``: counts, indices, flags, privileges, lengths, nothing trailing."""
    count = data[_COUNT_AT]
    if not 1 <= count <= MAX_INNER_INSTRUCTIONS:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    n, end, at = len(keys), len(data), _SPEC.data_size
    out: list[_Inner] = []
    for _ in range(count):
        if end - at < 2:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        program_index, accounts = data[at], data[at + 1]
        if program_index >= n:
            return ErrorCode.INVALID_ACCOUNT_INDEX
        if accounts > MAX_INNER_ACCOUNTS:
            return ErrorCode.TOO_MANY_ACCOUNTS
        at += 2
        if end - at < 3 * accounts + 2:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        metas: list[tuple[Pubkey, bool, bool]] = []
        for i in range(accounts):
            index, w, s = data[at + 3 * i], data[at + 3 * i + 1], data[at + 3 * i + 2]
            if index >= n:
                return ErrorCode.INVALID_ACCOUNT_INDEX
            if (w | s) > 1:
                return ErrorCode.INVALID_INSTRUCTION_DATA
            key = keys[index]
            if w and key not in writable:
                return ErrorCode.ACCOUNT_NOT_WRITABLE
            if s and key != signer and key not in signers:
                return ErrorCode.MISSING_SIGNER
            metas.append((key, bool(w), bool(s)))
        at += 3 * accounts
        data_len = int.from_bytes(data[at : at + 2], "little")
        at += 2
        if end - at < data_len:
            return ErrorCode.INVALID_INSTRUCTION_DATA
        out.append(_Inner(keys[program_index], tuple(metas), bytes(data[at : at + data_len])))
        at += data_len
    if at != end:
        return ErrorCode.INVALID_INSTRUCTION_DATA
    return tuple(out)


def _signer_bump(
    env: Env, record: SessionRecord, session: Pubkey, bump: int, signer: Pubkey
) -> int | ErrorCode:
    """``session_signer``: the recorded signer, or the canonical PDA with the supplied bump."""
    recorded = record.guard.signer
    if recorded != Pubkey.default():
        return record.guard.signer_bump if recorded == signer else ErrorCode.INVALID_SESSION_SIGNER
    address, canonical = find_signer_address(session, env.program_id)
    return bump if (bump, signer) == (canonical, address) else ErrorCode.INVALID_SESSION_SIGNER


def _transfer(env: Env, inner: _Inner, lamports: dict[Pubkey, int]) -> None:
    """The system program's Transfer (from a signing, writable plain account: the session
    signer or a signer of execute), applied to ``lamports``."""
    if (
        inner.program != SYSTEM_PROGRAM_ID
        or len(inner.data) != 12
        or int.from_bytes(inner.data[:4], "little") != _SYSTEM_TRANSFER
        or len(inner.metas) < 2
        or inner.metas[0][1:] != (True, True)
        or not inner.metas[1][1]
    ):
        raise NotModelledError(f"execute calling {inner.program} with {inner.data.hex()}")
    amount = int.from_bytes(inner.data[4:12], "little")
    source, dest = inner.metas[0][0], inner.metas[1][0]
    for key in (source, dest):
        if key in env.ledger.sessions or key in env.ledger.foreign:
            raise NotModelledError(f"a system transfer touching {key}, not a plain account")
        lamports.setdefault(key, env.ledger.lamports.get(key, 0))
    if lamports[source] < amount:
        raise NotModelledError("a system transfer the system program refuses (funds)")
    lamports[source] -= amount
    lamports[dest] += amount


def _no_token_accounts(env: Env, inners: Sequence[_Inner]) -> None:
    for inner in inners:
        for key, w, _ in inner.metas:
            foreign = env.ledger.foreign.get(key)
            if w and foreign is not None and foreign.owner in TOKEN_PROGRAMS:
                raise NotModelledError("token accounts in an execute are not modelled yet")


def execute(
    env: Env,
    keys: Sequence[Pubkey],
    data: bytes,
    signers: Collection[Pubkey],
    writable: Collection[Pubkey],
) -> HandlerResult:
    """``process_execute``: the checks, the modelled CPIs, effects, guard, quotas, usage."""
    if len(keys) > MAX_INSTRUCTION_ACCOUNTS:
        return ErrorCode.TOO_MANY_ACCOUNTS
    authority, session, signer, sysvar = keys[0], keys[1], keys[2], keys[3]
    if authority not in signers:
        return ErrorCode.MISSING_SIGNER
    record = load_session(env.ledger, env.program_id, session, writable)
    if isinstance(record, ErrorCode):
        return record
    if signer not in writable:
        return ErrorCode.ACCOUNT_NOT_WRITABLE
    bump = _signer_bump(env, record, session, data[_BUMP_AT], signer)
    if isinstance(bump, ErrorCode):
        return bump
    if sysvar != INSTRUCTIONS_SYSVAR_ID:
        return ErrorCode.MISSING_INSTRUCTIONS_SYSVAR
    inners = _parse(keys, data, signer, signers, writable)
    if isinstance(inners, ErrorCode):
        return inners
    now = env.clock.now()
    charge = min(
        DEFAULT_INSTRUCTION_COMPUTE_UNITS * env.transaction_instructions,
        MAX_TRANSACTION_COMPUTE_UNITS,
    )
    refused = check_executable(record, now, len(inners))
    if refused is not None:
        return refused
    for inner in inners:
        if inner.program == env.program_id:
            return ErrorCode.CPI_NOT_ALLOWED
        if any(w and key == session for key, w, _ in inner.metas):
            return ErrorCode.SESSION_ACCOUNT_WRITABLE_IN_CPI
    admitted = check_admitted_window(record, authority)
    if isinstance(admitted, ErrorCode):
        return admitted
    quotas, usage = quotas_of(record), record.usage
    stats: UsageStats = usage.stats
    if usage.usage_count >= quotas.max_executions:
        return ErrorCode.QUOTA_EXCEEDED
    if (
        charge > quotas.max_compute_units
        or stats.compute_units_used > quotas.max_compute_units - charge
    ):
        return ErrorCode.QUOTA_EXCEEDED
    start, count = stats.rate_window_start, stats.rate_window_count
    if admitted:
        if start == 0 or now < start or now - start >= admitted:
            start, count = now, 1
        elif count != _U32_MAX:
            count += 1
    _no_token_accounts(env, inners)
    lamports: dict[Pubkey, int] = {}
    out = 0
    for inner in inners:
        before = lamports.get(signer, env.ledger.lamports.get(signer, 0))
        _transfer(env, inner, lamports)
        out += max(0, before - lamports[signer])
    guard = record.guard.guard
    if guard.len:
        owner = record.origin.owner
        for inner in inners:
            context = guard_eval.GuardContext(
                caller=authority,
                owner=owner,
                now=now,
                usage_after=usage.usage_count + 1,
                window_count_after=count,
                program_id=inner.program,
                data=inner.data,
                account_keys=tuple(key for key, _, _ in inner.metas),
                lamports_out=out,
                window_start=start,
            )
            rejected = guard_eval.evaluate(guard.code, guard.len, context)
            if rejected is not None:
                return rejected
    if out > quotas.max_lamports or stats.lamports_spent > quotas.max_lamports - out:
        return ErrorCode.QUOTA_EXCEEDED
    for key, after in lamports.items():  # the runtime would refuse the transaction
        if leaves_rent_paying(env.ledger.lamports.get(key, 0), after, env.wallet_rent):
            raise NotModelledError(f"a transfer leaving {key} below its rent-exempt minimum")
    for key, after in lamports.items():
        env.ledger.set_lamports(key, after)
    new_stats = UsageStats(
        stats.compute_units_used + charge,
        stats.lamports_spent + out,
        now,
        start,
        count,
        stats.borrowed_count,
        stats.children_count,
    )
    env.ledger.put_session(session, with_execution(record, new_stats, signer, bump, now))
    if not record.origin.settings & _LOGGING:
        return ()
    owner = record.origin.owner
    executed = session_executed(
        session,
        owner,
        authority,
        inners[0].program,
        out,
        charge,
        usage.usage_count + 1,
        now,
        len(inners),
    )
    return (executed,)


HANDLERS: Handlers = {"execute": execute}
