"""How fast the simulator runs the program's instructions, against the program in the SVM.

:func:`measure_simulator` builds one deterministic sequence of ``n_ops`` instructions
(every one of the eight, in session lifecycles: see ``_sequence``) and
runs the very same instruction objects through the model
(:meth:`~simulator.program.ProgramModel.execute`: decoding, every validation, the state
change and the events, with nothing cached between operations) and through the program
in the SVM (:class:`~sessions_tools.svm.SessionsSVM`). Both sides must agree on which
operations succeed.

Times are CPU seconds of this process (``time.process_time``), so other work on the
machine distorts neither side, and the two sides run interleaved in chunks of
``_CHUNK`` operations, so a slower stretch of the machine hits both alike; each side's
figure is its best of ``_PASSES`` passes. It lives with the other benchmarks, so the
simulator package itself never imports the SVM.
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
_PASSES: Final = 2
_CHUNK: Final = 1000
_SUSPENSIONS: Final = 6


@dataclass(frozen=True, slots=True)
class _Step:
    instruction: Instruction
    signer: int  # 0: the owner, 1: the dapp, 2: nobody (permissionless)


def _sequence(n_ops: int, owner: Pubkey, dapp: Pubkey) -> list[_Step]:
    """``n_ops`` instructions: lifecycles of direct and of requested sessions, in turn.

    Each session is created (or requested and approved), activated, suspended and resumed
    six times and closed; a direct session also sees an early expire_session, which the
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
            _Step(ix.expire_session(address, owner, owner), 2),  # refused: not expired yet
            _Step(ix.close_session(owner, address, owner, owner), 0),
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
            _Step(ix.close_session(owner, requested, dapp, owner), 0),
        ]
    return steps[:n_ops]


def _never(_: Pubkey) -> bool:
    return False


def _interleaved_pass(
    steps: list[_Step], owner: Keypair, dapp: Keypair, payer: Keypair
) -> tuple[float, float]:
    """One pass over ``steps`` on a fresh model and a fresh SVM, chunk by chunk in turn, so
    both sides run under the same machine conditions; returns (model, SVM) CPU seconds."""
    from sessions_tools.svm import SessionsSVM  # the SVM side only; the model never needs it

    svm = SessionsSVM(start_time=DEFAULT_START_TIME)
    model = ProgramModel(clock=Clock(DEFAULT_START_TIME))
    for keypair in (owner, dapp, payer):
        svm.svm.airdrop(keypair.pubkey(), _LAMPORTS)
    for keypair in (owner, dapp):
        model.airdrop(keypair.pubkey(), _LAMPORTS)
    payer_key = payer.pubkey()
    signers: tuple[list[Keypair], ...] = ([owner], [dapp], [])
    execute, send = model.execute, svm.send
    model_time = svm_time = 0.0
    for at in range(0, len(steps), _CHUNK):
        chunk = steps[at : at + _CHUNK]
        instructions = [step.instruction for step in chunk]
        model_ok = svm_ok = 0
        start = time.process_time()
        for instruction in instructions:
            model_ok += execute(instruction, payer=payer_key).ok
        model_time += time.process_time() - start
        start = time.process_time()
        for step in chunk:
            svm_ok += send(step.instruction, signers[step.signer], payer=payer).ok
        svm_time += time.process_time() - start
        if model_ok != svm_ok:
            raise AssertionError(f"model and SVM disagree: {model_ok} vs {svm_ok} successes")
    return model_time, svm_time


def measure_simulator(n_ops: int) -> dict[str, float]:
    """Operations per second of the simulator and of the SVM on the same sequence.

    Returns ``{"ops_per_s", "svm_ops_per_s", "ratio"}`` (ratio = simulator / SVM); each
    side's figure is its best of a few interleaved passes.
    """
    if n_ops < 1:
        raise ValueError("n_ops must be positive")
    owner, dapp, payer = (Keypair.from_seed(bytes([seed]) * 32) for seed in (1, 2, 3))
    steps = _sequence(n_ops, owner.pubkey(), dapp.pubkey())
    model_best = svm_best = float("inf")
    for _ in range(_PASSES):
        model_time, svm_time = _interleaved_pass(steps, owner, dapp, payer)
        model_best = min(model_best, model_time)
        svm_best = min(svm_best, svm_time)
    ops_per_s = n_ops / model_best
    svm_ops_per_s = n_ops / svm_best
    return {
        "ops_per_s": ops_per_s,
        "svm_ops_per_s": svm_ops_per_s,
        "ratio": ops_per_s / svm_ops_per_s,
    }
