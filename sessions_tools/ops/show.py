"""``sessions show ADDRESS``: one Session, as a table or as JSON."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table
from solders.pubkey import Pubkey

from sessions_client.types import Session
from sessions_tools.ops.display import readable_rows, to_json
from sessions_tools.ops.keypairs import parse_address
from sessions_tools.ops.session_client import open_client, program_address
from sessions_tools.ops.solana_config import Target


def session_table(address: Pubkey, session: Session) -> Table:
    table = Table(title=f"Session {address}", show_header=True, header_style="bold")
    table.add_column("field", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in readable_rows(session):
        table.add_row(name, value)
    return table


def session_json(address: Pubkey, session: Session) -> dict[str, object]:
    return {"address": str(address), "session": to_json(session)}


async def show_session(
    target: Target, program_id: str | None, address_text: str, *, as_json: bool, console: Console
) -> None:
    """Fetch and print one session; OperatorError / client errors for anything else there."""
    address = parse_address(address_text, "session address")
    async with open_client(target, program_address(program_id)) as client:
        session = await client.get_session(address)
    if as_json:
        sys.stdout.write(json.dumps(session_json(address, session)) + "\n")
    else:
        console.print(session_table(address, session))
