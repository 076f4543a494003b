"""Tracing stored blocks and calls: finds what to re-execute and hands it to the tracers.

A transaction is traced by re-executing its block on the parent's state, untraced up to it; a
block in one pass. Call-tree traces of whole blocks (what `trace_*` and `ots_*` read, often
several times for one page of an explorer) are kept for the most recent blocks asked for.
Called by `rpc/methods/debug.py`, `trace.py` and `ots.py` through `Node.replay`, in worker threads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable

from . import address_index, errors
from .block import ZERO_HASH, Block, Header
from .calls import NO_OVERRIDES, BlockEnv, CallOverrides, CallRequest
from .chain import Chain
from .execution.prestate import PrestateTracer
from .execution.tracers import CallTracer, StructLogger
from .execution.tracing import MuxTracer, Tracer, trace_block, trace_call
from .execution.vmtrace import VmTracer
from .storage.kv import Put
from .traces import (
    CALL_TRACER,
    PRESTATE_TRACER,
    CallFrame,
    ParityTrace,
    Prestate,
    TraceConfig,
    TxTrace,
    participants,
)

_CACHED_BLOCKS = 64
CALL_TREE = TraceConfig(tracer=CALL_TRACER, timeout=60.0)
STATE_DIFF = TraceConfig(tracer=PRESTATE_TRACER, diff_mode=True, timeout=60.0)


def tracer_factory(config: TraceConfig) -> Callable[[], Tracer]:
    """Return a maker of fresh tracers for `config` (one per transaction)."""
    if config.tracer == CALL_TRACER:
        return lambda: CallTracer(config)
    if config.tracer == PRESTATE_TRACER:
        return lambda: PrestateTracer(config.diff_mode)
    return lambda: StructLogger(config)


class Replayer:
    """Re-executes stored transactions and calls with tracers."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._trees: OrderedDict[bytes, list[CallFrame]] = OrderedDict()
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()

    def _run(self, block: Block, config: TraceConfig, wanted: list[int] | None,
             make: Callable[[], Tracer] | None = None) -> list[TxTrace]:
        if block.number == 0:
            return []
        parent = self.chain.header_by_hash(block.header.parent_hash)
        if parent is None:
            raise errors.UnknownBlock()
        return trace_block(self.chain.store, parent.state_root, parent.hash, self._env(block),
                           block.transactions, make or tracer_factory(config), wanted,
                           config.timeout)

    def _env(self, block: Block) -> BlockEnv:
        header = block.header
        env = self.chain.env_at(header)
        return dataclasses.replace(
            env, parent_beacon_block_root=header.parent_beacon_block_root or ZERO_HASH)

    def transaction(self, tx_hash: bytes, config: TraceConfig) -> TxTrace | None:
        """Trace one mined transaction; None if the chain does not hold it."""
        lookup = self.chain.transaction(tx_hash)
        if lookup is None:
            return None
        return self._run(lookup.block, config, [lookup.index])[0]

    def block(self, block: Block, config: TraceConfig) -> list[TxTrace]:
        """Trace every transaction of a block."""
        return self._run(block, config, None)

    def call(self, header: Header, request: CallRequest, config: TraceConfig, gas_cap: int,
             overrides: CallOverrides = NO_OVERRIDES) -> TxTrace:
        """Trace a call on the state of `header`, in the block context after it (as geth)."""
        return trace_call(self.chain.store, header.state_root, self.chain.env_at(header),
                          request, gas_cap, tracer_factory(config)(), config.timeout,
                          overrides)

    def parity(self, block: Block, wanted: list[int] | None, types: frozenset[str],
               ) -> list[ParityTrace]:
        """Replay transactions of a block for Parity's trace types ("trace", "stateDiff",
        "vmTrace"): one execution feeds every tracer asked for."""
        return [_parity(trace) for trace in self._run(
            block, CALL_TREE, wanted, _parity_tracer(types))]

    def parity_call(self, header: Header, request: CallRequest, types: frozenset[str],
                    gas_cap: int) -> ParityTrace:
        """Trace a call for Parity's trace_call."""
        return _parity(trace_call(self.chain.store, header.state_root,
                                  self.chain.env_at(header), request, gas_cap,
                                  _parity_tracer(types)(), CALL_TREE.timeout))

    def call_trees(self, block: Block) -> list[CallFrame]:
        """Return the call tree of each transaction of a block (kept for recent blocks)."""
        with self._lock:
            cached = self._trees.get(block.hash)
        if cached is not None:
            return cached
        trees = []
        for trace in self.block(block, CALL_TREE):
            if not isinstance(trace.result, CallFrame):
                raise errors.TraceFailed(trace.error or "no trace")
            trees.append(trace.result)
        with self._lock:
            self._trees[block.hash] = trees
            while len(self._trees) > _CACHED_BLOCKS:
                self._trees.popitem(last=False)
        return trees

    def contract_creator(self, address: bytes) -> tuple[bytes, bytes] | None:
        """Return (creating transaction hash, creator) of a contract; None for an address
        without code or a contract of the genesis state.

        The creating block is found by a binary search over the archive state (the first
        block after which the address has code), then the creation within it: the receipt's
        contract address, or an internal CREATE/CREATE2 in the block's call trees.
        """
        head = self.chain.head
        if not self.chain.state_at(head).code(address):
            return None
        low, high = 0, head.number
        while low < high:
            middle = (low + high) // 2
            header = self.chain.header_by_number(middle)
            if header is not None and self.chain.state_at(header).code(address):
                high = middle
            else:
                low = middle + 1
        block = self.chain.block_by_number(low)
        if low == 0 or block is None:
            return None
        receipts = self.chain.receipts(block.hash) or ()
        for tx, receipt in zip(block.transactions, receipts, strict=False):
            if receipt.contract_address == address:
                return tx.hash, tx.sender
        for tx, tree in zip(block.transactions, self.call_trees(block), strict=True):
            for _, frame in tree.walk():
                if frame.kind in ("CREATE", "CREATE2") and frame.to == address:
                    return tx.hash, frame.sender
        return None

    def stored_block(self, number: int, skip_empty: bool = False) -> Block | None:
        """Return canonical block `number` read from the database, bypassing the chain's block
        cache (bulk scans would fill it); with `skip_empty`, an empty block's header only."""
        block_hash = self.chain.db.canonical_hash(number)
        if block_hash is None:
            return None
        if skip_empty:
            header = self.chain.db.header(block_hash)
            if header is not None and header.gas_used == 0:
                return Block(header, ())
        return self.chain.db.block(block_hash)

    def index_internal(self) -> int:
        """Bring the internal-call address index up to the head (see `address_index`); return
        how many blocks were traced. One caller at a time; writes every 100 blocks."""
        with self._index_lock:
            head = self.chain.head.number
            first = address_index.internal_start(self.chain.db, head)
            puts: list[Put] = []
            for number in range(first, head + 1):
                block = self.stored_block(number, skip_empty=True)
                if block is None:
                    break
                found = [participants(t.result) if isinstance(t.result, CallFrame) else set()
                         for t in self.block(block, CALL_TREE)] if block.transactions else []
                puts += address_index.internal_puts(
                    block, found, self.chain.receipts(block.hash) or ())
                if len(puts) > 10_000 or number % 100 == 0:
                    self.chain.store.write(puts)
                    puts = []
            if puts:
                self.chain.store.write(puts)
            return max(0, head - first + 1)

    def call_tree(self, tx_hash: bytes) -> tuple[CallFrame, Block, int] | None:
        """Return a mined transaction's call tree with its block and index; None if unknown."""
        lookup = self.chain.transaction(tx_hash)
        if lookup is None:
            return None
        return self.call_trees(lookup.block)[lookup.index], lookup.block, lookup.index


def _parity_tracer(types: frozenset[str]) -> Callable[[], Tracer]:
    def make() -> Tracer:
        return MuxTracer(CallTracer(CALL_TREE),
                         PrestateTracer(diff_mode=True) if "stateDiff" in types else Tracer(),
                         VmTracer() if "vmTrace" in types else Tracer())
    return make


def _parity(trace: TxTrace) -> ParityTrace:
    if not isinstance(trace.result, tuple):
        raise errors.TraceFailed(trace.error or "no trace")
    tree, diff, vm = trace.result
    assert isinstance(tree, CallFrame) and (diff is None or isinstance(diff, Prestate))
    return ParityTrace(trace.tx_hash, tree, diff, vm)
