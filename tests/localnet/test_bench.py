"""The throughput helper, with the default transfers and with a custom transaction factory."""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.transaction import VersionedTransaction

from sessions_tools.bench.localnet_bench import (
    BenchScenario,
    measure_direct,
    measure_tx_throughput,
    system_transfer_scenario,
)
from sessions_tools.localnet.config import AccountConfig, ProgramConfig

from .sbf import write_program

pytestmark = pytest.mark.localnet


def test_default_scenario_reports_both_rates() -> None:
    report = measure_tx_throughput(30)
    assert set(report) == {"rpc_tx_per_s", "direct_tx_per_s"}
    assert report["rpc_tx_per_s"] > 0
    assert report["direct_tx_per_s"] > 0


def test_program_scenario_through_a_factory(tmp_path: Path) -> None:
    payer = Keypair()
    program = ProgramConfig("tiny", Keypair().pubkey(), write_program(tmp_path / "tiny.so"))

    def make(blockhash: Hash, index: int) -> VersionedTransaction:
        instruction = Instruction(program.program_id, b"\x00" + index.to_bytes(4, "little"), [])
        message = MessageV0.try_compile(payer.pubkey(), [instruction], [], blockhash)
        return VersionedTransaction(message, [payer])

    scenario = BenchScenario(
        make_transaction=make,
        accounts=(AccountConfig(address=payer.pubkey(), lamports=10**12),),
        programs=(program,),
    )
    report = measure_tx_throughput(20, scenario)
    assert report["rpc_tx_per_s"] > 0
    assert report["direct_tx_per_s"] > 0


def test_failing_transactions_are_reported_not_counted() -> None:
    broken = BenchScenario(make_transaction=system_transfer_scenario().make_transaction)
    with pytest.raises(RuntimeError, match="direct transaction 0 failed"):
        measure_direct(3, broken)  # no accounts preloaded: the payer does not exist
    with pytest.raises(ValueError, match="positive"):
        measure_tx_throughput(0)
