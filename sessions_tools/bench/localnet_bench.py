"""Throughput of the localnet: transactions over JSON-RPC vs straight into LiteSVM.

The gap between the two numbers is the cost of the HTTP + JSON-RPC + ledger
bookkeeping layer, which is what a test suite driving the localnet pays per
transaction. A scenario supplies the transactions through a factory, so the
same harness measures system transfers today and sessions-program
instructions once that program exists.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.models import TxOpts
from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from sessions_tools.localnet.config import AccountConfig, LocalnetConfig, ProgramConfig
from sessions_tools.localnet.server import start_in_thread

TransactionFactory = Callable[[Hash, int], VersionedTransaction]
"""Builds transaction number ``i`` against ``blockhash``; must give distinct signatures."""

BLOCKHASH_REFRESH: Final = 100
"""Fetch a new blockhash this often: each landed transaction closes a block, 150 max."""
PAYER_LAMPORTS: Final = 1_000_000 * 1_000_000_000


@dataclass(frozen=True)
class BenchScenario:
    """What both chains start with and which transactions to send them."""

    make_transaction: TransactionFactory
    accounts: tuple[AccountConfig, ...] = ()
    programs: tuple[ProgramConfig, ...] = ()


def system_transfer_scenario(payer: Keypair | None = None) -> BenchScenario:
    """Transfers from one funded payer to one funded recipient, amounts 1, 2, 3, ..."""
    sender = payer or Keypair()
    recipient = Keypair().pubkey()

    def make(blockhash: Hash, index: int) -> VersionedTransaction:
        instruction = transfer(
            TransferParams(from_pubkey=sender.pubkey(), to_pubkey=recipient, lamports=index + 1)
        )
        message = MessageV0.try_compile(sender.pubkey(), [instruction], [], blockhash)
        return VersionedTransaction(message, [sender])

    return BenchScenario(
        make_transaction=make,
        accounts=(
            AccountConfig(address=sender.pubkey(), lamports=PAYER_LAMPORTS),
            AccountConfig(address=recipient, lamports=1_000_000_000),
        ),
    )


def measure_direct(n: int, scenario: BenchScenario) -> float:
    """Transactions per second sent straight to a LiteSVM (build + sign + execute)."""
    svm = LiteSVM()
    for program in scenario.programs:
        svm.add_program_from_file(program.program_id, program.so_path)
    for entry in scenario.accounts:
        svm.set_account(
            entry.address,
            Account(entry.lamports, entry.data, entry.owner, entry.executable, entry.rent_epoch),
        )
    blockhash = svm.latest_blockhash()
    started = time.perf_counter()
    for index in range(n):
        result = svm.send_transaction(scenario.make_transaction(blockhash, index))
        if isinstance(result, FailedTransactionMetadata):
            raise RuntimeError(f"direct transaction {index} failed: {result.err()}")
    return n / (time.perf_counter() - started)


async def _send_over_rpc(url: str, n: int, make: TransactionFactory) -> float:
    async with AsyncClient(url) as client:
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        started = time.perf_counter()
        for index in range(n):
            if index and index % BLOCKHASH_REFRESH == 0:
                blockhash = (await client.get_latest_blockhash()).value.blockhash
            sent = await client.send_raw_transaction(
                bytes(make(blockhash, index)), opts=TxOpts(skip_confirmation=True)
            )
            statuses = await client.confirm_transaction(sent.value, Confirmed, sleep_seconds=0.01)
            status = statuses.value[0]
            if status is None or status.err is not None:
                raise RuntimeError(f"RPC transaction {index} failed: {status}")
        return n / (time.perf_counter() - started)


def measure_rpc(n: int, scenario: BenchScenario) -> float:
    """Transactions per second sent and confirmed through solana-py against a localnet."""
    config = LocalnetConfig(accounts=scenario.accounts, programs=scenario.programs)
    with start_in_thread(config, port=0) as localnet:
        return asyncio.run(_send_over_rpc(localnet.url, n, scenario.make_transaction))


def measure_tx_throughput(n: int, scenario: BenchScenario | None = None) -> dict[str, float]:
    """``{"rpc_tx_per_s", "direct_tx_per_s"}`` for ``n`` transactions of ``scenario``.

    The default scenario is system transfers. Call it from synchronous code:
    the RPC half runs its own event loop.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    chosen = scenario or system_transfer_scenario()
    return {
        "rpc_tx_per_s": measure_rpc(n, chosen),
        "direct_tx_per_s": measure_direct(n, chosen),
    }
