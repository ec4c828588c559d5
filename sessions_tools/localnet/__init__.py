"""``sessions localnet``: an embedded SVM (LiteSVM) served over Solana's JSON-RPC.

Point solana-py, anchorpy or @solana/kit at :attr:`RunningLocalnet.url` and
they talk to it as to ``solana-test-validator``, without installing one.
"""

from __future__ import annotations

from sessions_tools.localnet.chain import (
    Chain,
    ChainState,
    SendResult,
    Simulation,
    TransactionRecord,
)
from sessions_tools.localnet.config import (
    AccountConfig,
    BuildResolver,
    ClockConfig,
    LocalnetConfig,
    LocalnetConfigError,
    ProgramConfig,
    ServerConfig,
    load_config,
    parse_config,
)
from sessions_tools.localnet.dispatch import Dispatcher
from sessions_tools.localnet.server import RunningLocalnet, create_app, serve, start_in_thread

__all__ = [
    "AccountConfig",
    "BuildResolver",
    "Chain",
    "ChainState",
    "ClockConfig",
    "Dispatcher",
    "LocalnetConfig",
    "LocalnetConfigError",
    "ProgramConfig",
    "RunningLocalnet",
    "SendResult",
    "ServerConfig",
    "Simulation",
    "TransactionRecord",
    "create_app",
    "load_config",
    "parse_config",
    "serve",
    "start_in_thread",
]
