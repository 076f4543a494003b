"""The address index: which transactions an address sent, received or created, for Otterscan.

Each block's entries are written with the block (`chaindb.write_block`); a data folder made
before the index existed is indexed when the node opens it (`backfill`, from its stored blocks
and receipts, without executing anything). The searches page as Otterscan expects: at least a
page of transactions, never splitting a block, newest first. Internal calls are not indexed:
an address reached only through a contract's call is not found (see README).
Called by `chain.py` (backfill) and `rpc/methods/ots.py` (searches).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .storage.chaindb import ChainDB, address_index_puts
from .storage.kv import Put

log = logging.getLogger(__name__)
_BACKFILL_BATCH = 1000  # blocks per write while indexing an older data folder


def backfill(db: ChainDB, head: int) -> int:
    """Index the blocks the index does not cover yet; return how many were indexed."""
    height = db.address_index_height()
    first = 0 if height is None else height + 1
    puts: list[Put] = []
    for number in range(first, head + 1):
        block_hash = db.canonical_hash(number)
        block = db.block(block_hash) if block_hash else None
        if block is None:
            continue
        puts += address_index_puts(block, db.receipts(block.hash) or ())
        if (number - first + 1) % _BACKFILL_BATCH == 0:
            db.store.write(puts)
            puts = []
    if puts:
        db.store.write(puts)
    if head >= first:
        log.info("address index: indexed blocks %d..%d", first, head)
    return max(0, head - first + 1)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of an address's transactions, newest first: (block, tx index) pairs."""

    found: list[tuple[int, int]]
    first_page: bool
    last_page: bool


def _collect(db: ChainDB, address: bytes, start: int, backwards: bool, size: int,
             stop: int | None) -> tuple[list[tuple[int, int]], bool]:
    """Collect at least `size` entries (whole blocks) from `start`; return them and whether
    the history ends there."""
    found: list[tuple[int, int]] = []
    for number, index in db.address_txs(address, start, backwards):
        if stop is not None and (number > stop if not backwards else number < stop):
            break
        if len(found) >= size and found[-1][0] != number:
            return found, False
        found.append((number, index))
    return found, True


def search_before(db: ChainDB, address: bytes, block: int, size: int, head: int) -> SearchPage:
    """Return the address's transactions in blocks before `block` (0: from the head on)."""
    start = head if block == 0 else block - 1
    found, ended = _collect(db, address, start, True, size, None)
    return SearchPage(found, block == 0, ended)


def search_after(db: ChainDB, address: bytes, block: int, size: int, head: int) -> SearchPage:
    """Return the address's transactions in blocks after `block` (0: from genesis), newest
    first as Otterscan shows them."""
    found, ended = _collect(db, address, block + 1 if block else 0, False, size, head)
    return SearchPage(found[::-1], ended, block == 0)
