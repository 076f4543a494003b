"""The address index: which transactions an address sent, received or created, for Otterscan.

Each block's entries are written with the block (`chaindb.write_block`); a data folder made
before the index existed is indexed when the node opens it (`backfill`, from its stored blocks
and receipts, without executing anything). The searches page as Otterscan expects: at least a
page of transactions, never splitting a block, newest first.

Addresses reached only by internal calls (a contract called by a contract, a factory's child)
are found by re-executing blocks, which block building does not do: `replay.Replayer.
index_internal` traces the blocks not yet covered before each search and writes their
entries (`internal_puts`), so the first search on a long chain takes the time of tracing it
once. Called by `chain.py` (backfill), `replay.py` and `rpc/methods/ots.py` (searches).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .block import Block
from .receipt import Receipt
from .storage import schema
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


def _entries(db: ChainDB, address: bytes, start: int, backwards: bool,
             ) -> Iterator[tuple[int, int]]:
    """Yield the address's (block, tx index) entries, direct and internal, in order, once each;
    internal entries of blocks that left the chain are skipped."""
    direct = db.address_txs(address, start, backwards)
    internal = (entry for entry in db.address_txs(address, start, backwards,
                                                  schema.INTERNAL_TXS)
                if (db.canonical_hash(entry[0]) or b"")[:8] == entry[2])
    last = None
    for number, index, _ in heapq.merge(direct, internal, key=lambda e: (e[0], e[1]),
                                        reverse=backwards):
        if (number, index) != last:
            last = (number, index)
            yield number, index


def _collect(db: ChainDB, address: bytes, start: int, backwards: bool, size: int,
             stop: int | None) -> tuple[list[tuple[int, int]], bool]:
    """Collect at least `size` entries (whole blocks) from `start`; return them and whether
    the history ends there."""
    found: list[tuple[int, int]] = []
    for number, index in _entries(db, address, start, backwards):
        if stop is not None and (number > stop if not backwards else number < stop):
            break
        if len(found) >= size and found[-1][0] != number:
            return found, False
        found.append((number, index))
    return found, True


def internal_start(db: ChainDB, head: int) -> int:
    """Return the first block the internal-call index still has to cover: after the last one
    it indexed, or after the last block it indexed that is still canonical (evm_revert)."""
    mark = db.meta(schema.INTERNAL_INDEX_KEY)
    number = min(int.from_bytes(mark, "big"), head) if mark is not None else 0
    while number > 0 and db.meta(schema.internal_mark_key(number)) != db.canonical_hash(number):
        number -= 1
    return number + 1


def internal_puts(block: Block, participants: list[set[bytes]],
                  receipts: Sequence[Receipt]) -> list[Put]:
    """Return the internal-call entries of a block, given each transaction's participants
    (those already indexed directly are left out), and the index's new mark."""
    puts: list[Put] = []
    for index, (tx, found) in enumerate(zip(block.transactions, participants, strict=True)):
        direct = {tx.sender, tx.to, receipts[index].contract_address if index < len(
            receipts) else None}
        for address in sorted(found - direct):  # type: ignore[operator]
            puts.append((schema.INTERNAL_TXS, schema.internal_tx_key(
                address, block.number, index, block.hash), b""))
    puts.append((schema.META, schema.internal_mark_key(block.number), block.hash))
    puts.append((schema.META, schema.INTERNAL_INDEX_KEY, schema.number_key(block.number)))
    return puts


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
