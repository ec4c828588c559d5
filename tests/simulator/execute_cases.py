"""Strategies for the execute differential: session states and execute transactions.

A case is a session state (guard bytes valid, mutated or malformed, drawn by the guards
engineer's strategies over this world's keys, clock and amounts; quotas at, under and over
their use; rate window; status, expiry, permissions, settings; the signer recorded or not)
and one to three steps (a clock jump, a caller, an optional SetComputeUnitLimit, one or two
inner instructions, now and then an execute account or flag broken on purpose). Inner
instructions are drawn as plain tuples and built against the world in :func:`build_inner`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from execute_world import (
    ALLOWANCE,
    BOT,
    DAPP_ID,
    FRESH,
    OWNER,
    SIGNER_FUNDS,
    STRANGER,
    TOKENS,
    token_key,
)
from guards.strategies import expressions, leaf_strategies, stored_guards
from hypothesis import strategies as st
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import (
    AllocateParams,
    AssignParams,
    TransferParams,
    allocate,
    assign,
    transfer,
)
from spl.token import instructions as spl
from spl.token import models as spl_models

from sessions_client import instructions as ix
from sessions_client.constants import GUARD_CAPACITY, PROGRAM_ID, Permission, Setting
from sessions_client.guard_codec import encode
from sessions_client.pda import find_session_address, find_signer_address
from sessions_client.spl_token import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID
from sessions_client.types import Guard, ResourceQuotas, Session, SessionStatus, UsageStats

TOKEN_PROGRAMS: Final = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)
U32_MAX: Final = (1 << 32) - 1
U64_MAX: Final = (1 << 64) - 1
CHARGES: Final = (50_000, 200_000, 400_000, 1_400_000)
SOL_AMOUNTS: Final = (
    0,
    1,
    7,
    890_879,
    890_880,
    10**6,
    SIGNER_FUNDS - 1,
    SIGNER_FUNDS,
    SIGNER_FUNDS + 1,
)
TOKEN_AMOUNTS: Final = (0, 1, 5, ALLOWANCE - 1, ALLOWANCE, ALLOWANCE + 1, TOKENS, TOKENS + 1)
ROLES: Final = ("signer", "owner", "stranger")
#: Keys the guards name: parties, programs, mints, destinations.
POOL: Final = (
    OWNER.pubkey(),
    BOT.pubkey(),
    STRANGER.pubkey(),
    SYSTEM_PROGRAM_ID,
    *TOKEN_PROGRAMS,
    DAPP_ID,
    *(token_key(p, "mint") for p in TOKEN_PROGRAMS),
    FRESH[0],
)


@dataclass(frozen=True)
class Step:
    """One execute transaction."""

    advance: int
    caller: int  # 0 owner, 1 bot, 2 stranger
    compute_limit: int | None
    inner: tuple[tuple[object, ...], ...]
    breakage: int  # 0: none; see build_execute


def _guards(now: int) -> st.SearchStrategy[Guard]:
    clock = st.one_of(st.integers(now - 3, now + 3), st.sampled_from([now + 60, now - 3600]))
    amount = st.one_of(st.sampled_from(SOL_AMOUNTS + TOKEN_AMOUNTS), st.integers(0, 12))
    _leaves, focused = leaf_strategies(st.sampled_from(POOL), clock, amount)
    valid = st.one_of(focused, expressions(focused)).map(encode)

    def stored(code: bytes) -> Guard:
        return Guard(len(code), code + bytes(GUARD_CAPACITY - len(code)))

    malformed = stored_guards().map(lambda g: Guard(g[1], g[0]))
    return st.sampled_from([0, 1, 1, 2]).flatmap(
        lambda kind: (st.just(Guard()), valid.map(stored), malformed)[kind]
    )


def _roomy(near: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """No limit three times in four, else a limit around the use."""
    return st.sampled_from([0, 0, 0, 1]).flatmap(lambda k: near if k else st.just(U64_MAX))


@st.composite
def session_states(draw: st.DrawFn, base: Session, now: int, amount: int | None = None) -> Session:
    """The session at ``base``'s address in a drawn state. With ``amount`` (a healthy
    session: Active, unexpired, permitted, signer in order, guard absent or valid) the lamport
    quota sits at or one under the use plus ``amount`` half the time, the other quotas roomy."""
    if amount is not None:
        return draw(_healthy(base, now, amount))
    usage_count = draw(st.integers(0, 4))
    compute = draw(st.sampled_from([0, 200_000, 1_400_000]))
    spent = draw(st.sampled_from([0, 7, 10**6]))
    near_compute = st.builds(
        lambda c, k, d: max(0, compute + c * k + d),
        st.sampled_from(CHARGES),
        st.integers(0, 3),
        st.sampled_from([-1, 0, 1]),
    )
    near_lamports = st.builds(
        lambda a, d: max(0, spent + a + d), st.sampled_from(SOL_AMOUNTS), st.sampled_from([-1, 0])
    )
    quotas = ResourceQuotas(
        max_executions=max(0, usage_count + draw(st.sampled_from([-1, 0, 1, 2, 3, 3, 3, 3, 3]))),
        max_compute_units=draw(_roomy(near_compute)),
        max_lamports=draw(_roomy(near_lamports)),
    )
    stats = UsageStats(
        compute_units_used=compute,
        lamports_spent=spent,
        last_used_at=draw(st.sampled_from([0, now - 1])),
        rate_window_start=draw(st.sampled_from([0, now - 61, now - 60, now - 59, now - 1, now])),
        rate_window_count=draw(st.sampled_from([0, 1, 2, 9, 10, 11, U32_MAX])),
    )
    permissions = draw(
        st.sampled_from(
            [int(Permission.EXECUTE | Permission.COMPOSE)] * 8
            + [int(Permission.EXECUTE), 0, int(Permission.COMPOSE)]
        )
    )
    settings = draw(
        st.sampled_from([int(Setting.EXECUTION_LOGGING), 0, int(Setting.PERFORMANCE_MONITORING)])
    )
    status = draw(
        st.sampled_from([SessionStatus.ACTIVE] * 12 + [SessionStatus.PAUSED, SessionStatus.CREATED])
    )
    expires = now + draw(st.sampled_from([3600] * 8 + [61, 60, 1, 0, -1]))
    signer, bump = find_signer_address(base_address(base))
    recorded = draw(
        st.sampled_from(
            [(signer, bump)] * 6 + [(Pubkey.default(), 0)] * 3 + [(STRANGER.pubkey(), 7)]
        )
    )
    return replace(
        base,
        status=status,
        effective_permissions=permissions,
        config=replace(base.config, settings=settings),
        expires_at=expires,
        usage_count=usage_count,
        quotas=quotas,
        usage=stats,
        guard=draw(_guards(now)),
        signer=recorded[0],
        signer_bump=recorded[1],
    )


@st.composite
def _healthy(draw: st.DrawFn, base: Session, now: int, amount: int) -> Session:
    spent = draw(st.sampled_from([0, 7, 10**6]))
    usage_count = draw(st.integers(0, 4))
    limit = draw(st.sampled_from([U64_MAX, spent + amount, spent + amount - 1]))
    signer, bump = find_signer_address(base_address(base))
    recorded = draw(st.sampled_from([(signer, bump), (Pubkey.default(), 0)]))
    guard = draw(st.sampled_from([0, 1]).flatmap(lambda k: st.just(Guard()) if k else _guards(now)))
    return replace(
        base,
        status=SessionStatus.ACTIVE,
        effective_permissions=int(Permission.EXECUTE | Permission.COMPOSE),
        expires_at=now + 3600,
        usage_count=usage_count,
        quotas=ResourceQuotas(usage_count + 3, U64_MAX, limit),
        usage=UsageStats(lamports_spent=spent),
        guard=guard,
        signer=recorded[0],
        signer_bump=recorded[1],
    )


def base_address(session: Session) -> Pubkey:
    return find_session_address(session.owner, session.session_id)[0]


_DESTS: Final = ("fresh0", "fresh1", "owner", "stranger", "signer", "session")
_sol = st.tuples(st.just("sol"), st.sampled_from(_DESTS), st.sampled_from(SOL_AMOUNTS))
_token_transfer = st.tuples(
    st.just("token"),
    st.sampled_from(TOKEN_PROGRAMS),
    st.sampled_from(ROLES),
    st.sampled_from((*ROLES, "other-mint", "mint")),
    st.sampled_from(TOKEN_AMOUNTS),
    st.sampled_from([None, 0, 0, 1]),  # unchecked, or TransferChecked (the mints have 0)
    st.booleans(),  # the signer is the authority (else the stranger)
)
_inner = st.one_of(
    _sol,
    _sol,
    st.tuples(st.just("assign"), st.booleans()),
    st.tuples(st.just("allocate"), st.sampled_from([0, 8])),
    _token_transfer,
    _token_transfer,
    st.tuples(
        st.just("approve"),
        st.sampled_from(TOKEN_PROGRAMS),
        st.sampled_from(ROLES[:2]),
        st.booleans(),  # the delegate is the stranger (else the signer itself)
        st.sampled_from(TOKEN_AMOUNTS),
        st.sampled_from([None, None, 0, 1]),  # Approve, or ApproveChecked with these decimals
    ),
    st.tuples(st.just("revoke"), st.sampled_from(TOKEN_PROGRAMS), st.sampled_from(ROLES[:2])),
    st.tuples(
        st.just("authority"),
        st.sampled_from(TOKEN_PROGRAMS),
        st.sampled_from(ROLES[:2]),
        st.sampled_from([2, 3, 0]),  # AccountOwner, CloseAccount, MintTokens
        st.booleans(),  # a new authority (else None)
    ),
    st.tuples(st.just("forward"), st.sampled_from(_DESTS[:4]), st.sampled_from(SOL_AMOUNTS)),
    st.tuples(st.just("sessions")),
    st.tuples(st.just("reenter")),
)
#: (which meta, read-only) tweaks: the runtime's privilege rules on the callee's writes.
_tweak = st.sampled_from([0] * 5 + [1]).flatmap(
    lambda k: st.none() if k == 0 else st.tuples(st.integers(0, 3), st.booleans())
)

steps = st.builds(
    Step,
    advance=st.sampled_from([0] * 6 + [1, 59, 60, 61, 3600]),
    caller=st.sampled_from([0] * 5 + [1] * 3 + [2] * 2),
    compute_limit=st.one_of(st.none(), st.sampled_from((*CHARGES, 1_500_000))),
    inner=st.lists(st.tuples(_inner, _tweak), min_size=1, max_size=2).map(
        lambda xs: tuple((*i, t) for i, t in xs)
    ),
    breakage=st.sampled_from([0] * 32 + [1, 2, 3, 4, 5, 6, 7, 8]),
)

CALLERS: Final = (OWNER, BOT, STRANGER)


def _dest(name: str, session: Pubkey, signer: Pubkey) -> Pubkey:
    return {
        "fresh0": FRESH[0],
        "fresh1": FRESH[1],
        "owner": OWNER.pubkey(),
        "stranger": STRANGER.pubkey(),
        "signer": signer,
        "session": session,
    }[name]


def _token_accounts(program: Pubkey, role: str) -> Pubkey:
    if role == "other-mint":
        other = TOKEN_PROGRAMS[1 - TOKEN_PROGRAMS.index(program)]
        return token_key(other, "stranger")
    return token_key(program, role)


def build_inner(spec: tuple[object, ...], session: Pubkey, signer: Pubkey) -> Instruction:
    """One inner instruction from its drawn tuple (the last item is the meta tweak)."""
    *body, tweak = spec
    kind = body[0]
    made: Instruction
    if kind == "sol":
        to = _dest(str(body[1]), session, signer)
        made = transfer(TransferParams(from_pubkey=signer, to_pubkey=to, lamports=int(body[2])))  # type: ignore[call-overload]
    elif kind == "assign":
        owner = STRANGER.pubkey() if body[1] else SYSTEM_PROGRAM_ID
        made = assign(AssignParams(pubkey=signer, owner=owner))
    elif kind == "allocate":
        made = allocate(AllocateParams(pubkey=signer, space=int(body[1])))  # type: ignore[call-overload]
    elif kind == "token":
        program = body[1]
        assert isinstance(program, Pubkey)
        source = _token_accounts(program, str(body[2]))
        dest_role = str(body[3])
        dest = (
            token_key(program, "mint")
            if dest_role == "mint"
            else _token_accounts(program, dest_role)
        )
        authority = signer if body[6] else STRANGER.pubkey()
        amount = int(body[4])  # type: ignore[call-overload]
        if body[5] is None:
            made = spl.transfer(
                spl_models.TransferParams(
                    program_id=program, source=source, dest=dest, owner=authority, amount=amount
                )
            )
        else:
            made = spl.transfer_checked(
                spl_models.TransferCheckedParams(
                    program_id=program,
                    source=source,
                    mint=token_key(program, "mint"),
                    dest=dest,
                    owner=authority,
                    amount=amount,
                    decimals=int(body[5]),  # type: ignore[call-overload]
                )
            )
    elif kind == "approve":
        program = body[1]
        assert isinstance(program, Pubkey)
        source = token_key(program, str(body[2]))
        delegate = STRANGER.pubkey() if body[3] else signer
        amount = int(body[4])  # type: ignore[call-overload]
        if body[5] is None:
            made = spl.approve(
                spl_models.ApproveParams(
                    program_id=program,
                    source=source,
                    delegate=delegate,
                    owner=signer,
                    amount=amount,
                )
            )
        else:
            made = spl.approve_checked(
                spl_models.ApproveCheckedParams(
                    program_id=program,
                    source=source,
                    mint=token_key(program, "mint"),
                    delegate=delegate,
                    owner=signer,
                    amount=amount,
                    decimals=int(body[5]),  # type: ignore[call-overload]
                )
            )
    elif kind == "revoke":
        program = body[1]
        assert isinstance(program, Pubkey)
        made = spl.revoke(
            spl_models.RevokeParams(
                program_id=program, account=token_key(program, str(body[2])), owner=signer
            )
        )
    elif kind == "authority":
        program = body[1]
        assert isinstance(program, Pubkey)
        made = spl.set_authority(
            spl_models.SetAuthorityParams(
                program_id=program,
                account=token_key(program, str(body[2])),
                authority=spl.AuthorityType(int(body[3])),  # type: ignore[call-overload]
                current_authority=signer,
                new_authority=STRANGER.pubkey() if body[4] else None,
            )
        )
    elif kind == "forward":
        to = _dest(str(body[1]), session, signer)
        pay = transfer(TransferParams(from_pubkey=signer, to_pubkey=to, lamports=int(body[2])))  # type: ignore[call-overload]
        made = Instruction(
            DAPP_ID, bytes(pay.data), [AccountMeta(SYSTEM_PROGRAM_ID, False, False), *pay.accounts]
        )
    elif kind == "reenter":  # the forwarder calling back into the sessions program
        inner = ix.validate_session(session, OWNER.pubkey())
        made = Instruction(
            DAPP_ID, bytes(inner.data), [AccountMeta(PROGRAM_ID, False, False), *inner.accounts]
        )
    else:
        made = ix.pause_session(OWNER.pubkey(), session)
    if tweak is None:
        return made
    assert isinstance(tweak, tuple)
    index, read_only = tweak
    metas = list(made.accounts)
    if index >= len(metas):
        return made
    m = metas[index]
    metas[index] = (
        AccountMeta(m.pubkey, m.is_signer, False)
        if read_only
        else AccountMeta(m.pubkey, False, m.is_writable)
    )
    return Instruction(made.program_id, made.data, metas)


def signers_of(ixs: list[Instruction], signer: Pubkey) -> list[Keypair]:
    """The keypairs a transaction of ``ixs`` needs (the session signer never signs)."""
    wanted = {m.pubkey for i in ixs for m in i.accounts if m.is_signer} - {signer}
    known = {kp.pubkey(): kp for kp in CALLERS}
    return [known[k] for k in wanted if k in known]


__all__ = ["PROGRAM_ID", "Step", "build_inner", "session_states", "signers_of", "steps"]
