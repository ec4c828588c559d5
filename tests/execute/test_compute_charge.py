"""The compute quota (README "Execute and quotas"): what each execute is charged, the limit
exactly and one compute unit over it, and PERFORMANCE_MONITORING's log of the charge.

The charge is meant to be the transaction's requested compute-unit limit. Where the
execute is the transaction's first instruction, the runtime's own log line for it
("consumed X of M compute units") states that limit as M, so the tests compare the charge
with the runtime's figure instead of with a rule of their own.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from sessions_client.constants import BUILTIN_PROGRAM_IDS, PROGRAM_ID, Setting
from sessions_client.errors import ErrorCode
from sessions_client.instructions import validate_session
from sessions_client.spl_token import COMPUTE_BUDGET_PROGRAM_ID, TOKEN_PROGRAM_ID
from sessions_client.types import ResourceQuotas
from simulator import ix_execute
from simulator.clock import Clock
from simulator.env import Env, TransactionView
from simulator.ledger import Ledger
from simulator.rent import Rent

from .support import ROOMY, SOL, ExecHarness, Live
from .test_execute_attacks import pay, reject

_BUDGET = re.compile(rf"^Program {PROGRAM_ID} consumed \d+ of (\d+) compute units$")


def runtime_limit(logs: tuple[str, ...]) -> int:
    """The compute budget the runtime gave the transaction's first instruction (the
    sessions program's execute): M of its "consumed X of M compute units", the first such
    line (a later instruction of this program logs what was left)."""
    limits = [int(m[1]) for line in logs if (m := _BUDGET.match(line))]
    return limits[0]


def charged(x: ExecHarness, live: Live, after: list[Instruction]) -> tuple[int, int]:
    """(what the session was charged, the runtime's limit) for [execute, *after]."""
    used = x.session(live.address).usage.compute_units_used
    exe, _ixs, signers = x.execute(live, [pay(live)])
    out = x.ok([exe, *after], signers)
    return x.session(live.address).usage.compute_units_used - used, runtime_limit(out.logs)


@pytest.mark.parametrize(
    ("after", "label"),
    [
        ([], "execute alone"),
        ([set_compute_unit_limit(50_000)], "SetComputeUnitLimit"),
        ([set_compute_unit_limit(2_000_000)], "a limit over the maximum, capped"),
    ],
)
def test_the_charge_is_the_limit_the_runtime_gives(
    x: ExecHarness, after: list[Instruction], label: str
) -> None:
    live = x.live(fund=SOL)
    charge, limit = charged(x, live, after)
    assert charge == limit, label


def test_the_compute_quota_one_unit_over_and_exactly_at_it(x: ExecHarness) -> None:
    live = x.live(fund=SOL, quotas=ResourceQuotas(10, 150_000, 10**9))
    x.run(live, [pay(live)], before=[set_compute_unit_limit(50_000)])
    reject(x, live, [pay(live)], ErrorCode.QUOTA_EXCEEDED, before=[set_compute_unit_limit(100_001)])
    x.run(live, [pay(live)], before=[set_compute_unit_limit(100_000)])
    assert x.session(live.address).usage.compute_units_used == 150_000
    assert x.session(live.address).usage_count == 2


def test_performance_monitoring_logs_the_charge(x: ExecHarness) -> None:
    """sol_log_64 of (this charge, the session's compute total, the lamports spent by this
    execute, usage_count, 0), in hex; nothing of it without the setting."""
    quiet = x.live(fund=SOL)
    monitored = x.live(fund=SOL, settings=int(Setting.PERFORMANCE_MONITORING), quotas=ROOMY)
    limit = [set_compute_unit_limit(70_000)]
    x.run(monitored, [pay(monitored, lamports=1_000)], before=limit)
    out = x.run(monitored, [pay(monitored, lamports=1_234)], before=limit)
    expected = f"Program log: {70_000:#x}, {140_000:#x}, {1_234:#x}, {2:#x}, 0x0"
    assert expected in out.logs, out.logs
    assert not out.events  # a log line, not an event (EXECUTION_LOGGING's)
    silent = x.run(quiet, [pay(quiet, lamports=1_234)], before=limit)
    assert not [line for line in silent.logs if line.startswith("Program log: 0x")], silent.logs


# -- without a SetComputeUnitLimit: 3,000 per builtin instruction, 200,000 per other ---------

ED25519 = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
SECP256K1 = Pubkey.from_string("KeccakSecp256k11111111111111111111111111111")
#: Precompile instructions verifying no signature: they succeed.
NO_SIGNATURE = {ED25519: b"\x00\x00", SECP256K1: b"\x00"}


def companions(x: ExecHarness, live: Live) -> dict[str, Instruction]:
    """Instructions that succeed beside an execute: four builtin (a system transfer,
    SetComputeUnitPrice, the two precompiles verifying nothing) and one not builtin (the
    sessions program's validate_session)."""
    owner = live.owner.pubkey()
    to = x.s.funded_keypair().pubkey()
    return {
        "transfer": transfer(TransferParams(from_pubkey=owner, to_pubkey=to, lamports=1)),
        "price": set_compute_unit_price(1),
        "ed25519": Instruction(ED25519, NO_SIGNATURE[ED25519], []),
        "secp256k1": Instruction(SECP256K1, NO_SIGNATURE[SECP256K1], []),
        "validate": validate_session(live.address, owner),
    }


@pytest.mark.parametrize(
    ("names", "expected", "label"),
    [
        (["transfer"], 203_000, "a system transfer"),
        (["price"], 203_000, "SetComputeUnitPrice: a compute-budget instruction counts"),
        (["ed25519", "secp256k1"], 206_000, "the ed25519 and secp256k1 precompiles"),
        (["transfer", "price", "ed25519", "secp256k1"], 212_000, "four builtins"),
        (["validate"], 400_000, "another sessions instruction"),
        (["transfer", "validate", "price"], 406_000, "builtins around a non-builtin"),
        (["validate"] * 6, 1_400_000, "seven non-builtins: exactly the maximum"),
        (["validate"] * 6 + ["transfer"], 1_400_000, "1,403,000 capped at the maximum"),
        (["validate"] * 7, 1_400_000, "1,600,000 capped at the maximum"),
    ],
)
def test_without_a_limit_builtin_instructions_are_charged_as_the_runtime_counts(
    x: ExecHarness, names: list[str], expected: int, label: str
) -> None:
    live = x.live(fund=SOL)
    made = companions(x, live)
    charge, limit = charged(x, live, [made[name] for name in names])
    assert (charge, limit) == (expected, expected), label


#: Every program a transaction may name that agave ever treated as builtin or precompile,
#: and whether this runtime counts it as builtin for the default limit (its own log line
#: says): migrated to core BPF (stake, config, address lookup table) or taken out by SIMD-0387
#: (vote) they are not; neither are the ZK proof programs nor the secp256r1 precompile.
CANDIDATES: dict[str, tuple[str, bool]] = {
    "system": ("11111111111111111111111111111111", True),
    "compute budget": ("ComputeBudget111111111111111111111111111111", True),
    "bpf loader (deprecated)": ("BPFLoader1111111111111111111111111111111111", True),
    "bpf loader v2": ("BPFLoader2111111111111111111111111111111111", True),
    "bpf loader upgradeable": ("BPFLoaderUpgradeab1e11111111111111111111111", True),
    "loader v4": ("LoaderV411111111111111111111111111111111111", True),
    "ed25519 precompile": (str(ED25519), True),
    "secp256k1 precompile": (str(SECP256K1), True),
    "vote": ("Vote111111111111111111111111111111111111111", False),
    "stake": ("Stake11111111111111111111111111111111111111", False),
    "config": ("Config1111111111111111111111111111111111111", False),
    "address lookup table": ("AddressLookupTab1e1111111111111111111111111", False),
    "zk elgamal proof": ("ZkE1Gama1Proof11111111111111111111111111111", False),
    "zk token proof": ("ZkTokenProof1111111111111111111111111111111", False),
    "secp256r1 precompile": ("Secp256r1SigVerify1111111111111111111111111", False),
    "spl token": (str(TOKEN_PROGRAM_ID), False),
}


def test_the_builtin_list_is_the_candidates_the_runtime_counts_as_builtin() -> None:
    builtin = {Pubkey.from_string(key) for key, is_builtin in CANDIDATES.values() if is_builtin}
    assert builtin == set(BUILTIN_PROGRAM_IDS)
    assert len(BUILTIN_PROGRAM_IDS) == len(builtin)  # no id twice


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_each_candidate_program_as_the_runtime_counts_it(
    x: ExecHarness, program_so: bytes, name: str
) -> None:
    """[execute, one instruction of the candidate]: the runtime's limit, from execute's log
    line, is 203,000 for a builtin and 400,000 otherwise, and the simulator's read_transaction
    on the same transaction says the same. The candidate's instruction may fail (after the
    execute ran): the limit was set before anything ran. A program this SVM lacks (config,
    loader v4, zk token proof) gets the sessions program's bytes at its address so the
    transaction loads: the default limit depends on the program ids alone."""
    key, is_builtin = CANDIDATES[name]
    program = Pubkey.from_string(key)
    if x.s.svm.get_account(program) is None:
        x.s.svm.add_program(program, program_so)
    live = x.live(fund=SOL)
    if program == COMPUTE_BUDGET_PROGRAM_ID:
        other = set_compute_unit_price(1)  # data the runtime parses, or nothing runs
    else:
        other = Instruction(program, NO_SIGNATURE.get(program, b""), [])
    exe, _ixs, signers = x.execute(live, [pay(live)])
    out = x.send([exe, other], signers)
    limit = runtime_limit(out.logs)
    assert limit == (203_000 if is_builtin else 400_000), (name, out.failure)
    env = Env(PROGRAM_ID, Ledger(), Clock(), Rent(), None, 0)
    view = TransactionView((PROGRAM_ID, other.program_id), (bytes(exe.data), bytes(other.data)), 0)
    assert ix_execute.read_transaction(replace(env, transaction=view)) == limit
