"""Fixed participants and addresses of the differential tests, and strategies over them."""

from __future__ import annotations

import functools
import hashlib
from typing import Final

from guards.strategies import stored_guards, valid_programs
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from sessions_client import instructions as ix
from sessions_client.constants import (
    BORROW_CAPACITY,
    GUARD_CAPACITY,
    MAX_REQUEST_TTL,
    MAX_SESSION_DURATION,
    METADATA_LEN,
    NAMESPACE_LEN,
    PROGRAM_ID,
)
from sessions_client.pda import find_session_address, find_signer_address, signer_seeds
from sessions_client.types import (
    Guard,
    ResourceQuotas,
    SessionConfig,
    SessionParams,
    SessionScope,
)
from simulator.checks import derive_session_address
from simulator.clock import I64_MAX
from simulator.guard_eval import check as guard_check
from simulator.program import ProgramModel

#: Four well-funded wallets, a poor one and two odd ones. The poor one has 10,000,000
#: lamports, about the rent of one session (9,855,360): its first creation would leave it
#: below the rent-exempt minimum of a wallet (890,880), which the program refuses, and then
#: it cannot pay at all. The odd ones are rich signers the system program cannot debit: one
#: owned by another program, one a system account holding data (as a nonce account does);
#: they can create only on an address pre-funded with the whole rent.
WALLETS: Final = tuple(Keypair.from_seed(bytes([i + 1]) * 32) for i in range(7))
FUNDING: Final = (10**12, 10**12, 10**12, 10**12, 10_000_000, 10**12, 10**12)
POOR: Final = 4
FOREIGN_OWNED: Final = 5
HOLDS_DATA: Final = 6
WALLET_KEYS: Final = tuple(kp.pubkey() for kp in WALLETS)
#: The plain wallets: every party of an instruction is drawn from these, except a creation's
#: payer, which is now and then an odd one (PAYER_WALLETS).
PLAIN_KEYS: Final = WALLET_KEYS[:FOREIGN_OWNED]
PAYER_WALLETS: Final = (*range(FOREIGN_OWNED),) * 2 + (FOREIGN_OWNED, HOLDS_DATA)
#: The program that owns the FOREIGN_OWNED wallet.
FOREIGN_PROGRAM: Final = Pubkey.from_string("Forgn11111111111111111111111111111111111111")
#: Wallets that are not plain system accounts: key -> (owner, data).
ODD_WALLETS: Final = {
    WALLET_KEYS[FOREIGN_OWNED]: (FOREIGN_PROGRAM, b""),
    WALLET_KEYS[HOLDS_DATA]: (Pubkey.default(), bytes(range(80))),
}
PAYER: Final = Keypair.from_seed(bytes([99]) * 32)
PAYER_KEY: Final = PAYER.pubkey()
ZERO_KEY: Final = Pubkey.default()
SESSION_IDS: Final = (0, 1, 2, 3)

#: (wallet index, session id) -> (canonical PDA, canonical bump)
PDAS: Final = {
    (w, sid): find_session_address(WALLET_KEYS[w], sid)
    for w in range(len(WALLETS))
    for sid in SESSION_IDS
}
PDA_ADDRESSES: Final = tuple(address for address, _ in PDAS.values())
#: Never funded, so an empty system account.
UNKNOWN_KEY: Final = Pubkey(bytes([0xAB]) * 32)
#: An owner nobody funds (requests name it; it never signs): a sweep of less than a wallet's
#: rent-exempt minimum would leave it rent-paying.
EMPTY_OWNER: Final = Pubkey(bytes([0xBA]) * 32)
#: What a session's signer is sent: a wallet's rent-exempt minimum (a transfer of less to an
#: empty account is refused by the runtime), a lamport more, more.
SIGNER_FUNDING: Final = (890_880, 890_881, 5_000_000, 10**9)
#: Rent-paying balances planted into a signer from outside (as set_account writes them): a
#: sweep of those to an empty owner would leave it rent-paying.
SIGNER_PLANTED: Final = (1, 890_879)
#: Accounts planted with program-owned garbage (size, discriminator, version).
PLANT_KEYS: Final = (Pubkey(bytes([0xCD]) * 32), Pubkey(bytes([0xEF]) * 32))
#: Addresses that are not sessions: unknown, a wallet, the program itself, a sysvar.
STRANGERS: Final = (UNKNOWN_KEY, WALLET_KEYS[0], PROGRAM_ID, CLOCK, *PLANT_KEYS)


@functools.cache
def noncanonical(w: int, sid: int) -> tuple[Pubkey, int] | None:
    """A valid PDA of (wallet, id) with a bump below the canonical one, if there is one."""
    _, canonical_bump = PDAS[(w, sid)]
    id_le = sid.to_bytes(8, "little")
    for bump in range(canonical_bump - 1, -1, -1):
        address = derive_session_address(WALLET_KEYS[w], id_le, bump, PROGRAM_ID)
        if address is not None:
            return address, bump
    return None


@functools.cache
def noncanonical_signer(session: Pubkey) -> tuple[Pubkey, int] | None:
    """A valid signer PDA ["signer", session] with a bump below the canonical one, if any."""
    _, canonical_bump = find_signer_address(session)
    for bump in range(canonical_bump - 1, -1, -1):
        try:
            return Pubkey.create_program_address(
                [*signer_seeds(session), bytes((bump,))], PROGRAM_ID
            ), bump
        except Exception:  # solders' PubkeyError: the digest is a curve point
            continue
    return None


