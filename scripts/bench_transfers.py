#!/usr/bin/env python3
"""Transfer throughput benchmark for cmt-chain (or any Ethereum JSON-RPC node).

Phase 1 funds --senders fresh, deterministically derived accounts from the dev
account (first key of the `test test ... junk` mnemonic). Phase 2 pre-signs
--count EIP-1559 value transfers (21000 gas, round-robin over the senders),
sends them as JSON-RPC batches of eth_sendRawTransaction with a few requests
in flight, follows the head until every one is included, and checks every
receipt's status.

Targets (several may be given; each gets the same workload, in this order):
  --rpc URL            a node that is already running
  --start-node CMD     spawn CMD (no shell); `{port}` and `{datadir}` in CMD are
                       replaced by a free port and a fresh temporary directory.
                       The RPC URL is --rpc if given, else http://127.0.0.1:{port}
                       if CMD uses {port}, else the first http://host:port the
                       node prints (for `--port 0`).
  --anvil              spawn anvil from the npm package @foundry-rs/anvil-linux-amd64
                       (via npx) with --block-time 1 --gas-limit 1000000000.

Examples:
  python scripts/bench_transfers.py --rpc http://127.0.0.1:8545 --count 5000 --senders 100
  python scripts/bench_transfers.py --start-node "cmt-chain --data-dir {datadir} --port {port}"
  python scripts/bench_transfers.py --anvil --count 5000 --senders 100

Progress goes to stderr. stdout gets a summary per target and, as its last
line, one JSON object with all figures (for several targets: {"runs": [...]}).
Exit status is 0 only if every transfer was included with receipt status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from eth_account import Account
from eth_utils import keccak, to_checksum_address

# m/44'/60'/0'/0/0 of "test test test test test test test test test test test junk"
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_NPM = "@foundry-rs/anvil-linux-amd64"
TRANSFER_GAS = 21000
FEE_HEADROOM = 4  # senders are funded for maxFeePerGas up to 4x the one first computed
POOL_FULL_RE = re.compile(r"(tx ?pool|transaction pool)\b.*\bfull", re.I)
KNOWN_RE = re.compile(r"already known|known transaction|already imported|alreadyknown", re.I)
URL_RE = re.compile(r"\bhttp://(\[::1\]|[\w.-]+):(\d+)")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- JSON-RPC


class RpcError(Exception):
    pass


class Rpc:
    def __init__(self, url: str, session: aiohttp.ClientSession):
        self.url = url
        self.session = session
        self._id = 0

    async def _post(self, payload):
        async with self.session.post(self.url, json=payload) as resp:
            body = await resp.text()
            if resp.status != 200:
                raise RpcError(f"HTTP {resp.status}: {body[:300]}")
        return json.loads(body)

    async def call(self, method: str, *params):
        self._id += 1
        reply = await self._post(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}
        )
        if reply.get("error"):
            raise RpcError(f"{method}: {reply['error']}")
        return reply.get("result")

    async def batch(self, calls: list[tuple[str, list]]) -> list[tuple[Any, Any]]:
        """Send one JSON-RPC batch; returns (result, error) pairs in call order."""
        base = self._id + 1
        self._id += len(calls)
        payload = [
            {"jsonrpc": "2.0", "id": base + i, "method": m, "params": p}
            for i, (m, p) in enumerate(calls)
        ]
        reply = await self._post(payload)
        if not isinstance(reply, list):
            raise RpcError(f"batch answered with a non-list: {str(reply)[:300]}")
        by_id = {r.get("id"): r for r in reply}
        out: list[tuple[Any, Any]] = []
        for i in range(len(calls)):
            r = by_id.get(base + i)
            if r is None:
                out.append((None, {"code": -1, "message": "missing from batch reply"}))
            else:
                out.append((r.get("result"), r.get("error")))
        return out


# --------------------------------------------------------------------------- node process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    return kids


class NodeProcess:
    """A node we spawned: output teed to a log file, memory/CPU read from /proc."""

    def __init__(self, name: str, argv: list[str], log_path: str, scrape_url: bool):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.url: str | None = None
        self._scrape = scrape_url
        log(f"starting {name}: {shlex.join(argv)} (log: {log_path})")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        with open(self.log_path, "wb") as out:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                out.write(line)
                out.flush()
                if self._scrape and self.url is None:
                    m = URL_RE.search(line.decode(errors="replace"))
                    if m:
                        host = m.group(1)
                        host = "127.0.0.1" if host in ("0.0.0.0", "localhost") else host
                        self.url = f"http://{host}:{m.group(2)}"

    def tree(self) -> list[int]:
        kids, pids, todo = _proc_children(), [], [self.pid]
        while todo:
            p = todo.pop()
            pids.append(p)
            todo.extend(kids.get(p, []))
        return pids

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM summed over the process and its descendants (kB)."""
        total = {"VmRSS": 0, "VmHWM": 0}
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        key = line.split(":", 1)[0]
                        if key in total:
                            total[key] += int(line.split()[1])
            except OSError:
                pass
        return total

    def cpu_seconds(self) -> float:
        ticks = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
            except (OSError, IndexError, ValueError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            log(f"stopping {self.name} (pid {self.pid})")
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self._reader.join(timeout=5)


def anvil_argv(explicit: str | None) -> list[str]:
    """anvil's binary from the npm package (npx installs it into its cache)."""
    if explicit:
        return [explicit]
    try:
        out = subprocess.run(
            ["npx", "--yes", "-p", ANVIL_NPM, "-c", "command -v anvil"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        for line in reversed(out.stdout.splitlines()):
            if os.path.isfile(line.strip()) and os.access(line.strip(), os.X_OK):
                return [os.path.realpath(line.strip())]
    except (OSError, subprocess.SubprocessError) as e:
        log(f"npx lookup of anvil failed: {e}")
    if shutil.which("anvil"):
        return [shutil.which("anvil")]  # type: ignore[list-item]
    if shutil.which("npx"):
        return ["npx", "--yes", ANVIL_NPM]  # memory is then read over the process tree
    raise SystemExit("--anvil: neither npx nor anvil is available")


# --------------------------------------------------------------------------- head follower


class HeadFollower:
    """Polls eth_blockNumber; records when each tracked tx's block was first seen."""

    def __init__(self, rpc: Rpc, poll: float):
        self.rpc = rpc
        self.poll = poll
        self.pending: set[str] = set()
        self.included: dict[str, tuple[int, float]] = {}
        self.blocks: dict[int, dict] = {}
        self.last = -1
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
                    nums = list(range(n, min(head, n + 49) + 1))
                    got = await self.rpc.batch(
                        [("eth_getBlockByNumber", [hex(k), False]) for k in nums]
                    )
                    for k, (blk, _err) in zip(nums, got, strict=True):
                        if blk is None:  # not served yet; retry on the next poll
                            head = k - 1
                            break
                        self._record(k, blk, seen)
                        self.last = k
                    n = self.last + 1
            except (TimeoutError, aiohttp.ClientError, RpcError, ValueError) as e:
                log(f"head follower: {e!r}")
            await asyncio.sleep(max(0.0, self.poll - (time.perf_counter() - t0)))

    def _record(self, number: int, blk: dict, seen: float) -> None:
        ours = 0
        for h in blk.get("transactions", []):
            h = (h if isinstance(h, str) else h["hash"]).lower()
            if h in self.pending:
                self.pending.discard(h)
                self.included[h] = (number, seen)
                ours += 1
        if ours:
            self.blocks[number] = {
                "txs": len(blk.get("transactions", [])),
                "ours": ours,
                "gasUsed": int(blk.get("gasUsed", "0x0"), 16),
            }

    async def wait(self, hashes: list[str], timeout: float) -> list[str]:
        """Wait until all `hashes` are included; returns the ones still missing."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if all(h in self.included for h in hashes):
                return []
            await asyncio.sleep(0.02)
        return [h for h in hashes if h not in self.included]


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


async def submit_all(
    rpc: Rpc, txs: list[tuple[str, str]], batch_size: int, in_flight: int, timeout: float
) -> SubmitStats:
    """Send (hash, raw) pairs as eth_sendRawTransaction batches; retry on a full pool."""
    st = SubmitStats()
    queue: deque[tuple[str, str]] = deque(txs)
    retry: deque[tuple[str, str]] = deque()
    total = len(txs)
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
            except (TimeoutError, aiohttp.ClientError, RpcError, ValueError) as e:
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


async def fetch_receipts(
    rpc: Rpc, hashes: list[str], batch_size: int, in_flight: int
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
            await asyncio.sleep(0.1 * (attempt + 1) if len(receipts) < len(hashes) else 0)

    await asyncio.gather(
        *(one(hashes[i : i + batch_size]) for i in range(0, len(hashes), batch_size))
    )
    return receipts


# --------------------------------------------------------------------------- workload


def derive_key(seed: str, kind: str, i: int) -> bytes:
    return keccak(f"cmt-chain-bench/{seed}/{kind}/{i}".encode())


def percentile(sorted_vals: list[float], p: float) -> float:
    if not sorted_vals:
        return float("nan")
    k = max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)
    return sorted_vals[k]


def sign_transfer(
    acct, chain_id: int, nonce: int, to: str, value: int, max_fee: int, tip: int
) -> tuple[str, str]:
    s = acct.sign_transaction(
        {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce,
            "to": to,
            "value": value,
            "gas": TRANSFER_GAS,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "data": b"",
        }
    )
    return (
        "0x" + s.hash.hex().removeprefix("0x").lower(),
        "0x" + s.raw_transaction.hex().removeprefix("0x"),
    )


async def read_fees(rpc: Rpc, tip_override: int | None) -> tuple[int, int]:
    latest = await rpc.call("eth_getBlockByNumber", "latest", False)
    if latest.get("baseFeePerGas") is not None:
        base = int(latest["baseFeePerGas"], 16)
    else:
        base = int(await rpc.call("eth_gasPrice"), 16)
    if tip_override is not None:
        tip = tip_override
    else:
        try:
            tip = int(await rpc.call("eth_maxPriorityFeePerGas"), 16)
        except (RpcError, TypeError, ValueError):
            tip = 10**9
    return base, tip


async def wait_ready(url_fn, node: NodeProcess | None, timeout: float) -> str:
    deadline = time.perf_counter() + timeout
    last_err = "no RPC URL known yet"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
        while time.perf_counter() < deadline:
            if node is not None and not node.alive():
                raise SystemExit(
                    f"{node.name} exited with {node.proc.returncode}; see {node.log_path}"
                )
            url = url_fn()
            if url:
                try:
                    await Rpc(url, s).call("eth_chainId")
                    return url
                except (TimeoutError, aiohttp.ClientError, RpcError, ValueError) as e:
                    last_err = repr(e)
            await asyncio.sleep(0.2)
    raise SystemExit(f"node not ready after {timeout:.0f}s: {last_err}")


async def run_workload(url: str, args, node: NodeProcess | None, target: str) -> dict:
    res: dict = {
        "target": target,
        "rpc": url,
        "count": args.count,
        "senders": args.senders,
        "batch_size": args.batch_size,
        "in_flight": args.in_flight,
    }
    timeout = aiohttp.ClientTimeout(total=120)
    async with (
        aiohttp.ClientSession(
            timeout=timeout, connector=aiohttp.TCPConnector(limit=args.in_flight + 2)
        ) as session,
        aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=2)) as fsession,
    ):
        rpc = Rpc(url, session)
        chain_id = int(await rpc.call("eth_chainId"), 16)
        res["chain_id"] = chain_id
        try:
            res["client"] = await rpc.call("web3_clientVersion")
        except (RpcError, aiohttp.ClientError):
            res["client"] = None
        if node:
            mem = node.memory_kib()
            res["node_rss_before_mib"] = round(mem["VmRSS"] / 1024, 1)
            cpu0 = node.cpu_seconds()

        funder = Account.from_key(args.funder_key)
        senders = [
            Account.from_key(derive_key(args.seed, "sender", i)) for i in range(args.senders)
        ]
        per_sender = math.ceil(args.count / args.senders)
        base, tip = await read_fees(rpc, args.tip)
        max_fee = 2 * base + tip
        budget = per_sender * (TRANSFER_GAS * max_fee * FEE_HEADROOM + args.value)
        log(
            f"{target}: chain id {chain_id}, base fee {base}, tip {tip}, "
            f"{args.senders} senders x {per_sender} transfers"
        )

        follower = HeadFollower(Rpc(url, fsession), args.poll)
        await follower.start()
        try:
            # ---- phase 1: fund the senders that need it
            t0 = time.perf_counter()
            bal = await rpc.batch([("eth_getBalance", [a.address, "latest"]) for a in senders])
            needy = [
                a
                for a, (b, _e) in zip(senders, bal, strict=True)
                if b is None or int(b, 16) < budget
            ]
            if needy:
                nonce = int(
                    await rpc.call("eth_getTransactionCount", funder.address, "pending"), 16
                )
                fund = [
                    sign_transfer(funder, chain_id, nonce + i, a.address, budget, max_fee, tip)
                    for i, a in enumerate(needy)
                ]
                follower.track(h for h, _ in fund)
                st = await submit_all(rpc, fund, args.batch_size, args.in_flight, args.timeout)
                if st.failed:
                    raise SystemExit(f"funding rejected: {next(iter(st.failed.values()))}")
                missing = await follower.wait([h for h, _ in fund], args.timeout)
                if missing:
                    raise SystemExit(f"{len(missing)} funding txs not included in time")
                rc = await fetch_receipts(
                    rpc, [h for h, _ in fund], args.batch_size, args.in_flight
                )
                bad = [h for h, _ in fund if rc.get(h, {}).get("status") != "0x1"]
                if bad:
                    raise SystemExit(f"{len(bad)} funding txs failed, e.g. {bad[0]}")
            res["funding_s"] = round(time.perf_counter() - t0, 3)
            log(f"funded {len(needy)} senders in {res['funding_s']} s")

            # ---- phase 2: pre-sign the transfers
            base, tip = await read_fees(rpc, args.tip)
            max_fee = 2 * base + tip
            if per_sender * (TRANSFER_GAS * max_fee + args.value) > budget:
                raise SystemExit("base fee rose past the funded headroom; rerun")
            res.update(base_fee=base, tip=tip, max_fee_per_gas=max_fee)
            got = await rpc.batch(
                [("eth_getTransactionCount", [a.address, "pending"]) for a in senders]
            )
            nonces = [int(n, 16) for n, _e in got]
            t0 = time.perf_counter()
            txs = []
            for i in range(args.count):
                s = i % args.senders
                to = to_checksum_address(derive_key(args.seed, "to", i)[:20])
                txs.append(
                    sign_transfer(senders[s], chain_id, nonces[s], to, args.value, max_fee, tip)
                )
                nonces[s] += 1
            res["sign_s"] = round(time.perf_counter() - t0, 3)
            log(f"signed {args.count} transfers in {res['sign_s']} s; submitting")

            # ---- phase 2: submit, follow the head, check receipts
            hashes = [h for h, _ in txs]
            follower.track(hashes)
            st = await submit_all(rpc, txs, args.batch_size, args.in_flight, args.timeout)
            accepted = [h for h in hashes if h in st.submit_time]
            log(
                f"submitted {len(accepted)} in {st.last - st.first:.2f} s "
                f"({len(st.failed)} rejected, {st.pool_full} pool-full retries); "
                "waiting for inclusion"
            )
            missing = await follower.wait(accepted, args.timeout)
        finally:
            await follower.stop()
        included = [h for h in accepted if h in follower.included]
        receipts = await fetch_receipts(rpc, included, args.batch_size, args.in_flight)
        ok = sum(1 for h in included if receipts.get(h, {}).get("status") == "0x1")

        if node:
            mem = node.memory_kib()
            res["node_rss_after_mib"] = round(mem["VmRSS"] / 1024, 1)
            res["node_peak_rss_mib"] = round(mem["VmHWM"] / 1024, 1)
            res["node_cpu_s"] = round(node.cpu_seconds() - cpu0, 2)
            res["node_pid"] = node.pid

    lat = sorted(follower.included[h][1] - st.submit_time[h] for h in included)
    last_incl = max((follower.included[h][1] for h in included), default=st.first)
    blocks = sorted({follower.included[h][0] for h in included})
    submit_s = st.last - st.first
    incl_s = last_incl - st.first
    res.update(
        submitted=len(accepted),
        rejected=len(st.failed),
        pool_full_retries=st.pool_full,
        already_known=st.known,
        hash_mismatches=st.hash_mismatch,
        transport_errors=st.transport_errors,
        included=len(included),
        missing=len(missing),
        receipts_ok=ok,
        receipts_failed=len(included) - ok,
        submit_s=round(submit_s, 3),
        submit_tps=round(len(accepted) / submit_s, 1) if submit_s > 0 else None,
        included_s=round(incl_s, 3),
        included_tps=round(len(included) / incl_s, 1) if incl_s > 0 else None,
        latency_p50_s=round(percentile(lat, 50), 3) if lat else None,
        latency_p99_s=round(percentile(lat, 99), 3) if lat else None,
        latency_max_s=round(lat[-1], 3) if lat else None,
        blocks=len(blocks),
        max_txs_per_block=max((follower.blocks[b]["ours"] for b in blocks), default=0),
        first_block=blocks[0] if blocks else None,
        last_block=blocks[-1] if blocks else None,
    )
    if st.failed:
        res["first_rejection"] = next(iter(st.failed.values()))
    res["ok"] = ok == args.count
    return res


def print_summary(r: dict) -> None:
    def f(v, unit=""):
        return "n/a" if v is None else f"{v}{unit}"

    print(f"== {r['target']} ({r.get('client')}, chain {r['chain_id']}, {r['rpc']})")
    print(
        f"  transfers        {r['count']} from {r['senders']} senders, batches of "
        f"{r['batch_size']}, {r['in_flight']} in flight"
    )
    print(
        f"  submitted        {r['submitted']} in {r['submit_s']} s -> {f(r['submit_tps'])} tx/s"
        f"  (rejected {r['rejected']}, pool-full retries {r['pool_full_retries']})"
    )
    print(
        f"  included         {r['included']} in {r['included_s']} s -> "
        f"{f(r['included_tps'])} tx/s over {r['blocks']} blocks "
        f"(max {r['max_txs_per_block']}/block), missing {r['missing']}"
    )
    print(f"  receipts         {r['receipts_ok']} status=1, {r['receipts_failed']} failed")
    print(
        f"  time to include  p50 {f(r['latency_p50_s'], ' s')}, p99 {f(r['latency_p99_s'], ' s')}"
        f", max {f(r['latency_max_s'], ' s')}"
    )
    if "node_peak_rss_mib" in r:
        print(
            f"  node memory      RSS {r['node_rss_before_mib']} MiB before, "
            f"{r['node_rss_after_mib']} MiB after, peak (VmHWM) {r['node_peak_rss_mib']} MiB; "
            f"CPU {r['node_cpu_s']} s"
        )
    print(f"  result           {'OK' if r['ok'] else 'FAILED'}", flush=True)


async def run_target(args, target: str) -> dict:
    node = None
    tmpdir = tempfile.mkdtemp(prefix=f"bench-{target}-")
    try:
        if target == "rpc":
            url = args.rpc or "http://127.0.0.1:8545"
            await wait_ready(lambda: url, None, args.startup_timeout)
        else:
            port = free_port()
            if target == "anvil":
                argv = (
                    anvil_argv(args.anvil_bin)
                    + [
                        "--port",
                        str(port),
                        "--block-time",
                        "1",
                        "--gas-limit",
                        "1000000000",
                    ]
                    + shlex.split(args.anvil_args)
                )
                fixed: str | None = f"http://127.0.0.1:{port}"
            else:
                datadir = os.path.join(tmpdir, "data")
                cmd = args.start_node.replace("{port}", str(port)).replace("{datadir}", datadir)
                argv = shlex.split(cmd)
                fixed = (
                    args.rpc.replace("{port}", str(port))
                    if args.rpc
                    else (f"http://127.0.0.1:{port}" if "{port}" in args.start_node else None)
                )
            node = NodeProcess(target, argv, os.path.join(tmpdir, "node.log"), fixed is None)
            spawned = node
            url = await wait_ready(lambda: fixed or spawned.url, node, args.startup_timeout)
        log(f"{target} ready at {url}")
        return await run_workload(url, args, node, target)
    finally:
        if node:
            node.stop()
            if args.keep_logs:
                log(f"node log kept in {node.log_path}")
        if not args.keep_logs:
            shutil.rmtree(tmpdir, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    p.add_argument("--rpc", help="JSON-RPC URL of a running node (or of --start-node's node)")
    p.add_argument("--start-node", metavar="CMD", help="node command to spawn ({port}, {datadir})")
    p.add_argument("--anvil", action="store_true", help="also/instead run against anvil (npx)")
    p.add_argument("--anvil-bin", help="anvil binary to use instead of the npm package")
    p.add_argument("--anvil-args", default="", help="extra anvil arguments")
    p.add_argument("--count", type=int, default=5000, help="transfers to send (default 5000)")
    p.add_argument("--senders", type=int, default=100, help="sending accounts (default 100)")
    p.add_argument("--batch-size", type=int, default=100, help="txs per JSON-RPC batch")
    p.add_argument("--in-flight", type=int, default=4, help="batch requests in flight")
    p.add_argument("--value", type=int, default=1, help="wei per transfer (default 1)")
    p.add_argument("--tip", type=int, help="maxPriorityFeePerGas in wei (default: node's)")
    p.add_argument("--seed", default="0", help="seed for the derived sender/recipient keys")
    p.add_argument("--funder-key", default=DEV_KEY, help="funded account's private key")
    p.add_argument("--poll", type=float, default=0.05, help="head poll interval, s")
    p.add_argument("--timeout", type=float, default=600, help="per-phase timeout, s")
    p.add_argument("--startup-timeout", type=float, default=120, help="node start timeout, s")
    p.add_argument("--keep-logs", action="store_true", help="keep spawned nodes' logs/data")
    args = p.parse_args()
    if args.count < 1 or args.senders < 1 or args.batch_size < 1 or args.in_flight < 1:
        p.error("--count, --senders, --batch-size and --in-flight must be >= 1")

    targets = []
    if args.start_node:
        targets.append("node")
    elif args.rpc or not args.anvil:
        targets.append("rpc")
    if args.anvil:
        targets.append("anvil")

    runs = []
    for t in targets:
        r = asyncio.run(run_target(args, t))
        print_summary(r)
        runs.append(r)
    print(json.dumps(runs[0] if len(runs) == 1 else {"runs": runs}), flush=True)
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
