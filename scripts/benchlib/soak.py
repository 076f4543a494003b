"""The soak: a steady load of CMT transfers for minutes on end, watching memory and reads.

The issue asks that memory stay flat over a ten-minute run at load and that the node keep
answering reads while it is busy. This workload sends transfers at a fixed rate (`--soak-rate`,
signed as it goes, 100 senders round robin) for `--soak-seconds`, samples the resident memory of
the node and its children every 10 s, and times one `eth_getBalance` at a time throughout. At the
end it waits until every sender's nonce on chain has caught up, so every transaction sent counts
as included or missing. Memory is called flat when the least-squares slope after the first minute
is under 1 MiB a minute and the last minute's median is within 10% of the second minute's.
cmt-chain only (not a comparison).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from . import txs
from .load import Client, percentile
from .nodes import log
from .rpc import TRANSIENT

TRANSFER_GAS = 21_000
SAMPLE_EVERY = 10.0  # seconds between memory samples


async def soak(ctx: Any) -> dict:
    """Send transfers at a steady rate; return memory samples, read latencies and inclusion."""
    from .workloads import add_figures, describe, prepare_senders  # shared setup helpers

    opts = ctx.opts
    total = int(opts.soak_seconds * opts.soak_rate)
    node = await ctx.start()
    async with Client(node, opts) as c:
        s = await prepare_senders(c, total, TRANSFER_GAS, 1)
        start_nonces = list(s.nonces)
        stop = asyncio.Event()
        reads: list[float] = []
        reader = asyncio.create_task(_read_loop(c, s.keys[0].address, stop, reads))
        samples, sent, rejected, final_nonces = await _steady_load(c, node, s, total, opts)
        stop.set()
        read_errors = await reader
        included = await _wait_for_nonces(c, s, start_nonces, final_nonces, opts.timeout)
        res = {"seconds": opts.soak_seconds, "rate": opts.soak_rate, "sent": sent,
               "rejected": rejected, "included": included, "missing": sent - included,
               "reads": len(reads), "read_errors": read_errors,
               "read_p50_ms": _ms(percentile(sorted(reads), 50)),
               "read_p99_ms": _ms(percentile(sorted(reads), 99)),
               "memory_samples": samples, **_memory_verdict(samples),
               "ok": rejected == 0 and included == sent and read_errors == 0}
        res.update(describe(c))
    add_figures(res, node)
    return res


async def _steady_load(c: Client, node: Any, s: Any, total: int, opts: Any,
                       ) -> tuple[list[tuple[float, float]], int, int, list[int]]:
    """Send `total` transfers at opts.soak_rate; return (memory samples, sent, rejected, the
    senders' next nonces)."""
    nonces, sent, rejected = list(s.nonces), 0, 0
    samples: list[tuple[float, float]] = []
    t0 = time.monotonic()
    next_sample = 0.0
    while sent < total:
        elapsed = time.monotonic() - t0
        if elapsed >= next_sample:
            samples.append((round(elapsed, 1), node.figures()["last_rss_mib"]))
            next_sample += SAMPLE_EVERY
        due = min(total, int(elapsed * opts.soak_rate))
        if sent >= due:
            await asyncio.sleep(0.01)
            continue
        chunk = min(opts.batch_size, due - sent)
        batch = []
        for i in range(sent, sent + chunk):
            k = i % len(s.keys)
            _, raw = txs.sign_1559(s.keys[k], c.chain_id, nonces[k],
                                   txs.derive_address(opts.seed, "soak-to", i), 1, TRANSFER_GAS,
                                   s.max_fee, s.tip)
            nonces[k] += 1
            batch.append(("eth_sendRawTransaction", [raw]))
        replies = await c.rpc.batch(batch)
        rejected += sum(1 for _, error in replies if error is not None)
        sent += chunk
    samples.append((round(time.monotonic() - t0, 1), node.figures()["last_rss_mib"]))
    log(f"soak: sent {sent} in {time.monotonic() - t0:.0f} s ({rejected} rejected)")
    return samples, sent, rejected, nonces


async def _read_loop(c: Client, address: str, stop: asyncio.Event, out: list[float]) -> int:
    """Time one eth_getBalance at a time until `stop`; return the number of failed reads."""
    errors = 0
    async with c.caller():
        while not stop.is_set():
            try:
                dt, result, error = await c.call_rpc.timed_call("eth_getBalance", address,
                                                                "latest")
            except TRANSIENT:
                errors += 1
                await asyncio.sleep(0.05)
                continue
            errors += error is not None or not isinstance(result, str)
            out.append(dt)
            await asyncio.sleep(0.05)
    return errors


async def _wait_for_nonces(c: Client, s: Any, start: list[int], final: list[int],
                           timeout: float) -> int:
    """Wait until every sender's nonce on chain reaches `final` (or stops moving for 10 s, or
    `timeout`); return how many of the sent transactions were included."""
    deadline = time.monotonic() + timeout
    last, still = -1, 0
    while time.monotonic() < deadline:
        replies = await c.rpc.batch([("eth_getTransactionCount", [k.address, "latest"])
                                     for k in s.keys])
        now = [int(result, 16) for result, _ in replies]
        included = sum(n - b for n, b in zip(now, start, strict=True))
        if now == final:
            return included
        still = still + 1 if included == last else 0
        if still >= 20:
            break
        last = included
        await asyncio.sleep(0.5)
    return max(last, 0)


def _memory_verdict(samples: list[tuple[float, float]]) -> dict:
    """Return the slope after the first minute (MiB/min), the second and last minutes' medians,
    and whether memory stayed flat."""
    settled = [(t, m) for t, m in samples if t >= 60]
    if len(settled) < 3:
        return {"rss_slope_mib_per_min": None, "memory_flat": None}
    times, mems = [t / 60 for t, _ in settled], [m for _, m in settled]
    mean_t, mean_m = statistics.fmean(times), statistics.fmean(mems)
    slope = sum((t - mean_t) * (m - mean_m) for t, m in zip(times, mems, strict=True)) / sum(
        (t - mean_t) ** 2 for t in times)
    second = statistics.median(m for t, m in samples if 60 <= t < 120) if any(
        60 <= t < 120 for t, _ in samples) else mems[0]
    end = samples[-1][0]
    last = statistics.median(m for t, m in samples if t >= end - 60)
    return {"rss_slope_mib_per_min": round(slope, 2), "rss_second_minute_mib": second,
            "rss_last_minute_mib": last,
            "memory_flat": slope < 1.0 and abs(last - second) <= 0.1 * second}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)
