"""The load engine: submit pre-signed transactions, follow the head, check every receipt.

`Client` wraps one node under test: a session for the load (a few batch requests in flight), a
separate one for the head follower, the chain id and fee suggestions, and the dev account that
funds everything. `Client.drive()` is the measured part of every load workload: it sends
(hash, raw) pairs as JSON-RPC batches of eth_sendRawTransaction (retrying with back-off while the
pool is full), waits until the follower has seen each one in a block, fetches every receipt and
runs the workload's check on it, and returns the figures (submit and included rates, time to
inclusion, receipts).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import txs
from .nodes import NodeProcess, log
from .rpc import TRANSIENT, Rpc, RpcError, session

POOL_FULL_RE = re.compile(r"(tx ?pool|transaction pool)\b.*\bfull", re.I)
KNOWN_RE = re.compile(r"already known|known transaction|already imported|alreadyknown", re.I)


class SetupError(Exception):
    """Raised when a workload's preparation (funding, deployment) does not go through."""


def percentile(sorted_vals: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_vals:
        return None
    k = max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)
    return sorted_vals[k]


def rnd(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


# --------------------------------------------------------------------------- head follower


class HeadFollower:
    """Polls eth_blockNumber; records the block and the time each tracked tx was first seen."""

    def __init__(self, rpc: Rpc, poll: float):
        self.rpc = rpc
        self.poll = poll
        self.pending: set[str] = set()
        self.included: dict[str, tuple[int, float]] = {}
        self.block_txs: dict[int, int] = {}  # block -> tracked txs in it
        self.last = -1
        self.head_seen = time.perf_counter()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.last = int(await self.rpc.call("eth_blockNumber"), 16)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def track(self, hashes) -> None:
        self.pending.update(hashes)

    async def _loop(self) -> None:
        while True:
            t0 = time.perf_counter()
            try:
                head = int(await self.rpc.call("eth_blockNumber"), 16)
                seen = time.perf_counter()
                n = self.last + 1
                while n <= head:
                    nums = list(range(n, min(head, n + 99) + 1))
                    got = await self.rpc.batch(
                        [("eth_getBlockByNumber", [hex(k), False]) for k in nums]
                    )
                    for k, (blk, _err) in zip(nums, got, strict=True):
                        if blk is None:  # not served yet; retry on the next poll
                            head = k - 1
                            break
                        self._record(k, blk, seen)
                        self.last = k
                        self.head_seen = seen
                    n = self.last + 1
            except TRANSIENT as e:
                log(f"head follower: {e!r}")
            await asyncio.sleep(max(0.0, self.poll - (time.perf_counter() - t0)))

    def _record(self, number: int, blk: dict, seen: float) -> None:
        if not self.pending:
            return
        ours = 0
        for h in blk.get("transactions", []):
            h = (h if isinstance(h, str) else h["hash"]).lower()
            if h in self.pending:
                self.pending.discard(h)
                self.included[h] = (number, seen)
                ours += 1
        if ours:
            self.block_txs[number] = ours

    async def wait(self, hashes: list[str], timeout: float) -> list[str]:
        """Wait until all `hashes` are included; return the ones still missing."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if all(h in self.included for h in hashes):
                return []
            await asyncio.sleep(0.02)
        return [h for h in hashes if h not in self.included]

    async def wait_for_block(self, number: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.last < number:
            if time.perf_counter() > deadline:
                raise SetupError(f"block {number} not seen in {timeout:.0f} s (head {self.last})")
            await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- submission


@dataclass
class SubmitStats:
    submit_time: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    first: float = 0.0
    last: float = 0.0
    pool_full: int = 0
    known: int = 0
    hash_mismatch: int = 0
    transport_errors: int = 0


async def submit_all(rpc: Rpc, pairs: list[tuple[str, str]], batch_size: int, in_flight: int,
                     timeout: float) -> SubmitStats:
    """Send (hash, raw) pairs as eth_sendRawTransaction batches; retry while the pool is full."""
    st = SubmitStats()
    queue: deque[tuple[str, str]] = deque(pairs)
    retry: deque[tuple[str, str]] = deque()
    total = len(pairs)
    state = {"not_before": 0.0, "backoff": 0.05}
    deadline = time.perf_counter() + timeout

    def done() -> bool:
        return len(st.submit_time) + len(st.failed) >= total

    async def worker() -> None:
        while not done():
            if time.perf_counter() > deadline:
                raise RpcError(f"submission timed out after {timeout:.0f}s")
            wait = state["not_before"] - time.perf_counter()
            src = retry if retry else queue
            if wait > 0 or not src:
                await asyncio.sleep(max(wait, 0.01))
                continue
            batch = [src.popleft() for _ in range(min(batch_size, len(src)))]
            t = time.perf_counter()
            st.first = st.first or t
            try:
                replies = await rpc.batch([("eth_sendRawTransaction", [raw]) for _, raw in batch])
            except TRANSIENT as e:
                st.transport_errors += 1
                log(f"batch send failed ({e!r}); retrying")
                if st.transport_errors > 50:
                    raise
                retry.extendleft(reversed(batch))
                state["not_before"] = time.perf_counter() + 0.5
                continue
            full = taken = 0
            for (h, raw), (res, err) in zip(batch, replies, strict=True):
                if err is None:
                    taken += 1
                    st.submit_time[h] = t
                    if isinstance(res, str) and res.lower() != h:
                        st.hash_mismatch += 1
                    continue
                msg = str(err.get("message", err)) if isinstance(err, dict) else str(err)
                if POOL_FULL_RE.search(msg):
                    st.pool_full += 1
                    retry.append((h, raw))
                    full += 1
                elif KNOWN_RE.search(msg):
                    st.known += 1
                    st.submit_time[h] = t
                else:
                    st.failed[h] = msg
            if full:  # let the pool drain; back off up to 1 s while nothing gets in
                state["not_before"] = time.perf_counter() + state["backoff"]
                state["backoff"] = 0.05 if taken else min(1.0, state["backoff"] * 2)
            else:
                state["backoff"] = 0.05
            st.last = time.perf_counter()

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return st


async def fetch_receipts(rpc: Rpc, hashes: list[str], batch_size: int, in_flight: int,
                         ) -> dict[str, dict]:
    receipts: dict[str, dict] = {}
    sem = asyncio.Semaphore(in_flight)

    async def one(chunk: list[str]) -> None:
        for attempt in range(20):
            todo = [h for h in chunk if h not in receipts]
            if not todo:
                return
            async with sem:
                got = await rpc.batch([("eth_getTransactionReceipt", [h]) for h in todo])
            for h, (res, _err) in zip(todo, got, strict=True):
                if res:
                    receipts[h] = res
            if any(h not in receipts for h in chunk):
                await asyncio.sleep(0.1 * (attempt + 1))

    await asyncio.gather(
        *(one(hashes[i : i + batch_size]) for i in range(0, len(hashes), batch_size))
    )
    return receipts


def status_ok(receipt: dict) -> bool:
    return receipt.get("status") == "0x1"


def token_transfer_ok(receipt: dict) -> bool:
    """Status 1 and exactly one Transfer log."""
    logs = receipt.get("logs") or []
    return (status_ok(receipt) and len(logs) == 1
            and (logs[0].get("topics") or [None])[0] == txs.TRANSFER_TOPIC)


# --------------------------------------------------------------------------- client


@dataclass
class Phase:
    """Events a concurrent task can wait on while `drive` runs."""

    submitting: asyncio.Event = field(default_factory=asyncio.Event)
    included: asyncio.Event = field(default_factory=asyncio.Event)


class Client:
    """One node under test, seen from the benchmark: sessions, follower, fees, funder."""

    def __init__(self, node: NodeProcess, opts: Any):
        self.node = node
        self.url = node.url or ""
        self.opts = opts
        self.funder = txs.dev_key()
        self.funder_nonce: int | None = None

    async def __aenter__(self) -> Client:
        self._load = session(self.opts.in_flight + 2)
        self._follow = session(2)
        self.rpc = Rpc(self.url, self._load)
        self.chain_id = int(await self.rpc.call("eth_chainId"), 16)
        try:
            self.client_version = await self.rpc.call("web3_clientVersion")
        except TRANSIENT:
            self.client_version = None
        self.follower = HeadFollower(Rpc(self.url, self._follow), self.opts.poll)
        await self.follower.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.follower.stop()
        await self._load.close()
        await self._follow.close()

    @contextlib.asynccontextmanager
    async def caller(self):
        """Open a one-connection session for latency probes as `self.call_rpc`."""
        s = session(1)
        self.call_rpc = Rpc(self.url, s)
        try:
            yield self.call_rpc
        finally:
            await s.close()

    async def fetch(self, hashes: list[str]) -> dict[str, dict]:
        """Return the receipts of `hashes` that exist (eth_getTransactionReceipt each)."""
        return await fetch_receipts(self.rpc, hashes, self.opts.batch_size, self.opts.in_flight)

    async def block_receipts(self, blocks: list[int]) -> dict[str, dict] | None:
        """Return every receipt of the blocks by tx hash (eth_getBlockReceipts), or None if the
        node does not serve it. A block at a time: a full block has thousands of receipts.

        For a node that decodes a whole block's receipts to answer for one transaction (cmt-chain
        after a restart, when its block cache is cold), this is the only fast way to check them
        all."""
        out: dict[str, dict] = {}
        sem = asyncio.Semaphore(self.opts.in_flight)

        async def one(number: int) -> None:
            async with sem:
                got = await self.rpc.call("eth_getBlockReceipts", hex(number))
            if not isinstance(got, list):
                raise RpcError(f"eth_getBlockReceipts({number}) gave {str(got)[:200]}")
            for r in got:
                out[r["transactionHash"].lower()] = r

        try:
            await asyncio.gather(*(one(b) for b in blocks))
        except RpcError as e:
            log(f"eth_getBlockReceipts failed ({e}); fetching receipts one by one")
            return None
        return out

    async def fees(self) -> tuple[int, int]:
        """Return (base fee of the latest block, suggested tip)."""
        latest = await self.rpc.call("eth_getBlockByNumber", "latest", False)
        if latest.get("baseFeePerGas") is not None:
            base = int(latest["baseFeePerGas"], 16)
        else:
            base = int(await self.rpc.call("eth_gasPrice"), 16)
        try:
            tip = int(await self.rpc.call("eth_maxPriorityFeePerGas"), 16)
        except (RpcError, TypeError, ValueError):
            tip = 10**9
        return base, tip

    async def max_fee(self) -> tuple[int, int]:
        """Return (maxFeePerGas, tip) with room for the base fee to quadruple."""
        base, tip = await self.fees()
        return 4 * base + tip, tip

    async def nonces(self, addresses: list[str]) -> list[int]:
        got = await self.rpc.batch(
            [("eth_getTransactionCount", [a, "pending"]) for a in addresses])
        return [int(n, 16) for n, _e in got]

    async def funder_txs(self, specs: list[tuple[bytes | None, int, int, bytes]],
                         ) -> list[tuple[str, str]]:
        """Sign (to, value, gas, data) transactions from the dev account, nonces in order."""
        if self.funder_nonce is None:
            self.funder_nonce = (await self.nonces([self.funder.address]))[0]
        max_fee, tip = await self.max_fee()
        out = []
        for to, value, gas, data in specs:
            out.append(txs.sign_1559(self.funder, self.chain_id, self.funder_nonce, to, value,
                                     gas, max_fee, tip, data))
            self.funder_nonce += 1
        return out

    async def send_and_wait(self, pairs: list[tuple[str, str]], what: str,
                            check: Callable[[dict], bool] = status_ok) -> dict[str, dict]:
        """Submit setup transactions, wait for them, check receipts; raise SetupError if not."""
        hashes = [h for h, _ in pairs]
        self.follower.track(hashes)
        st = await submit_all(self.rpc, pairs, self.opts.batch_size, self.opts.in_flight,
                              self.opts.timeout)
        if st.failed:
            raise SetupError(f"{what}: rejected: {next(iter(st.failed.values()))}")
        missing = await self.follower.wait(hashes, self.opts.timeout)
        if missing:
            raise SetupError(f"{what}: {len(missing)} txs not included in time")
        rc = await fetch_receipts(self.rpc, hashes, self.opts.batch_size, self.opts.in_flight)
        bad = [h for h in hashes if not (h in rc and check(rc[h]))]
        if bad:
            raise SetupError(f"{what}: {len(bad)} txs failed, e.g. {bad[0]}: {rc.get(bad[0])}")
        return rc

    async def drive(self, pairs: list[tuple[str, str]], check: Callable[[dict], bool],
                    phase: Phase | None = None) -> dict:
        """Send a pre-signed load, follow it into blocks, check every receipt; return figures."""
        hashes = [h for h, _ in pairs]
        self.follower.track(hashes)
        mem0 = self.node.figures()
        if phase:
            phase.submitting.set()
        try:
            st = await submit_all(self.rpc, pairs, self.opts.batch_size, self.opts.in_flight,
                                  self.opts.timeout)
            accepted = [h for h in hashes if h in st.submit_time]
            log(f"submitted {len(accepted)} in {st.last - st.first:.2f} s ({len(st.failed)} "
                f"rejected, {st.pool_full} pool-full retries); waiting for inclusion")
            missing = await self.follower.wait(accepted, self.opts.timeout)
        finally:
            if phase:  # also when the load failed, so that a concurrent probe ends
                phase.submitting.set()
                phase.included.set()
        mem1 = self.node.figures()  # the load's cost ends at its last inclusion
        included = [h for h in accepted if h in self.follower.included]
        t0 = time.perf_counter()
        # one by one: the live nodes answer that fast (eth_getBlockReceipts of a 5,000-tx block
        # takes anvil 1.7.1 many seconds); a restarted node may not (see import_speed)
        receipts = await self.fetch(included)
        ok = sum(1 for h in included if h in receipts and check(receipts[h]))
        log(f"{len(included)} of {len(pairs)} included; {ok} receipts ok (checked in "
            f"{time.perf_counter() - t0:.1f} s)")

        inc = self.follower.included
        lat = sorted(inc[h][1] - st.submit_time[h] for h in included)
        last_incl = max((inc[h][1] for h in included), default=st.first)
        blocks = sorted({inc[h][0] for h in included})
        submit_s = st.last - st.first
        incl_s = last_incl - st.first
        res = {
            "count": len(pairs),
            "submitted": len(accepted),
            "rejected": len(st.failed),
            "pool_full_retries": st.pool_full,
            "transport_errors": st.transport_errors,
            "included": len(included),
            "missing": len(missing),
            "receipts_checked": len(pairs),
            "receipts_ok": ok,
            "submit_s": rnd(submit_s, 3),
            "submit_tps": round(len(accepted) / submit_s, 1) if submit_s > 0 else None,
            "included_s": rnd(incl_s, 3),
            "included_tps": round(len(included) / incl_s, 1) if incl_s > 0 else None,
            "latency_p50_s": rnd(percentile(lat, 50), 3),
            "latency_p99_s": rnd(percentile(lat, 99), 3),
            "latency_max_s": rnd(lat[-1], 3) if lat else None,
            "blocks": len(blocks),
            "max_txs_per_block": max((self.follower.block_txs[b] for b in blocks), default=0),
            "rss_before_mib": mem0["last_rss_mib"],
            "rss_after_mib": mem1["last_rss_mib"],
            # the node's peak from its start to the load's last inclusion (the receipt checks
            # that follow are the benchmark's, not the workload's)
            "peak_rss_mib": mem1["peak_rss_mib"],
            "load_cpu_s": round(mem1["cpu_s"] - mem0["cpu_s"], 2),
        }
        if st.failed:
            res["first_rejection"] = next(iter(st.failed.values()))
        if st.hash_mismatch:
            res["hash_mismatches"] = st.hash_mismatch
        res["ok"] = ok == len(pairs)
        return res
