"""execute's compute charge, differentially: random transactions of an execute among builtin
instructions (system transfers, SetComputeUnitPrice, the ed25519 and secp256k1 precompiles
verifying nothing), instructions that are not builtin (validate_session of the sessions
program) and maybe a SetComputeUnitLimit, with the execute at any position. What the program
records (the session's compute total before and after, in the SVM) equals the simulator's
``read_transaction`` on the same instructions, which is the runtime's limit where the
execute comes first (its log line, ``tests/execute/test_compute_charge.py``).

The model runs transactions of the sessions program and one SetComputeUnitLimit only, so
the comparison is of ``read_transaction`` on the transaction's view, the instructions sysvar
as the program reads it. ``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) sets the budget
(a fifth of it here).
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction

from sessions_client.constants import PROGRAM_ID
from sessions_tools.program_build import ensure_program
from sessions_tools.svm import SessionsSVM
from simulator import ix_execute
from simulator.clock import Clock
from simulator.env import Env, TransactionView
from simulator.ledger import Ledger
from simulator.rent import Rent
from tests.execute.support import SOL, ExecHarness, Live
from tests.execute.test_compute_charge import companions
from tests.execute.test_execute_attacks import pay

pytestmark = pytest.mark.differential

EXAMPLES: Final = max(20, int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500")) // 5)
#: Requested limits: below, at and over the default of several instructions, over the maximum.
LIMITS: Final = (None, 50_000, 403_000, 1_400_000, 2_000_000)


@functools.cache
def harness() -> tuple[ExecHarness, Live]:
    """One SVM and one active funded session for every example (its usage only grows)."""
    x = ExecHarness(SessionsSVM(ensure_program()))
    return x, x.live(fund=SOL)


def model_charge(ixs: list[Instruction], current: int) -> int:
    env = Env(PROGRAM_ID, Ledger(), Clock(), Rent(), None, 0)
    view = TransactionView(
        tuple(i.program_id for i in ixs), tuple(bytes(i.data) for i in ixs), current
    )
    charge = ix_execute.read_transaction(replace(env, transaction=view))
    assert isinstance(charge, int), charge
    return charge


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    names=st.lists(st.sampled_from(["transfer", "ed25519", "secp256k1", "validate"]), max_size=8),
    price=st.booleans(),
    limit=st.sampled_from(LIMITS),
    position=st.integers(min_value=0, max_value=10),
)
def test_the_programs_charge_is_the_models(
    names: list[str], price: bool, limit: int | None, position: int
) -> None:
    x, live = harness()
    made = companions(x, live)
    others = [made[name] for name in names]
    if price:
        others.append(made["price"])
    if limit is not None:
        others.append(set_compute_unit_limit(limit))
    exe, _ixs, signers = x.execute(live, [pay(live)])
    at = min(position, len(others))
    ixs = [*others[:at], exe, *others[at:]]
    before = x.session(live.address).usage.compute_units_used
    x.ok(ixs, signers)
    charged = x.session(live.address).usage.compute_units_used - before
    assert charged == model_charge(ixs, at), (names, price, limit, at)
