"""Guard validation at creation, differentially: random stored guards (valid programs, their
mutations, raw bytes) through create_session and request_session in the SVM and in the
model; same outcome, error code, events, account bytes and lamports every time, and the
outcome is InvalidConfiguration exactly when the guard breaks a rule.

``SESSIONS_DIFFERENTIAL_EXAMPLES`` (default 500) sets the budget (half of it here: each
example is a transaction on both sides).
"""

from __future__ import annotations

import itertools
import os

import pytest
from differential_twin import Twin
from differential_world import FUNDING, ODD_WALLETS, PAYER, PAYER_KEY, WALLET_KEYS, WALLETS
from guards.strategies import stored_guards
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_client import instructions as ix
from sessions_client.errors import ErrorCode
from sessions_client.pda import find_session_address
from sessions_client.types import Guard, SessionConfig, SessionParams
from simulator import guard_eval as sim

pytestmark = pytest.mark.differential

EXAMPLES = int(os.environ.get("SESSIONS_DIFFERENTIAL_EXAMPLES", "500"))
CREATOR, OWNER = WALLET_KEYS[0], WALLET_KEYS[1]


class Creations:
    """One twin and fresh session ids for the whole run."""

    def __init__(self) -> None:
        self.twin = Twin(WALLETS, PAYER, WALLET_KEYS, PAYER_KEY, FUNDING, odd=ODD_WALLETS)
        self.ids = itertools.count(1000)


@pytest.fixture(scope="module")
def creations() -> Creations:
    return Creations()


@settings(
    max_examples=max(20, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(stored=stored_guards(), request=st.booleans())
def test_creation_validates_guards_like_the_program(
    creations: Creations, stored: tuple[bytes, int], request: bool
) -> None:
    code, length = stored[0], stored[1] & 0xFFFF
    params = SessionParams(SessionConfig(3600, 1, 0), guard=Guard(length, code))
    session_id = next(creations.ids)
    if request:
        instruction = ix.request_session(CREATOR, OWNER, session_id, params, 600)
    else:
        instruction = ix.create_session(CREATOR, session_id, params)
    real, _model = creations.twin.send([instruction])  # compares outcome, code and events
    address, _ = find_session_address(CREATOR, session_id)
    creations.twin.assert_same_world([address])
    refused = sim.check(code, length) is not None
    assert real.error == (ErrorCode.INVALID_CONFIGURATION if refused else None)
    assert real.ok == (not refused)
