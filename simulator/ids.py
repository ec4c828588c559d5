"""Session id generation: per creator, sequential, skipping what is taken.

The program verifies the caller's bump and then proves no higher bump derives an
address (about 300 CU per step), so an id whose canonical bump is 255 is the cheapest to
create; the signer PDA's bump is proven the same way by the first execute, or by a close or
expiry before any execute. The allocator prefers ids with both at 255 unless told otherwise
(as ``SessionsClient.new_session_id`` does).
"""

from __future__ import annotations

from collections.abc import Callable

from solders.pubkey import Pubkey

from sessions_client.constants import PROGRAM_ID
from sessions_client.pda import find_session_address, find_signer_address

_U64_MAX = (1 << 64) - 1
_CHEAPEST_BUMP = 255


class SessionIdAllocator:
    """Hands out (id, address, bump) per creator, never an address already in use."""

    __slots__ = ("_next", "_prefer_cheapest", "_program_id", "_start")

    def __init__(
        self, *, start: int = 1, prefer_cheapest: bool = True, program_id: Pubkey = PROGRAM_ID
    ) -> None:
        if not 0 <= start <= _U64_MAX:
            raise ValueError("start must fit in u64")
        self._start = start
        self._prefer_cheapest = prefer_cheapest
        self._program_id = program_id
        self._next: dict[Pubkey, int] = {}

    def allocate(
        self, creator: Pubkey, in_use: Callable[[Pubkey], bool]
    ) -> tuple[int, Pubkey, int]:
        """The next free id of ``creator``, its PDA and canonical bump (with ``prefer_cheapest``,
        the next whose session and signer bumps are both 255)."""
        candidate = self._next.get(creator, self._start)
        while candidate <= _U64_MAX:
            address, bump = find_session_address(creator, candidate, self._program_id)
            candidate += 1
            if self._prefer_cheapest and (
                bump != _CHEAPEST_BUMP
                or find_signer_address(address, self._program_id)[1] != _CHEAPEST_BUMP
            ):
                continue
            if in_use(address):
                continue
            self._next[creator] = candidate
            return candidate - 1, address, bump
        raise OverflowError(f"no session id left for {creator}")
