"""A localnet configuration with the sessions program, for tests and examples."""

from __future__ import annotations

from collections.abc import Sequence

from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID
from sessions_tools.localnet import AccountConfig, LocalnetConfig, ProgramConfig, ServerConfig
from sessions_tools.program_build import build_sessions_program


def sessions_localnet_config(
    *,
    port: int = 0,
    program_id: Pubkey = PROGRAM_ID,
    accounts: Sequence[AccountConfig] = (),
) -> LocalnetConfig:
    """Loopback server (``port=0``: a free port), current clock, the sessions program loaded.

    ``accounts`` are preloaded verbatim (e.g. Session accounts in states no
    instruction can reach yet).
    """
    so_path = build_sessions_program().path
    return LocalnetConfig(
        server=ServerConfig(port=port),
        programs=(ProgramConfig(name="sessions", program_id=program_id, so_path=so_path),),
        accounts=tuple(accounts),
    )
