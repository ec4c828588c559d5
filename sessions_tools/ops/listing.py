"""``sessions list --owner/--creator/--status``: the program's sessions, filtered on the node.

The filters become getProgramAccounts ``memcmp`` filters at the layout's
offsets (:meth:`SessionsClient.list_sessions`), so the node sends only the
matching accounts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from sessions_client.client import SessionAccount
from sessions_client.constants import Permission
from sessions_client.types import ON_CHAIN_STATUSES, SessionStatus
from sessions_tools.ops.display import flags, timestamp, to_json
from sessions_tools.ops.keypairs import parse_address
from sessions_tools.ops.operator_error import OperatorError
from sessions_tools.ops.session_client import open_client, program_address
from sessions_tools.ops.solana_config import Target

#: Longest base58 public key.
ADDRESS_WIDTH = 44

#: Statuses ``--status`` accepts: those stored on chain, by lower-case name.
STATUS_NAMES = {
    status.name.lower(): status
    for status in sorted(ON_CHAIN_STATUSES, key=lambda member: member.value)
}


def parse_status(text: str) -> SessionStatus:
    status = STATUS_NAMES.get(text.strip().lower().replace("-", "_"))
    if status is None:
        raise OperatorError(f"status {text!r} is not one of {', '.join(STATUS_NAMES)}")
    return status


def listing_table(accounts: list[SessionAccount]) -> Table:
    table = Table(title=f"{len(accounts)} session(s)", header_style="bold")
    for column in ("address", "status", "owner", "creator", "id", "permissions", "expires at"):
        if column == "address":  # whole, so it can be copied into `sessions show`
            table.add_column(column, no_wrap=True, min_width=ADDRESS_WIDTH)
        else:
            table.add_column(column, overflow="fold", min_width=len(column))
    for item in accounts:
        s = item.session
        table.add_row(
            str(item.address),
            s.status.name,
            str(s.owner),
            str(s.creator),
            str(s.session_id),
            flags(s.config.permissions, Permission),
            timestamp(s.expires_at),
        )
    return table


@dataclass(frozen=True, slots=True)
class ListFilters:
    """``--owner``, ``--creator`` and ``--status`` as typed (parsed when the command runs)."""

    owner: str | None = None
    creator: str | None = None
    status: str | None = None


async def list_sessions(
    target: Target,
    program_id: str | None,
    filters: ListFilters,
    *,
    as_json: bool,
    console: Console,
) -> None:
    owner = None if filters.owner is None else parse_address(filters.owner, "owner")
    creator = None if filters.creator is None else parse_address(filters.creator, "creator")
    status = None if filters.status is None else parse_status(filters.status)
    async with open_client(target, program_address(program_id)) as client:
        accounts = await client.list_sessions(owner=owner, creator=creator, status=status)
    if as_json:
        rows = [{"address": str(a.address), "session": to_json(a.session)} for a in accounts]
        sys.stdout.write(json.dumps(rows) + "\n")
    else:
        console.print(listing_table(accounts))
