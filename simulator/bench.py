"""How fast the simulator runs the program's instructions, against the program in the SVM.

:func:`measure_simulator` builds one deterministic sequence of ``n_ops`` instructions
(every one of the eight, in session lifecycles: see ``_sequence``) and
runs the very same instruction objects through the model
(:meth:`~simulator.program.ProgramModel.execute`: decoding, every validation, the state
change and the events, with nothing cached between operations) and through the program
in the SVM (:class:`~sessions_client.svm.SessionsSVM`). Both sides must agree on which
operations succeed.

Times are CPU seconds of this process (``time.process_time``), so other work on the
machine distorts neither side; the simulator's figure is the best of a few repeats.
This is the only simulator module that imports the SVM, and only inside the function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from sessions_client import instructions as ix
from sessions_client.constants import Permission
from sessions_client.types import SessionConfig, SessionParams
from simulator.clock import DEFAULT_START_TIME, Clock
from simulator.ids import SessionIdAllocator
from simulator.program import ProgramModel

_LAMPORTS: Final = 10**12
_PARAMS: Final = SessionParams(SessionConfig(3600, int(Permission.EXECUTE), 0))
_REPEATS: Final = 3
_SUSPENSIONS: Final = 3


@dataclass(frozen=True, slots=True)
class _Step:
    instruction: Instruction
    signer: int  # 0: the owner, 1: the dapp, 2: nobody (permissionless)


def _sequence(n_ops: int, owner: Pubkey, dapp: Pubkey) -> list[_Step]:
    """``n_ops`` instructions: lifecycles of direct and of requested sessions, in turn.

    Each session is created (or requested and approved), activated, suspended and resumed
    three times and closed; a direct session also sees an early expire_session, which the
    program refuses. Session ids are the ones the client's allocator picks (canonical bump
    255, the cheapest for the program to verify).
    """
    ids = SessionIdAllocator()
    steps: list[_Step] = []
    while len(steps) < n_ops:
        sid, address, _ = ids.allocate(owner, _never)
        toggles = [
            _Step(ix.pause_session(owner, address), 0),
            _Step(ix.resume_session(owner, address), 0),
        ]
        steps += [
            _Step(ix.create_session(owner, sid, _PARAMS), 0),
            _Step(ix.activate_session(owner, address), 0),
            *toggles * _SUSPENSIONS,
            _Step(ix.expire_session(address, owner), 2),  # refused: not expired yet
            _Step(ix.close_session(owner, address, owner), 0),
        ]
        rid, requested, _ = ids.allocate(dapp, _never)
        toggles = [
            _Step(ix.pause_session(owner, requested), 0),
            _Step(ix.resume_session(owner, requested), 0),
        ]
        steps += [
            _Step(ix.request_session(dapp, owner, rid, _PARAMS, 600), 1),
            _Step(ix.approve_session(owner, requested), 0),
            _Step(ix.activate_session(owner, requested), 0),
            *toggles * _SUSPENSIONS,
            _Step(ix.close_session(owner, requested, dapp), 0),
        ]
    return steps[:n_ops]


def _never(_: Pubkey) -> bool:
    return False


def _run_model(steps: list[_Step], keys: tuple[Pubkey, Pubkey], payer: Pubkey) -> tuple[float, int]:
    model = ProgramModel(clock=Clock(DEFAULT_START_TIME))
    for key in keys:
        model.airdrop(key, _LAMPORTS)
    execute = model.execute
    instructions = [s.instruction for s in steps]
    ok = 0
    start = time.process_time()
    for instruction in instructions:
        ok += execute(instruction, payer=payer).ok
    return time.process_time() - start, ok


def measure_simulator(n_ops: int) -> dict[str, float]:
    """Operations per second of the simulator and of the SVM on the same sequence.

    Returns ``{"ops_per_s", "svm_ops_per_s", "ratio"}`` (ratio = simulator / SVM).
    """
    from sessions_client.svm import SessionsSVM  # the SVM side only; the model never needs it

    if n_ops < 1:
        raise ValueError("n_ops must be positive")
    svm = SessionsSVM(start_time=DEFAULT_START_TIME)
    owner, dapp, payer = (svm.funded_keypair(_LAMPORTS) for _ in range(3))
    keys = (owner.pubkey(), dapp.pubkey())
    payer_key = payer.pubkey()
    steps = _sequence(n_ops, *keys)

    best = float("inf")
    model_ok = 0
    for _ in range(_REPEATS):
        elapsed, model_ok = _run_model(steps, keys, payer_key)
        best = min(best, elapsed)

    signers: tuple[list[Keypair], ...] = ([owner], [dapp], [])
    send = svm.send
    svm_ok = 0
    start = time.process_time()
    for step in steps:
        svm_ok += send(step.instruction, signers[step.signer], payer=payer).ok
    svm_elapsed = time.process_time() - start

    if model_ok != svm_ok:
        raise AssertionError(f"model and SVM disagree: {model_ok} vs {svm_ok} successes")
    ops_per_s = n_ops / best
    svm_ops_per_s = n_ops / svm_elapsed
    return {
        "ops_per_s": ops_per_s,
        "svm_ops_per_s": svm_ops_per_s,
        "ratio": ops_per_s / svm_ops_per_s,
    }
