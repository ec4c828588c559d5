"""The differential state machine: the simulator and the program in the SVM, step by step.

A Hypothesis state machine draws random sequences of all eight instructions (valid and
bad: wrong or missing signers, non-owners, bad configurations, wrong bumps and addresses,
unknown and foreign sessions, read-only accounts, malformed data), multi-instruction
transactions, pre-funded addresses, planted account corruption and clock jumps (onto
deadlines, far ahead, to the edge of i64). Every step runs on both sides; after every
step the outcome (success or error code, failing instruction), the events (as values and
as bytes), every touched account's bytes (absent on both once closed) and lamports (rent
back to the creator) and the clock must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from differential_twin import Twin, with_meta
from differential_world import (
    EMPTY_OWNER,
    FUNDING,
    ODD_WALLETS,
    PAYER,
    PAYER_KEY,
    PAYER_WALLETS,
    PDA_ADDRESSES,
    PDAS,
    PLAIN_KEYS,
    PLANT_KEYS,
    SESSION_IDS,
    SIGNER_FUNDING,
    SIGNER_PLANTED,
    STRANGERS,
    TTLS,
    UNKNOWN_KEY,
    WALLET_KEYS,
    WALLETS,
    ZERO_KEY,
    noncanonical,
    noncanonical_signer,
    on_curve_digest,
    sample_session_bytes,
    session_params,
)
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)
from solders.account import Account
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from sessions_client import instructions as ix
from sessions_client.accounts import encode_session
from sessions_client.constants import MAX_REQUEST_TTL, MAX_SESSION_DURATION, PROGRAM_ID
from sessions_client.instructions import INSTRUCTIONS_BY_NAME
from sessions_client.pda import find_signer_address
from sessions_client.types import SessionStatus
from simulator.clock import DEFAULT_START_TIME, I64_MAX, I64_MIN
from simulator.record import SessionRecord

CREATION_VARIANTS = ["ok"] * 14 + [
    "unsigned",
    "payer_readonly",
    "session_readonly",
    "wrong_system_program",
    "bump_below",
    "bump_above",
    "noncanonical_pda",
    "on_curve_digest",
    "other_pda",
    "stranger",
]
OWNER_KINDS: dict[str, Callable[[Pubkey, Pubkey], Instruction]] = {
    "approve": ix.approve_session,
    "activate": ix.activate_session,
    "pause": ix.pause_session,
    "resume": ix.resume_session,
}
PREFUNDING = [890_880, 9_855_359, 9_855_360, 9_855_361, 20_000_000]
#: How a close or expire may get the sweep's accounts wrong (besides the parties).
SWEEP_VARIANTS = ["ok"] * 8 + [
    "owner_readonly",
    "signer_readonly",
    "wrong_signer",
    "bump_below",
    "bump_above",
    "noncanonical_signer",
    "wrong_system_program",
]


class DifferentialMachine(RuleBasedStateMachine):
    """Each step on the SVM and on the model; they must agree after every one."""

    def __init__(self) -> None:
        super().__init__()
        self.twin = Twin(WALLETS, PAYER, WALLET_KEYS, PAYER_KEY, FUNDING, odd=ODD_WALLETS)

    # -- choosing parties and targets ---------------------------------------------------------

    def _record(self, address: Pubkey) -> SessionRecord | None:
        return self.twin.sim.record(address)

    def _target(self, data: st.DataObject) -> Pubkey:
        """Mostly a live session, sometimes any session address, now and then a stranger."""
        live = self.twin.sim.session_addresses()
        roll = data.draw(st.integers(0, 19), label="target kind")
        if live and roll < 15:
            return data.draw(st.sampled_from(sorted(live, key=bytes)), label="live session")
        if roll < 19:
            return data.draw(st.sampled_from(PDA_ADDRESSES), label="session address")
        return data.draw(st.sampled_from(STRANGERS), label="stranger")

    def _party(self, data: st.DataObject, preferred: Pubkey | None, label: str) -> Pubkey:
        """Usually the rightful party, otherwise any wallet."""
        if (
            preferred is not None
            and preferred in WALLET_KEYS
            and data.draw(st.integers(0, 3), label=f"{label} is rightful")
        ):
            return preferred
        return data.draw(st.sampled_from(PLAIN_KEYS), label=label)

    # -- instruction builders (shared by single and batched transactions) -------------------

    def _creation(self, data: st.DataObject, request: bool) -> Instruction:
        w = data.draw(st.sampled_from(PAYER_WALLETS), label="payer wallet")
        sid = data.draw(st.sampled_from(SESSION_IDS), label="session id")
        params = data.draw(session_params(), label="params")
        variant = data.draw(st.sampled_from(CREATION_VARIANTS), label="variant")
        payer = WALLET_KEYS[w]
        address, bump = PDAS[(w, sid)]
        session, use_bump = address, bump
        if variant == "bump_below":
            use_bump = (bump - 1) % 256
        elif variant == "bump_above":
            use_bump = (bump + 1) % 256
        elif variant == "noncanonical_pda":
            found = noncanonical(w, sid)
            if found is not None:
                session, use_bump = found
        elif variant == "on_curve_digest":
            digest = on_curve_digest(w, sid)
            if digest is not None:
                session, use_bump = digest
        elif variant == "other_pda":
            session = PDAS[(w, (sid + 1) % len(SESSION_IDS))][0]
        elif variant == "stranger":
            session = data.draw(st.sampled_from(STRANGERS), label="stranger")
        if request:
            owner = data.draw(st.sampled_from([*PLAIN_KEYS, ZERO_KEY, EMPTY_OWNER]), label="owner")
            ttl = data.draw(TTLS, label="ttl")
            built = ix.request_session(
                payer, owner, sid, params, ttl, bump=use_bump, session=session
            )
        else:
            built = ix.create_session(payer, sid, params, bump=use_bump, session=session)
        if variant == "unsigned":
            built = with_meta(built, 0, signer=False)
        elif variant == "payer_readonly":
            built = with_meta(built, 0, writable=False)
        elif variant == "session_readonly":
            built = with_meta(built, 1, writable=False)
        elif variant == "wrong_system_program":
            wrong = data.draw(st.sampled_from([WALLET_KEYS[0], CLOCK, UNKNOWN_KEY]), label="sys")
            built = with_meta(built, 2, key=wrong)
        return built

    def _owner_op(self, data: st.DataObject, target: Pubkey | None = None) -> Instruction:
        kind = data.draw(st.sampled_from(sorted(OWNER_KINDS)), label="kind")
        target = target or self._target(data)
        record = self._record(target)
        signer = self._party(data, record.origin.owner if record else None, "signer")
        built = OWNER_KINDS[kind](signer, target)
        variant = data.draw(st.sampled_from(["ok"] * 6 + ["unsigned", "session_readonly"]))
        if variant == "unsigned":
            built = with_meta(built, 0, signer=False)
        elif variant == "session_readonly":
            built = with_meta(built, 1, writable=False)
        return built

    def _sweep(
        self, data: st.DataObject, target: Pubkey, record: SessionRecord | None
    ) -> tuple[Pubkey, Pubkey | None, int | None, str]:
        """The owner, signer and bump of a close or expire (None: the builder's derivation)
        and which sweep account, if any, to break after building."""
        owner = self._party(data, record.origin.owner if record else None, "owner")
        if record is not None and record.origin.owner == EMPTY_OWNER:
            owner = record.origin.owner if data.draw(st.integers(0, 3), label="owner") else owner
        variant = data.draw(st.sampled_from(SWEEP_VARIANTS), label="sweep variant")
        bump = find_signer_address(target)[1]
        use_signer: Pubkey | None = None
        use_bump: int | None = None
        if variant == "wrong_signer":
            other = data.draw(st.sampled_from([*PDA_ADDRESSES, *STRANGERS]), label="other")
            use_signer = data.draw(
                st.sampled_from([find_signer_address(other)[0], other, owner]), label="signer"
            )
        elif variant == "bump_below":
            use_bump = (bump - 1) % 256
        elif variant == "bump_above":
            use_bump = (bump + 1) % 256
        elif variant == "noncanonical_signer":
            found = noncanonical_signer(target)
            if found is not None:
                use_signer, use_bump = found
        return owner, use_signer, use_bump, variant

    @staticmethod
    def _break_sweep(
        built: Instruction, instruction: str, variant: str, data: st.DataObject
    ) -> Instruction:
        names = [a.name for a in INSTRUCTIONS_BY_NAME[instruction].accounts]
        if variant == "owner_readonly":
            return with_meta(built, names.index("owner"), writable=False)
        if variant == "signer_readonly":
            return with_meta(built, names.index("session_signer"), writable=False)
        if variant == "wrong_system_program":
            wrong = data.draw(st.sampled_from([WALLET_KEYS[0], CLOCK, UNKNOWN_KEY]), label="sys")
            return with_meta(built, names.index("system_program"), key=wrong)
        return built

    def _expire(self, data: st.DataObject, target: Pubkey | None = None) -> Instruction:
        target = target or self._target(data)
        record = self._record(target)
        receiver = self._party(data, record.origin.creator if record else None, "receiver")
        owner, signer, bump, sweep = self._sweep(data, target, record)
        built = ix.expire_session(target, receiver, owner, signer=signer, signer_bump=bump)
        built = self._break_sweep(built, "expire_session", sweep, data)
        variant = data.draw(st.sampled_from(["ok"] * 6 + ["receiver_readonly", "session_readonly"]))
        if variant == "receiver_readonly":
            built = with_meta(built, 1, writable=False)
        elif variant == "session_readonly":
            built = with_meta(built, 0, writable=False)
        return built

    def _close(self, data: st.DataObject, target: Pubkey | None = None) -> Instruction:
        target = target or self._target(data)
        record = self._record(target)
        if record is not None and data.draw(st.booleans(), label="creator closes"):
            rightful: Pubkey | None = record.origin.creator
        else:
            rightful = record.origin.owner if record else None
        authority = self._party(data, rightful, "authority")
        receiver = self._party(data, record.origin.creator if record else None, "receiver")
        owner, signer, bump, sweep = self._sweep(data, target, record)
        built = ix.close_session(
            authority, target, receiver, owner, signer=signer, signer_bump=bump
        )
        built = self._break_sweep(built, "close_session", sweep, data)
        variant = data.draw(
            st.sampled_from(["ok"] * 6 + ["unsigned", "receiver_readonly", "session_readonly"])
        )
        if variant == "unsigned":
            built = with_meta(built, 0, signer=False)
        elif variant == "receiver_readonly":
            built = with_meta(built, 2, writable=False)
        elif variant == "session_readonly":
            built = with_meta(built, 1, writable=False)
        return built

    def _any(self, data: st.DataObject) -> Instruction:
        kind = data.draw(
            st.sampled_from(["create", "request", "owner", "owner", "expire", "close"]),
            label="batched kind",
        )
        if kind in ("create", "request"):
            return self._creation(data, kind == "request")
        return {"owner": self._owner_op, "expire": self._expire, "close": self._close}[kind](data)

    def _send(self, *instructions: Instruction) -> None:
        real, _ = self.twin.send(instructions)
        event("ok" if real.ok else f"error {real.error.name if real.error else real.failure}")
        for emitted in real.events:
            event(f"emitted {type(emitted).__name__}")

    # -- every run starts with sessions to act on -------------------------------------------

    @initialize(data=st.data())
    def seed_sessions(self, data: st.DataObject) -> None:
        """An Active session (create + activate in one transaction) and a pending request."""
        active, _ = PDAS[(0, 0)]
        self._send(
            ix.create_session(WALLET_KEYS[0], 0, data.draw(session_params(flawless=True))),
            ix.activate_session(WALLET_KEYS[0], active),
        )
        ttl = data.draw(st.sampled_from([1, 60, 600, MAX_REQUEST_TTL]), label="ttl")
        self._send(
            ix.request_session(
                WALLET_KEYS[1], WALLET_KEYS[2], 0, data.draw(session_params(flawless=True)), ttl
            )
        )

    # -- rules: instructions -------------------------------------------------------------------

    @rule(data=st.data())
    def create_session(self, data: st.DataObject) -> None:
        self._send(self._creation(data, request=False))

    @rule(data=st.data())
    def request_session(self, data: st.DataObject) -> None:
        self._send(self._creation(data, request=True))

    @rule(data=st.data())
    def owner_instruction(self, data: st.DataObject) -> None:
        self._send(self._owner_op(data))

    @rule(data=st.data())
    def expire_session(self, data: st.DataObject) -> None:
        self._send(self._expire(data))

    @rule(data=st.data())
    def close_session(self, data: st.DataObject) -> None:
        self._send(self._close(data))

    @rule(data=st.data())
    def batch(self, data: st.DataObject) -> None:
        """Several instructions in one transaction: all or nothing, flags merged per key."""
        count = data.draw(st.integers(2, 3), label="batch size")
        self._send(*(self._any(data) for _ in range(count)))

    @rule(data=st.data())
    def malformed(self, data: st.DataObject) -> None:
        base = self._any(data)
        how = data.draw(
            st.sampled_from(
                ["short", "unknown", "longer", "shorter", "drop_account", "extra_account"]
            ),
            label="malformation",
        )
        raw, metas = bytes(base.data), list(base.accounts)
        if how == "short":
            raw = raw[: data.draw(st.integers(0, 7), label="length")]
        elif how == "unknown":
            raw = bytes(8) + raw[8:]
        elif how == "longer":
            raw = raw + b"\0"
        elif how == "shorter":
            raw = raw[:-1]
        elif how == "drop_account":
            metas = metas[:-1]
        else:
            metas = [*metas, metas[0]]
        self._send(Instruction(base.program_id, raw, metas))

    # -- rules: the world around the program ----------------------------------------------------

    @rule(
        seconds=st.one_of(
            st.sampled_from([1, 59, 60, 600, 3599, 3600, 86_400, MAX_REQUEST_TTL]),
            st.integers(0, MAX_SESSION_DURATION + 10),
        )
    )
    def advance_clock(self, seconds: int) -> None:
        if self.twin.now() <= I64_MAX - seconds:
            self.twin.set_time(self.twin.now() + seconds)

    @rule(data=st.data())
    def jump_to_deadline(self, data: st.DataObject) -> None:
        """Land exactly on (or one second around) a live session's expiry or request deadline."""
        live = self.twin.sim.session_addresses()
        if not live:
            return
        record = self._record(data.draw(st.sampled_from(sorted(live, key=bytes))))
        assert record is not None
        boundary = (
            record.origin.request_deadline
            if record.status is SessionStatus.REQUESTED
            else record.expires_at
        )
        when = boundary + data.draw(st.sampled_from([-1, 0, 1]), label="delta")
        self.twin.set_time(max(I64_MIN, min(I64_MAX, when)))

    @rule(data=st.data())
    def act_at_the_boundary(self, data: st.DataObject) -> None:
        """Move to (or one second around) a live session's expiry or request deadline and act
        on that session at once: off-by-one errors live exactly there."""
        live = sorted(self.twin.sim.session_addresses(), key=bytes)
        if not live:
            return
        target = data.draw(st.sampled_from(live), label="session")
        record = self._record(target)
        assert record is not None
        boundary = (
            record.origin.request_deadline
            if record.status is SessionStatus.REQUESTED
            else record.expires_at
        )
        when = boundary + data.draw(st.sampled_from([-1, 0, 0, 1]), label="delta")
        self.twin.set_time(max(I64_MIN, min(I64_MAX, when)))
        kind = data.draw(st.sampled_from(["owner", "owner", "expire", "close"]), label="kind")
        if kind == "owner":
            self._send(self._owner_op(data, target))
        elif kind == "expire":
            self._send(self._expire(data, target))
        else:
            self._send(self._close(data, target))

    @rule(
        when=st.sampled_from(
            [
                DEFAULT_START_TIME,
                0,
                -5,
                I64_MAX,
                I64_MAX - 1,
                I64_MAX - MAX_REQUEST_TTL,
                I64_MAX - MAX_SESSION_DURATION,
            ]
        )
    )
    def set_time(self, when: int) -> None:
        """Travel in time, to the edge of i64 too (creation and approval must overflow cleanly)."""
        self.twin.set_time(when)

    @rule(data=st.data())
    def prefund(self, data: st.DataObject) -> None:
        """Send lamports to a session address: a future one (creation must cope) or a live one."""
        address = data.draw(st.sampled_from([*PDA_ADDRESSES, UNKNOWN_KEY]), label="address")
        self.twin.fund(address, data.draw(st.sampled_from(PREFUNDING), label="lamports"))

    @rule(data=st.data())
    def fund_signer(self, data: st.DataObject) -> None:
        """Send lamports to a session's signer (a live session's, mostly): what a close or an
        expiry that closes must sweep to the owner."""
        live = sorted(self.twin.sim.session_addresses(), key=bytes)
        pool = live * 3 + list(PDA_ADDRESSES) if live else list(PDA_ADDRESSES)
        session = data.draw(st.sampled_from(pool), label="session")
        signer = find_signer_address(session)[0]
        if data.draw(st.integers(0, 3), label="transfer (else plant)"):
            self.twin.fund(signer, data.draw(st.sampled_from(SIGNER_FUNDING), label="lamports"))
            return
        lamports = data.draw(st.sampled_from(SIGNER_PLANTED), label="planted lamports")
        self.twin.svm.svm.set_account(signer, Account(lamports, b"", ZERO_KEY, False, 0))
        self.twin.sim.set_account(signer, ZERO_KEY, b"", lamports)
        self.twin.watched.add(signer)

    @rule(data=st.data())
    def plant(self, data: st.DataObject) -> None:
        """Write an account from outside the program, as a corrupted or impossible state.

        Either program-owned garbage (wrong size, wrong discriminator, wrong version) at a
        spare address, or a live session rewritten with another status (in-flight and end
        statuses too, which the program must refuse as stored state).
        """
        live = sorted(self.twin.sim.session_addresses(), key=bytes)
        rewrite = data.draw(st.booleans(), label="rewrite a live session") if live else False
        if rewrite:
            address = data.draw(st.sampled_from(live), label="session")
            session = self.twin.sim.session(address)
            assert session is not None
            status = data.draw(st.sampled_from(list(SessionStatus)), label="status")
            raw = encode_session(replace(session, status=status))
        else:
            address = data.draw(st.sampled_from(PLANT_KEYS), label="address")
            good = sample_session_bytes()
            raw = data.draw(
                st.sampled_from(
                    [
                        b"\0" * 10,
                        good[:-1],
                        bytes(8) + good[8:],
                        good[:8] + bytes([good[8] + 1]) + good[9:],
                    ]
                ),
                label="garbage",
            )
        lamports = self.twin.svm.balance(address) or 10_000_000
        self.twin.svm.svm.set_account(address, Account(lamports, raw, PROGRAM_ID, False, 0))
        self.twin.sim.set_account(address, PROGRAM_ID, raw, lamports)
        self.twin.watched.add(address)

    # -- the check after every step ---------------------------------------------------------

    @invariant()
    def same_world(self) -> None:
        self.twin.assert_same_world()
