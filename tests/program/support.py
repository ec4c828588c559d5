"""Helpers for the program tests: a harness over SessionsSVM, expected states, snapshots.

Every rejection test goes through :meth:`Harness.reject`, which snapshots every account the
transaction names (bytes, lamports, owner), sends it with a dedicated fee payer, and asserts
the program's own error code, its log line, and that nothing moved except the fee.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from sessions_client import instructions as ix
from sessions_client.accounts import SESSION_ACCOUNT_SIZE, decode_session, encode_session
from sessions_client.codec import layout_of
from sessions_client.constants import PROGRAM_ID, SESSION_VERSION, Permission, Setting
from sessions_client.errors import ErrorCode
from sessions_client.pda import find_session_address, session_seeds
from sessions_client.types import (
    EMPTY_BORROWS,
    Guard,
    ProtocolState,
    Session,
    SessionConfig,
    SessionParams,
    SessionStatus,
    SharedData,
    UsageStats,
)
from sessions_tools.svm import SessionsSVM, TxOutcome

ZERO_KEY = Pubkey.default()
FEE_PER_SIGNATURE = 5000
I64_MAX = (1 << 63) - 1
DEFAULT_DURATION = 3600
DEFAULT_TTL = 600

AccountState = tuple[int, bytes, Pubkey, bool] | None


def params(
    max_duration: int = DEFAULT_DURATION,
    permissions: int = int(Permission.EXECUTE),
    settings: int = 0,
    **kwargs: Any,
) -> SessionParams:
    return SessionParams(SessionConfig(max_duration, permissions, settings), **kwargs)


AUTO_EXPIRE = int(Setting.AUTO_EXPIRE)


def id_with_bump(creator: Pubkey, want: Callable[[int], bool], start: int = 0) -> tuple[int, int]:
    """The first session id >= start whose canonical bump satisfies ``want``: (id, bump)."""
    for session_id in itertools.count(start):
        _address, bump = find_session_address(creator, session_id)
        if want(bump):
            return session_id, bump
    raise AssertionError("unreachable")


def pda_with_bump(creator: Pubkey, session_id: int, bump: int) -> Pubkey | None:
    """The address of the seeds with an explicit bump, or None if it falls on the curve."""
    try:
        return Pubkey.create_program_address(
            [*session_seeds(creator, session_id), bytes([bump])], PROGRAM_ID
        )
    except Exception:  # solders raises PubkeyError for on-curve results
        return None


def expected_session(
    *,
    owner: Pubkey,
    creator: Pubkey,
    session_id: int,
    bump: int,
    p: SessionParams,
    status: SessionStatus,
    created_at: int,
    updated_at: int | None = None,
    activated_at: int = 0,
    expires_at: int = 0,
    request_deadline: int = 0,
    creator_program: Pubkey = ZERO_KEY,
) -> Session:
    """The full Session the program must store: every field, including the zeroed ones."""
    return Session(
        version=SESSION_VERSION,
        bump=bump,
        status=status,
        depth=0,
        effective_permissions=p.config.permissions,
        owner=owner,
        creator=creator,
        creator_program=creator_program,
        session_id=session_id,
        config=p.config,
        scope=p.scope,
        bound_to=ZERO_KEY,
        created_at=created_at,
        updated_at=created_at if updated_at is None else updated_at,
        activated_at=activated_at,
        expires_at=expires_at,
        request_deadline=request_deadline,
        usage_count=0,
        quotas=p.quotas,
        usage=UsageStats(),
        guard=Guard(),
        protocol=ProtocolState(),
        shared=SharedData(),
        metadata=p.metadata,
        borrowed=EMPTY_BORROWS,
        signer=ZERO_KEY,
        signer_bump=0,
        reserved=bytes(31),
    )


def field_diff(actual: bytes, expected: bytes) -> list[str]:
    """Names of the Session leaves whose bytes differ (for readable failures)."""
    out = []
    if actual[:8] != expected[:8]:
        out.append("discriminator")
    for leaf in layout_of(Session).leaves:
        lo, hi = 8 + leaf.offset, 8 + leaf.offset + leaf.size
        if actual[lo:hi] != expected[lo:hi]:
            out.append(f"{leaf.path}: {actual[lo:hi].hex()} != {expected[lo:hi].hex()}")
    return out


def top_level_logs(logs: Sequence[str]) -> list[list[str]]:
    """The log lines of each top-level instruction, in order."""
    out: list[list[str]] = []
    for line in logs:
        if line.startswith("Program ") and line.endswith(" invoke [1]"):
            out.append([])
        if out:
            out[-1].append(line)
    return out


@dataclass(frozen=True)
class Made:
    """A session the harness put on chain, with the keypairs that control it."""

    address: Pubkey
    owner: Keypair
    creator: Keypair
    session_id: int
    bump: int
    params: SessionParams

    @property
    def owner_key(self) -> Pubkey:
        return self.owner.pubkey()

    @property
    def creator_key(self) -> Pubkey:
        return self.creator.pubkey()


class Harness:
    """A SessionsSVM plus a dedicated fee payer, so every other balance delta is exact."""

    def __init__(self, sessions: SessionsSVM) -> None:
        self.s = sessions
        self.fee_payer = sessions.funded_keypair(1_000_000_000_000)
        self.rent = sessions.svm.minimum_balance_for_rent_exemption(SESSION_ACCOUNT_SIZE)
        self._ids = itertools.count(1)

    # -- sending -------------------------------------------------------------------------

    def send(
        self, ixs: Instruction | Sequence[Instruction], signers: Sequence[Keypair] = ()
    ) -> TxOutcome:
        return self.s.send(ixs, list(signers), payer=self.fee_payer)

    def ok(
        self,
        ixs: Instruction | Sequence[Instruction],
        signers: Sequence[Keypair] = (),
        *,
        payer: Keypair | None = None,
    ) -> TxOutcome:
        """Send and require success (``payer``: someone else pays the fee, e.g. a stranger)."""
        if payer is not None:
            out = self.s.send(ixs, [payer, *signers])
            assert out.ok, (out.error, out.failure, out.logs)
            return out
        out = self.send(ixs, signers)
        assert out.ok, (out.error, out.failure, out.logs)
        return out

    def reject(
        self,
        ixs: Instruction | Sequence[Instruction],
        signers: Sequence[Keypair],
        code: ErrorCode,
        *,
        index: int = 0,
        watch: Iterable[Pubkey] = (),
    ) -> TxOutcome:
        """Send, expect the program's ``code`` at instruction ``index``, and no state change."""
        ix_list = [ixs] if isinstance(ixs, Instruction) else list(ixs)
        keys = {m.pubkey for i in ix_list for m in i.accounts} | set(watch)
        keys.discard(self.fee_payer.pubkey())
        before = self.snapshot(keys)
        payer_before = self.s.balance(self.fee_payer.pubkey())
        out = self.send(ix_list, signers)
        assert not out.ok, f"expected {code.pascal_name}, but the transaction succeeded"
        assert out.error == code, (out.error, out.failure, out.logs)
        assert out.failed_instruction == index, out.failure
        assert f"Program log: {code.log_line}" in out.logs, out.logs
        # the program validates before it writes or emits: the failing instruction logged
        # no event before its error
        failing = top_level_logs(out.logs)[index]
        assert not [line for line in failing if line.startswith("Program data: ")], failing
        after = self.snapshot(keys)
        changed = [str(k) for k in keys if before[k] != after[k]]
        assert not changed, f"accounts changed by a rejected transaction: {changed}"
        n_signatures = 1 + len({s.pubkey() for s in signers} - {self.fee_payer.pubkey()})
        fee = payer_before - self.s.balance(self.fee_payer.pubkey())
        assert fee == FEE_PER_SIGNATURE * n_signatures
        return out

    # -- accounts ------------------------------------------------------------------------

    def snapshot(self, keys: Iterable[Pubkey]) -> dict[Pubkey, AccountState]:
        out: dict[Pubkey, AccountState] = {}
        for key in keys:
            account = self.s.svm.get_account(key)
            out[key] = (
                None
                if account is None
                else (account.lamports, bytes(account.data), account.owner, account.executable)
            )
        return out

    def raw(self, address: Pubkey) -> bytes:
        data = self.s.account_data(address)
        assert data is not None, f"no account at {address}"
        return data

    def overwrite(
        self,
        address: Pubkey,
        *,
        data: bytes | None = None,
        owner: Pubkey | None = None,
        lamports: int | None = None,
    ) -> None:
        """Replace fields of the account at ``address`` (the rest is kept)."""
        current = self.s.svm.get_account(address)
        assert current is not None, f"no account at {address}"
        self.s.svm.set_account(
            address,
            Account(
                lamports=lamports if lamports is not None else current.lamports,
                data=data if data is not None else bytes(current.data),
                owner=owner if owner is not None else current.owner,
                executable=False,
            ),
        )

    def patch(self, address: Pubkey, offset: int, value: bytes) -> None:
        data = bytearray(self.raw(address))
        data[offset : offset + len(value)] = value
        self.overwrite(address, data=bytes(data))

    def assert_session(self, address: Pubkey, expected: Session) -> None:
        """The account is a program-owned, rent-exempt Session holding exactly ``expected``."""
        account = self.s.svm.get_account(address)
        assert account is not None, "session account missing"
        assert account.owner == PROGRAM_ID
        assert account.lamports == self.rent
        assert len(account.data) == SESSION_ACCOUNT_SIZE
        data = bytes(account.data)
        want = encode_session(expected)
        assert data == want, field_diff(data, want)
        assert decode_session(data) == expected

    def assert_gone(self, address: Pubkey) -> None:
        """Closed: no lamports, no data (LiteSVM drops the account entirely)."""
        account = self.s.svm.get_account(address)
        assert account is None or (
            account.lamports == 0 and len(account.data) == 0 and account.owner == SYSTEM_PROGRAM_ID
        ), account

    def balances(self, *keys: Pubkey) -> list[int]:
        return [self.s.balance(k) for k in keys]

    # -- building sessions ---------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def create(
        self,
        p: SessionParams | None = None,
        *,
        owner: Keypair | None = None,
        session_id: int | None = None,
    ) -> Made:
        p = p or params()
        owner = owner or self.s.funded_keypair()
        sid = self.next_id() if session_id is None else session_id
        address, bump = find_session_address(owner.pubkey(), sid)
        self.ok(ix.create_session(owner.pubkey(), sid, p), [owner])
        return Made(address, owner, owner, sid, bump, p)

    def request(
        self,
        p: SessionParams | None = None,
        *,
        ttl: int = DEFAULT_TTL,
        session_id: int | None = None,
    ) -> Made:
        p = p or params()
        requester = self.s.funded_keypair()
        owner = self.s.funded_keypair()
        sid = self.next_id() if session_id is None else session_id
        address, bump = find_session_address(requester.pubkey(), sid)
        self.ok(ix.request_session(requester.pubkey(), owner.pubkey(), sid, p, ttl), [requester])
        return Made(address, owner, requester, sid, bump, p)

    def make(self, state: str, p: SessionParams | None = None) -> Made:
        """A session in ``state``: requested, created, active, paused or expired.

        Expired is reached by expire_session at expires_at (the clock stays there).
        """
        if state == "requested":
            return self.request(p)
        made = self.create(p)
        if state == "created":
            return made
        self.ok(ix.activate_session(made.owner_key, made.address), [made.owner])
        if state == "active":
            return made
        if state == "paused":
            self.ok(ix.pause_session(made.owner_key, made.address), [made.owner])
            return made
        assert state == "expired", state
        self.s.set_time(self.session(made.address).expires_at)
        self.ok(ix.expire_session(made.address, made.creator_key, made.owner_key))
        assert self.session(made.address).status == SessionStatus.EXPIRED
        return made

    def session(self, address: Pubkey) -> Session:
        found = self.s.session(address)
        assert found is not None
        return found


