"""The SessionsClient an operator command uses: the resolved cluster, the chosen program."""

from __future__ import annotations

from solders.pubkey import Pubkey

from sessions_client.client import SessionsClient
from sessions_client.constants import PROGRAM_ID
from sessions_tools.ops.keypairs import address_or_keypair_file
from sessions_tools.ops.solana_config import Target

#: One retry: an operator would rather hear "cannot reach" soon than wait out backoffs.
OPERATOR_RETRIES = 1
OPERATOR_TIMEOUT_S = 15.0


def program_address(text: str | None) -> Pubkey:
    """``--program-id`` (an address or a keypair file), or the sessions program's own id."""
    return PROGRAM_ID if text is None else address_or_keypair_file(text, "program id")


def open_client(target: Target, program_id: Pubkey) -> SessionsClient:
    return SessionsClient(
        target.url,
        program_id=program_id,
        commitment=target.commitment,
        retries=OPERATOR_RETRIES,
        timeout=OPERATOR_TIMEOUT_S,
    )
