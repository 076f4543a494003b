"""Log queries: filter criteria, matching, and the bloom pre-check that skips blocks cheaply.

`find_logs` walks a block range and opens only blocks whose header bloom may match; the RPC layer
calls it for `eth_getLogs` and filters; subscriptions call `block_logs` for each new block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eth_bloom import BloomFilter

from . import errors
from .block import Block
from .receipt import Log, Receipt

if TYPE_CHECKING:
    from .chain import Chain
    from .node import BlockRef

MAX_RESULTS = 10_000
MAX_RANGE = 100_000


@dataclass(frozen=True, slots=True)
class LogFilter:
    from_block: BlockRef | None = None
    to_block: BlockRef | None = None
    block_hash: bytes | None = None
    addresses: frozenset[bytes] | None = None
    topics: tuple[frozenset[bytes] | None, ...] = ()


@dataclass(frozen=True, slots=True)
class LocatedLog:
    """A log with its place in the chain, as the RPC serializes it."""

    log: Log
    block_hash: bytes
    block_number: int
    block_timestamp: int
    tx_hash: bytes
    tx_index: int
    log_index: int
    removed: bool = False


def log_matches(log: Log, criteria: LogFilter) -> bool:
    """Return whether a log passes the address and topic criteria."""
    if criteria.addresses is not None and log.address not in criteria.addresses:
        return False
    if len(criteria.topics) > len(log.topics):
        return False  # as geth: a filter naming more positions than the log has never matches
    return all(wanted is None or log.topics[i] in wanted
               for i, wanted in enumerate(criteria.topics))


@dataclass(frozen=True, slots=True)
class BloomQuery:
    """A filter's criteria as bloom bit masks, hashed once for a whole range of blocks.

    Each alternative of a position (an address, one of a topic position's values) sets three
    bits; a block may hold a match only if, for every position, some alternative's bits are
    all set in its bloom.
    """

    positions: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, criteria: LogFilter) -> BloomQuery:
        wanted = ([criteria.addresses] if criteria.addresses is not None else []) + [
            topics for topics in criteria.topics if topics is not None]
        return cls(tuple(tuple(int(BloomFilter.from_iterable([item])) for item in alternatives)
                         for alternatives in wanted))

    def may_match(self, bloom: bytes) -> bool:
        """Return False only when the block's bloom proves no log can match."""
        value = int.from_bytes(bloom, "big")
        return all(any(mask & value == mask for mask in alternatives)
                   for alternatives in self.positions)


def bloom_may_match(bloom: bytes, criteria: LogFilter) -> bool:
    """Return False only when the block's bloom proves no log can match."""
    return BloomQuery.of(criteria).may_match(bloom)


def block_logs(block: Block, receipts: tuple[Receipt, ...], criteria: LogFilter,
               removed: bool = False) -> Iterator[LocatedLog]:
    """Yield the block's logs that match, with their positions."""
    log_index = 0
    for tx_index, (tx, receipt) in enumerate(zip(block.transactions, receipts, strict=False)):
        for log in receipt.logs:
            if log_matches(log, criteria):
                yield LocatedLog(log, block.hash, block.number, block.header.timestamp,
                                 tx.hash, tx_index, log_index, removed)
            log_index += 1


def find_logs(chain: Chain, criteria: LogFilter, first: int, last: int) -> list[LocatedLog]:
    """Return matching logs of canonical blocks first..last (inclusive), bloom-filtered."""
    if last - first + 1 > MAX_RANGE:
        raise errors.QueryLimitExceeded(f"block range greater than {MAX_RANGE}")
    found: list[LocatedLog] = []
    query = BloomQuery.of(criteria)
    for number in range(first, last + 1):
        located = chain.bloom_by_number(number)
        if located is None:
            break
        block_hash, bloom = located
        if not query.may_match(bloom):
            continue
        found.extend(_logs_of(chain, block_hash, criteria))
        if len(found) > MAX_RESULTS:
            raise errors.QueryLimitExceeded(f"query returned more than {MAX_RESULTS} results")
    return found


def logs_in_block(chain: Chain, block_hash: bytes, criteria: LogFilter) -> list[LocatedLog]:
    return list(_logs_of(chain, block_hash, criteria))


def _logs_of(chain: Chain, block_hash: bytes, criteria: LogFilter) -> Iterator[LocatedLog]:
    block = chain.block_by_hash(block_hash)
    receipts = chain.receipts(block_hash)
    if block is not None and receipts is not None:
        yield from block_logs(block, receipts, criteria)
