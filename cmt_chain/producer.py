"""The block producer: the one task that turns pooled transactions into sealed blocks.

Mining modes: `interval` (a block every N seconds; empty blocks optional), `instant` (a block as
soon as transactions wait, as anvil's automine) and `off` (blocks only from dev methods). Each
block: select from the pool, execute in a worker thread (so the event loop keeps serving RPC),
seal with the held key whose turn it is (`consensus.turn_order` over the active set), store
through `chain.add_block`, prune the pool. `produce` is also called directly by dev methods
(`evm_mine`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
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

    def __init__(self, chain: Chain, pool: TxPool, mining: MiningConfig,
                 keys: tuple[bytes, ...], events: EventBus, executor: Executor) -> None:
        self.chain = chain
        self.executor = executor
        self.pool = pool
        self.mining = mining
        self._keys = {consensus.address_of(key): key for key in keys}
        self.address = consensus.address_of(keys[0])
        # dev mode's anvil_setCoinbase: the blocks' fee recipient instead of the sealer
        self.coinbase_override: bytes | None = None
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
            sealer = self._sealer(parent)
            if sealer is None:
                return None
            env = dataclasses.replace(self.chain.block_env(
                parent, self._timestamp(parent.timestamp, timestamp),
                self.coinbase_override or sealer),
                base_fee=base_fee)  # next_base_fee: the rule, or a dev-mode override
            patch = self.cheats.overrides() if self.cheats is not None else ()
            started = time.perf_counter()
            built = await self.executor.build(BuildRequest(
                parent.state_root, parent.hash, env, candidates, consensus.vanity(b"cmt-chain"),
                patch))
            executed = time.perf_counter()
            block = Block(header=built.header, transactions=built.transactions, withdrawals=())
            seal = consensus.seal(block.header, self._keys[sealer])
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

    @property
    def coinbase(self) -> bytes:
        """Return the fee recipient of the next blocks (eth_coinbase)."""
        return self.coinbase_override or self.address

    def _sealer(self, parent: Header) -> bytes | None:
        """Return which held key seals the next block: the first in turn order this node holds.

        The turns of validators whose keys are elsewhere pass at once (one node, many keys:
        rotation and absence are testable before the network exists).
        """
        validators = self.chain.validators_at(parent)
        if not validators:
            return self.address
        held = next((v for v in consensus.turn_order(parent.number + 1, validators)
                     if v in self._keys), None)
        if held is None:
            log.warning("no validator key held by this node is in the active set")
        return held

    def _timestamp(self, parent_timestamp: int, requested: int | None) -> int:
        if requested is None and self.next_timestamp is not None:
            requested, self.next_timestamp = self.next_timestamp, None
        chosen = requested if requested is not None else int(time.time()) + self.time_offset
        return max(chosen, parent_timestamp + 1)