@functools.cache
def on_curve_digest(w: int, sid: int) -> tuple[Pubkey, int] | None:
    """The bump just above the canonical one and its digest, which is a curve point (no
    PDA): create_program_address's sha256(seeds, bump, program id, marker), or None when
    the canonical bump is 255."""
    _, canonical_bump = PDAS[(w, sid)]
    if canonical_bump == 255:
        return None
    bump = canonical_bump + 1
    seeds = b"session" + bytes(WALLET_KEYS[w]) + sid.to_bytes(8, "little") + bytes((bump,))
    digest = hashlib.sha256(seeds + bytes(PROGRAM_ID) + b"ProgramDerivedAddress").digest()
    address = Pubkey(digest)
    assert address.is_on_curve()
    return address, bump


VALID_DURATIONS: Final = (1, 2, 30, 3600, 86_400, MAX_SESSION_DURATION)
VALID_PERMISSIONS: Final = (0, 1, 3, 5, 9, 15)
VALID_SETTINGS: Final = (0, 1, 2, 4, 7)
TTLS: Final = st.sampled_from([1, 2, 60, 600, 600, MAX_REQUEST_TTL, 0, -1, MAX_REQUEST_TTL + 1])
#: Byte patterns the program copies verbatim (a few suffice: it never interprets them).
NAMESPACES: Final = (
    bytes(NAMESPACE_LEN),
    b"ns" * (NAMESPACE_LEN // 2),
    bytes(range(NAMESPACE_LEN)),
)
METADATA: Final = (bytes(METADATA_LEN), b"\xff" * METADATA_LEN, bytes(range(METADATA_LEN)))
#: One flaw each, so every validation check is exercised on its own.
FLAWS: Final = (
    "duration_zero",
    "duration_negative",
    "duration_too_long",
    "duration_i64_max",
    "compose_without_execute",
    "unknown_permission",
    "unknown_setting",
    "too_many_borrows",
    "quota_reserved",
    "guard_len",
    "guard_code",
    "guard_broken",
)


#: Stored guards the program refuses (mutated programs, raw bytes; u16 lengths).
BROKEN_GUARDS: Final = (
    stored_guards()
    .map(lambda stored: (stored[0], stored[1] & 0xFFFF))
    .filter(lambda stored: guard_check(*stored) is not None)
)


@st.composite
def session_params(draw: st.DrawFn, *, flawless: bool = False) -> SessionParams:
    """Valid parameters three times in four (always, if ``flawless``); else exactly one flaw."""
    flaw = None if flawless else draw(st.sampled_from((None,) * 33 + FLAWS), label="flaw")
    duration = draw(st.sampled_from(VALID_DURATIONS))
    permissions = draw(st.sampled_from(VALID_PERMISSIONS))
    settings = draw(st.sampled_from(VALID_SETTINGS))
    borrows = draw(st.integers(0, BORROW_CAPACITY))
    reserved, guard = bytes(4), Guard()
    if flaw == "duration_zero":
        duration = 0
    elif flaw == "duration_negative":
        duration = -1
    elif flaw == "duration_too_long":
        duration = MAX_SESSION_DURATION + 1
    elif flaw == "duration_i64_max":
        duration = I64_MAX
    elif flaw == "compose_without_execute":
        permissions = 2
    elif flaw == "unknown_permission":
        permissions |= draw(st.sampled_from([16, 1 << 31]))
    elif flaw == "unknown_setting":
        settings |= draw(st.sampled_from([8, 1 << 31]))
    elif flaw == "too_many_borrows":
        borrows = draw(st.sampled_from([BORROW_CAPACITY + 1, 0xFFFF]))
    elif flaw == "quota_reserved":
        reserved = b"\0\0\0\x01"
    elif flaw == "guard_len":
        guard = Guard(len=1)
    elif flaw == "guard_code":
        guard = Guard(code=bytes(253) + b"\x01")
    elif flaw == "guard_broken":
        code, length = draw(BROKEN_GUARDS)
        guard = Guard(length, code)
    elif draw(st.integers(0, 3)) == 0:  # a valid guard, stored and carried through the lifecycle
        program = draw(valid_programs())
        guard = Guard(len(program), program + bytes(GUARD_CAPACITY - len(program)))
    quotas = ResourceQuotas(
        max_executions=draw(st.sampled_from([0, 10, 2**64 - 1])),
        max_compute_units=draw(st.sampled_from([0, 1_400_000])),
        max_lamports=draw(st.sampled_from([0, 5_000])),
        max_borrowed_accounts=borrows,
        max_children=draw(st.sampled_from([0, 3])),
        reserved=reserved,
    )
    scope = SessionScope(
        program=draw(st.sampled_from([ZERO_KEY, PROGRAM_ID])),
        namespace=draw(st.sampled_from(NAMESPACES)),
    )
    return SessionParams(
        config=SessionConfig(duration, permissions, settings),
        scope=scope,
        quotas=quotas,
        guard=guard,
        metadata=draw(st.sampled_from(METADATA)),
    )


@functools.cache
def sample_session_bytes() -> bytes:
    """A valid Session account's bytes (a template for planted corruption)."""
    model = ProgramModel()
    model.airdrop(WALLET_KEYS[0], 10**12)
    params = SessionParams(SessionConfig(3600, 1, 0))
    outcome = model.execute(ix.create_session(WALLET_KEYS[0], 0, params), payer=PAYER_KEY)
    assert outcome.ok, outcome
    data = model.account_data(PDAS[(0, 0)][0])
    assert data is not None
    return data
