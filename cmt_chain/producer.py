"""The block producer: the one task that turns pooled transactions into sealed blocks.

Mining modes: `interval` (a block every N seconds; empty blocks optional) and `instant` (a block
as soon as transactions wait, as anvil's automine). Each block: select from the pool, execute in a
worker thread (so the event loop keeps serving RPC), seal with the validator key, store through
`chain.add_block`, prune the pool. `produce` is also called directly by dev methods (`evm_mine`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from . import consensus, errors
from .block import Block, Header
from .chain import Chain
from .cheats import Cheats
from .config import MiningConfig
from .events import EventBus, NewPendingTx
from .executor import BuildRequest, Executor
from .txpool import TxPool

log = logging.getLogger(__name__)

# Rejections after which a pooled transaction can never become valid again at this nonce.
_HOPELESS = (errors.NonceTooLow, errors.IntrinsicGasTooLow, errors.InvalidBlock)


class Producer:
    """Builds, seals and stores blocks for the local validator."""

    def __init__(self, chain: Chain, pool: TxPool, mining: MiningConfig, key: bytes,
                 events: EventBus, executor: Executor) -> None:
        self.chain = chain
        self.executor = executor
        self.pool = pool
        self.mining = mining
        self._key = key
        self.address = consensus.address_of(key)
        self.coinbase = self.address  # where fees go; dev mode may change it (anvil_setCoinbase)
        self.cheats: Cheats | None = None  # dev mode's pending state patch, applied per block
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.automine = mining.mode == "instant"
        self.interval: float | None = mining.interval if mining.mode == "interval" else None
        self.next_timestamp: int | None = None
        self.time_offset = 0
        events.listen(self._on_event)

    def _on_event(self, event: object) -> None:
        if isinstance(event, NewPendingTx):
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="block-producer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        async with self._lock:  # let a block being stored finish
            pass

    async def _run(self) -> None:
        next_slot = time.monotonic()
        while True:
            try:
                if self.automine:
                    await self._wake.wait()
                    self._wake.clear()
                    while self.pool.has_pending():
                        block = await self.produce(allow_empty=False)
                        if block is None or not block.transactions:
                            break  # what waits cannot be included now; wait for news
                elif self.interval:
                    next_slot += self.interval
                    await asyncio.sleep(max(0.0, next_slot - time.monotonic()))
                    next_slot = max(next_slot, time.monotonic() - self.interval)
                    await self.produce(allow_empty=self.mining.empty_blocks)
                else:
                    await self._wake.wait()  # mining paused: wait until a mode is set again
                    self._wake.clear()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad block must not end block production
                log.exception("block production failed")
                await asyncio.sleep(0.5)

    def set_mining(self, automine: bool | None = None, interval: float | None = None) -> None:
        """Switch mining mode at run time (dev methods): automine, a block interval, or paused.

        `interval` 0 pauses interval mining. The task restarts so a new mode takes effect now.
        """
        if automine is not None:
            self.automine = automine
        if interval is not None:
            self.interval = interval or None
        if self._task is not None:
            self._task.cancel()
            self._task = asyncio.create_task(self._run(), name="block-producer")
        if self.automine:
            self._wake.set()  # mine what already waits

    def shift_time(self, seconds: int) -> int:
        """Move the clock of future blocks forward (evm_increaseTime); return the total shift."""
        self.time_offset += seconds
        return self.time_offset

    async def produce(self, allow_empty: bool = True, timestamp: int | None = None,
                      ) -> Block | None:
        """Build, seal and store one block on the current head; return it."""
        async with self._lock:
            parent = self.chain.head
            base_fee = self.chain.next_base_fee(parent)
            candidates = list(self.pool.select(base_fee))
            if not candidates and not allow_empty:
                return None
            env = self.chain.block_env(parent, self._timestamp(parent.timestamp, timestamp),
                                       self.coinbase)
            patch = self.cheats.overrides() if self.cheats is not None else ()
            started = time.perf_counter()
            built = await self.executor.build(BuildRequest(
                parent.state_root, parent.hash, env, candidates, consensus.vanity(b"cmt-chain"),
                patch))
            executed = time.perf_counter()
            block = Block(header=built.header, transactions=built.transactions, withdrawals=())
            seal = consensus.seal(block.header, self._key)
            self.chain.add_block(block, built.receipts, built.state_writes, seal)
            if self.cheats is not None:
                self.cheats.applied(patch)  # the block holds them now
            self.pool.remove_included(list(built.transactions))
            for tx, problem in built.rejected:
                if isinstance(problem, _HOPELESS):
                    self.pool.drop(tx.hash)
            log.info("sealed block %d: %d txs, %d gas, build %.0f ms, store %.0f ms, "
                     "%d left out", block.number, len(block.transactions), block.header.gas_used,
                     (executed - started) * 1000, (time.perf_counter() - executed) * 1000,
                     len(built.rejected))
            return block

    async def rewind(self, target: Header) -> tuple[Block, ...]:
        """Return the chain to `target` (evm_revert) as the one writer; return removed blocks."""
        async with self._lock:
            removed = self.chain.rewind(target)
            self.next_timestamp = None
            return removed

    def _timestamp(self, parent_timestamp: int, requested: int | None) -> int:
        if requested is None and self.next_timestamp is not None:
            requested, self.next_timestamp = self.next_timestamp, None
        chosen = requested if requested is not None else int(time.time()) + self.time_offset
        return max(chosen, parent_timestamp + 1)