# -- instruction tampering -----------------------------------------------------------------


def with_meta(instruction: Instruction, index: int, **changes: bool | Pubkey) -> Instruction:
    """A copy of ``instruction`` whose account ``index`` has the given flags/key changed."""
    metas = list(instruction.accounts)
    m = metas[index]
    metas[index] = AccountMeta(
        changes.get("pubkey", m.pubkey),  # type: ignore[arg-type]
        is_signer=bool(changes.get("is_signer", m.is_signer)),
        is_writable=bool(changes.get("is_writable", m.is_writable)),
    )
    return Instruction(instruction.program_id, bytes(instruction.data), metas)


def with_data(instruction: Instruction, data: bytes) -> Instruction:
    return Instruction(instruction.program_id, data, list(instruction.accounts))


def with_accounts(instruction: Instruction, metas: Sequence[AccountMeta]) -> Instruction:
    return Instruction(instruction.program_id, bytes(instruction.data), list(metas))


def replace(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


# -- the lifecycle instructions, by name ------------------------------------------------------

OWNER_OPS: dict[str, Callable[..., Instruction]] = {
    "approve": ix.approve_session,
    "activate": ix.activate_session,
    "pause": ix.pause_session,
    "resume": ix.resume_session,
}

#: The state in which each lifecycle instruction succeeds.
VALID_STATE = {
    "approve": "requested",
    "activate": "created",
    "pause": "active",
    "resume": "paused",
    "expire": "active",  # once the clock reaches expires_at
    "close": "active",
}


def op_ix(op: str, made: Made, signer: Keypair | None = None) -> tuple[Instruction, list[Keypair]]:
    """The instruction ``op`` on ``made`` signed by ``signer`` (default: the right authority)."""
    if op in OWNER_OPS:
        who = signer or made.owner
        return OWNER_OPS[op](who.pubkey(), made.address), [who]
    if op == "expire":
        return ix.expire_session(made.address, made.creator_key, made.owner_key), []
    assert op == "close", op
    who = signer or made.owner
    return ix.close_session(who.pubkey(), made.address, made.creator_key, made.owner_key), [who]


#: Index of the session account in each instruction's account list.
SESSION_INDEX = {
    "approve": 1,
    "activate": 1,
    "pause": 1,
    "resume": 1,
    "expire": 0,
    "close": 1,
    "create": 1,
    "request": 1,
}
