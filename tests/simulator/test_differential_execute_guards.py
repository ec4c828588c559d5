"""Guards through ``execute``, differentially: the program in the SVM and the model, on
random guards and random executions.

Each example stores a random guard at creation (over the session's own world: the owner,
a bot key, a stranger, the system program, the session signer, the transfer's recipient;
times around the clock, amounts around the transfers, ARG reading the transfer's data) and
runs (execution events on or off) one to four executes of a system transfer from the
session signer, each with a random caller, amount and clock aimed at the guard's
thresholds (every comparison at, just below or just above its operand; windows that open,
fill and restart). Through :class:`~differential_twin.Twin` every step must give the same
outcome, error code and events on both sides and leave the same account bytes and
lamports (session, signer, recipient); and the outcome must be the one
:mod:`simulator.guard_eval` predicts from the bytes alone (``guard_execute``'s one pass:
well formed, the caller admitted, then the guard on the execution's context, the stored
rate window included), so a guard bug shared by the model's execute and the program
still has to get past the evaluator's own reading.

``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) sets the budget (half of it here: each
example is a fresh SVM and model and a few transactions).
"""

from __future__ import annotations

import os

import pytest
from differential_twin import Twin
from differential_world import FUNDING, ODD_WALLETS, PAYER, PAYER_KEY, WALLET_KEYS, WALLETS
from guards.strategies import expressions, leaf_strategies, leaves_of, near
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_client import instructions as ix
from sessions_client.constants import Permission, Setting
from sessions_client.errors import ErrorCode
from sessions_client.execute import execute_instruction
from sessions_client.guards import (
    Arg,
    GuardLeaf,
    LamportsAtMost,
    NotAfter,
    NotBefore,
    compile_guard,
)
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams
from simulator import guard_eval as sim
from simulator.guard_eval import GuardContext

pytestmark = pytest.mark.differential

EXAMPLES = max(20, int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500")) // 2)
OWNER, BOT, STRANGER, RECIPIENT = WALLET_KEYS[0], WALLET_KEYS[1], WALLET_KEYS[2], WALLET_KEYS[3]
ELSEWHERE = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
SESSION_ID = 7
ROOMY = ResourceQuotas(max_executions=100, max_compute_units=10**12, max_lamports=10**12)
#: Where the system program's Transfer keeps its lamports (after the u32 tag).
LAMPORTS_AT = 4
U32_MAX = (1 << 32) - 1


def next_window(seconds: int, start: int, count: int, now: int) -> tuple[int, int]:
    """The contract's fixed window: restart at now (count 1) once it has run out."""
    if seconds == 0:
        return start, count
    if start == 0 or now < start or now - start >= seconds:
        return now, 1
    return start, min(count + 1, U32_MAX)


def aim_clock(data: st.DataObject, found: list[GuardLeaf], now: int) -> int:
    """The next execution's time: at, just before or just after a time threshold still
    ahead, or a step that opens, fills or restarts a rate window."""
    ahead = [leaf.t for leaf in found if isinstance(leaf, NotBefore | NotAfter) and leaf.t >= now]
    steps = st.sampled_from([0, 0, 1, 2, 30, 59, 60, 61]).map(lambda step: now + step)
    return near(data.draw, ahead, now, now + 61, steps)


def predicted(code: bytes, length: int, ctx: GuardContext) -> ErrorCode | None:
    """What the guard alone decides for an otherwise valid execution: its one pass after
    the CPI (a caller it does not admit is refused there, the transfer undone)."""
    refused, seconds = sim.execute(code, length, ctx)
    assert refused is not None or seconds == sim.rate_window_seconds(code, length)
    return refused


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_execute_decides_guards_like_the_model(data: st.DataObject) -> None:
    twin = Twin(WALLETS, PAYER, WALLET_KEYS, PAYER_KEY, FUNDING, odd=ODD_WALLETS)
    session, _ = find_session_address(OWNER, SESSION_ID)
    signer, _ = find_signer_address(session)
    now = twin.now()
    pool = st.sampled_from([OWNER, BOT, STRANGER, SYSTEM_PROGRAM_ID, signer, RECIPIENT, ELSEWHERE])
    small = st.integers(0, 12)
    offsets = st.sampled_from([0, LAMPORTS_AT, LAMPORTS_AT, LAMPORTS_AT + 1])
    leaves, focused = leaf_strategies(pool, st.integers(now - 2, now + 70), small, offsets, small)
    expr = data.draw(st.one_of(focused, expressions(leaves)), label="guard")
    guard = compile_guard(expr)
    code, length = guard.code, guard.len
    found = leaves_of(expr)
    logging = data.draw(st.sampled_from([0, int(Setting.EXECUTION_LOGGING)]), label="settings")
    params = SessionParams(
        SessionConfig(3600, int(Permission.EXECUTE), logging), quotas=ROOMY, guard=guard
    )
    twin.send([ix.create_session(OWNER, SESSION_ID, params)])
    twin.send([ix.activate_session(OWNER, session)])
    twin.fund(signer, 10**9)
    seconds = sim.rate_window_seconds(code, length)
    usage, start, count = 0, 0, 0
    for _ in range(data.draw(st.integers(1, 4), label="executions")):
        twin.set_time(aim_clock(data, found, twin.now()))
        callers = [OWNER, BOT, STRANGER]
        admitted = [key for key in callers if sim.admits(code, length, key, OWNER)]
        # mostly a caller the guard admits, so the guard itself decides most executions
        if admitted and data.draw(st.integers(0, 3), label="admitted caller?"):
            callers = admitted
        caller = data.draw(st.sampled_from(callers), label="caller")
        limits = [leaf.x for leaf in found if isinstance(leaf, LamportsAtMost)]
        limits += [leaf.value for leaf in found if isinstance(leaf, Arg)]
        amount = near(data.draw, limits, 0, 12)  # at, just below or above a threshold
        inner = transfer(TransferParams(from_pubkey=signer, to_pubkey=RECIPIENT, lamports=amount))
        now = twin.now()
        new_start, new_count = next_window(seconds, start, count, now)
        context = GuardContext(
            caller=caller,
            owner=OWNER,
            now=now,
            usage_after=usage + 1,
            program_id=SYSTEM_PROGRAM_ID,
            data=bytes(inner.data),
            account_keys=tuple(m.pubkey for m in inner.accounts),
            lamports_out=amount,
            window_start=start,
            window_count=count,
        )
        expected = predicted(code, length, context)
        real, _model = twin.send([execute_instruction(caller, session, [inner])])
        assert (real.ok, real.error) == (expected is None, expected), (str(expr), context)
        twin.assert_same_world([session, signer, RECIPIENT])
        if real.ok:
            usage, start, count = usage + 1, new_start, new_count
        stored = twin.svm.session(session)
        assert stored is not None
        assert stored.usage_count == usage
        assert (stored.usage.rate_window_start, stored.usage.rate_window_count) == (start, count)
