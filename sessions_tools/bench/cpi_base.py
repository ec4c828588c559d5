"""What one CPI costs in this runtime, measured rather than taken from a constant.

execute's own overhead is its measured total minus the CPI's cost and the callee's own CU.
The runtime's charge for a CPI (``invoke_units``, 946 with SIMD-0339, 1,000 before, plus the
translation of the account infos and data) is runtime configuration, so the bench measures it
with a calibration program built by the project's own toolchain
(``sessions_tools/bench/forwarder/forwarder.c``): a minimal program that makes the same CPI
as an execute of one system transfer (two account infos, twelve bytes of data, signed by a
PDA of the caller). Built twice, once with the invoke and once doing everything but the
invoke, so that

    CPI base = forwarder (with invoke) - forwarder (without) - the callee's CU (measured
    directly, the same transfer as a top-level instruction)

is what the CPI alone adds, the caller's own instructions and the callee's work excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from sessions_tools.paths import project_paths
from sessions_tools.program_build import BuildVariant
from sessions_tools.sbf import build_program
from sessions_tools.svm import SessionsSVM

FORWARDER_DIR: Final = Path(__file__).resolve().parent / "forwarder"
#: The define that builds the forwarder without its invoke.
NO_INVOKE: Final = "-DFORWARDER_NO_INVOKE=1"
#: The forwarder's PDA seed (forwarder.c's SEED).
SEED: Final = b"x"
_LAMPORTS: Final = 1_000


@dataclass(frozen=True, slots=True)
class CpiCalibration:
    """The three measurements and the CPI base they give."""

    forwarder: int  # the forwarder's transaction, invoke included
    forwarder_without_invoke: int  # the same instruction, everything but the invoke
    callee: int  # the system transfer alone, as a top-level instruction

    @property
    def cpi_base(self) -> int:
        return self.forwarder - self.forwarder_without_invoke - self.callee


def build_forwarder(*, invoke: bool = True) -> bytes:
    """forwarder.c built with the project's toolchain (content-stamped, next to the
    program's builds), with or without its invoke."""
    base = BuildVariant.DEFAULT.compiler_options()
    options = base if invoke else replace(base, extra_flags=(*base.extra_flags, NO_INVOKE))
    paths = project_paths()
    out = paths.target_dir / ("bench-forwarder.so" if invoke else "bench-forwarder-no-invoke.so")
    built = build_program(FORWARDER_DIR, [paths.program_include], out, options=options)
    return built.path.read_bytes()


def _forward(program: Pubkey, pda: Pubkey, bump: int, dest: Pubkey) -> Instruction:
    data = bytes([bump]) + _LAMPORTS.to_bytes(8, "little")
    return Instruction(
        program,
        data,
        [
            AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
            AccountMeta(pda, is_signer=False, is_writable=True),
            AccountMeta(dest, is_signer=False, is_writable=True),
        ],
    )


def calibrate(svm: SessionsSVM) -> CpiCalibration:
    """Deploy both forwarder builds into ``svm`` and measure (each on a funded PDA of its
    own, paying a funded destination, so no rent-state rule is near)."""
    payer = svm.funded_keypair()
    dest = svm.funded_keypair(10**9).pubkey()
    measured: list[int] = []
    for invoke in (True, False):
        program = Keypair().pubkey()
        svm.svm.add_program(program, build_forwarder(invoke=invoke))
        pda, bump = Pubkey.find_program_address([SEED], program)
        svm.svm.airdrop(pda, 10**9)
        out = svm.send(_forward(program, pda, bump, dest), [payer])
        if not out.ok:
            raise RuntimeError(f"the CPI calibration failed: {out.failure} {out.logs}")
        measured.append(out.compute_units)
    direct = svm.send(
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=dest, lamports=_LAMPORTS)),
        [payer],
    )
    if not direct.ok:
        raise RuntimeError(f"the direct transfer failed: {direct.failure}")
    return CpiCalibration(measured[0], measured[1], direct.compute_units)
