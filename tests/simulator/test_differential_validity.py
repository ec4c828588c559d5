"""validate_session's answer, differentially: the SessionValidity the program returns as
return data equals :func:`simulator.ix_limits.validity` on the model's record, for the same
history on both sides (creation, activation, narrowed permissions, the clock moving up to
the last second), and both sides agree on every refusal (the Twin compares codes, events
and accounts). The model's outcome carries no return data, so its answer is compared here.
"""

from __future__ import annotations

import pytest
from differential_twin import Twin
from differential_world import FUNDING, ODD_WALLETS, PAYER, PAYER_KEY, WALLET_KEYS, WALLETS
from solders.instruction import Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from sessions_client import instructions as ix
from sessions_client.codec import layout_of
from sessions_client.constants import PROGRAM_ID, Permission
from sessions_client.errors import ErrorCode
from sessions_client.guards import compile_guard, signer_is
from sessions_client.pda import find_session_address
from sessions_client.types import ResourceQuotas, SessionConfig, SessionParams, SessionValidity
from simulator.ix_limits import validity

pytestmark = pytest.mark.differential

OWNER, BOT = WALLET_KEYS[0], WALLET_KEYS[1]
BOTH = int(Permission.EXECUTE | Permission.COMPOSE)
SESSION_ID = 9


def program_answer(twin: Twin, instruction: Instruction, signer: Pubkey) -> SessionValidity:
    """The program's return data for ``instruction`` (sent on the SVM side only, after the
    twin has run the same instruction on both)."""
    keypair = twin.keypairs[signer]
    message = Message([instruction], PAYER_KEY)
    tx = Transaction([PAYER, keypair], message, twin.svm.svm.latest_blockhash())
    result = twin.svm.svm.send_transaction(tx)
    twin.svm.svm.expire_blockhash()
    assert isinstance(result, TransactionMetadata), result
    answer = result.return_data()
    assert answer.program_id == PROGRAM_ID
    decoded: SessionValidity = layout_of(SessionValidity).decode(bytes(answer.data), 0)
    return decoded


def model_answer(twin: Twin, session: Pubkey) -> SessionValidity:
    record = twin.sim.record(session)
    assert record is not None
    return validity(record, twin.now())


def test_validity_matches_the_programs_return_data() -> None:
    twin = Twin(WALLETS, PAYER, WALLET_KEYS, PAYER_KEY, FUNDING, odd=ODD_WALLETS)
    session, _ = find_session_address(OWNER, SESSION_ID)
    quotas = ResourceQuotas(max_executions=10, max_compute_units=10**9, max_lamports=10**9)
    params = SessionParams(SessionConfig(600, BOTH, 0), quotas=quotas)
    twin.send([ix.create_session(OWNER, SESSION_ID, params)])
    asked = ix.validate_session(session, OWNER)
    real, _model = twin.send([asked])
    assert real.error is ErrorCode.SESSION_NOT_ACTIVE
    twin.send([ix.activate_session(OWNER, session)])
    start = twin.now()
    answers = []
    for at, permissions in (
        (start, None),
        (start + 1, int(Permission.EXECUTE)),
        (start + 599, None),
    ):
        twin.set_time(at)
        if permissions is not None:
            twin.send([ix.update_permissions(OWNER, session, permissions)])
        twin.send([asked])  # both sides: same outcome, events, accounts
        answer = program_answer(twin, asked, OWNER)
        assert answer == model_answer(twin, session)
        answers.append(answer)
    assert [a.remaining_seconds for a in answers] == [600, 599, 1]
    execute_only = int(Permission.EXECUTE)
    assert [a.effective_permissions for a in answers] == [BOTH, execute_only, execute_only]
    # a guard naming a bot: the bot's answer is the same record's
    twin.send([ix.pause_session(OWNER, session)])
    twin.send([ix.update_guard(OWNER, session, compile_guard(signer_is(BOT)))])
    twin.send([ix.resume_session(OWNER, session)])
    by_bot = ix.validate_session(session, BOT)
    twin.send([by_bot])
    assert program_answer(twin, by_bot, BOT) == model_answer(twin, session)
    real, _model = twin.send([asked])
    assert real.error is ErrorCode.CALLER_NOT_ADMITTED
    twin.set_time(start + 600)
    real, _model = twin.send([by_bot])
    assert real.error is ErrorCode.SESSION_EXPIRED
    twin.assert_same_world([session])
