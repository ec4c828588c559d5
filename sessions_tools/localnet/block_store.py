"""The ledger's block history: one block per slot a transaction closed.

Every landed transaction closes the slot it ran in (see
:mod:`~sessions_tools.localnet.chain`), so a block here holds exactly one
transaction; slots passed by a warp, and the open head slot, have no block
(a validator reports those as skipped, or not yet available). Each block
records the blockhash minted when it closed, which is the one
getLatestBlockhash hands out next, and links to its parent block, so
getBlock, getBlocks, getTransaction, getBlockTime and getSignatureStatuses
report the same slots.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solders.hash import Hash

if TYPE_CHECKING:  # the chain imports this module
    from sessions_tools.localnet.chain import TransactionRecord


@dataclass(frozen=True)
class Block:
    """A produced block."""

    slot: int
    parent_slot: int
    blockhash: Hash
    previous_blockhash: Hash
    block_height: int
    block_time: int
    record: TransactionRecord


class BlockStore:
    """Blocks by slot, in slot order; owned (and locked) by one Chain."""

    def __init__(self, genesis_slot: int, genesis_hash: Hash) -> None:
        self._genesis_slot = genesis_slot
        self._genesis_hash = genesis_hash
        self._slots: list[int] = []
        self._blocks: dict[int, Block] = {}

    def close(self, record: TransactionRecord, *, blockhash: Hash, block_height: int) -> Block:
        """Record the block ``record`` closed; its parent is the previous block (or genesis)."""
        previous = self._blocks[self._slots[-1]] if self._slots else None
        if previous is not None and record.slot <= previous.slot:
            raise ValueError(f"block {record.slot} does not follow block {previous.slot}")
        block = Block(
            slot=record.slot,
            parent_slot=previous.slot if previous is not None else self._genesis_slot,
            blockhash=blockhash,
            previous_blockhash=previous.blockhash if previous is not None else self._genesis_hash,
            block_height=block_height,
            block_time=record.block_time,
            record=record,
        )
        self._slots.append(block.slot)
        self._blocks[block.slot] = block
        return block

    def get(self, slot: int) -> Block | None:
        """The block at ``slot``, ``None`` for a slot without one."""
        return self._blocks.get(slot)

    def slots(self, start: int, end: int, limit: int) -> list[int]:
        """Slots with a block in ``start..=end``, ascending, at most ``limit`` of them."""
        first = bisect.bisect_left(self._slots, start)
        last = bisect.bisect_right(self._slots, end)
        return self._slots[first : min(last, first + limit)]
