"""The workloads: one async function each, run on a fresh node per run, returning a flat dict.

Every load workload pre-signs its transactions (100 senders, round-robin, EIP-1559) before it
sends anything, and goes through `Client.drive`, which checks every receipt. A workload that cannot
run yet raises `NotAvailable` with the reason, and the report lists it as skipped.

  transfers    N CMT transfers of 1 wei to fresh addresses (21,000 gas each)
  erc20        N BenchToken `transfer`s to fresh addresses (a new balance slot each)
  marketplace  N `buy`s of one unit of one CMT-priced listing, each opening an escrowed order:
               through the templates preloaded at genesis (cmt_getContracts) on cmt-chain; anvil
               gets the same Escrow and Marketplace deployed from contracts/artifacts first
  call         `balanceOf` eth_call latency, one call in flight: on the idle warm node, then while
               the erc20 load saturates it
  logs         eth_getLogs (address + topic) over a 10,000-block range holding token transfers
  import       `cmt-chain export` a chain (the transfers load, then empty blocks) and time
               `cmt-chain import` of each part: tx/s and blocks/s (cmt-chain only)

Preparation (funding, deploying, building a long chain) is not timed; where it would take long on
cmt-chain's default block executor (thousands of blocks), it runs with `mining.executor = "thread"`
and the measured node is then restarted with the defaults on the same data.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rlp
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from . import txs
from .load import Client, Phase, SetupError, percentile, rnd, status_ok, token_transfer_ok
from .nodes import Anvil, CmtChain, MemorySampler, NodeProcess, log
from .rpc import TRANSIENT, RpcError
from .soak import soak

ARTIFACTS = Path(__file__).resolve().parents[2] / "contracts" / "artifacts"
BUY_GAS = 350_000  # a buy opening an escrowed order uses about 228,000 (245,000 the first)
UNIT_PRICE = 10**12  # wei per unit: small, so funding 100 buyers stays cheap
WINDOW = 24 * 3600  # ship and delivery windows of the listing (Escrow allows 1 h to 365 d)
IMPORT_REASON = "needs `cmt-chain export/import` (not yet available)"
TRANSFER_GAS = 21_000
TOKEN_GAS = 80_000  # a BenchToken transfer to a fresh address uses about 51,500
DEPLOY_GAS = 1_500_000
TOKEN_SUPPLY = 10**30


class NotAvailable(Exception):
    """Raised by a workload that cannot run yet; the message says why."""


@dataclass
class Ctx:
    """One run of one workload on one target: options, the node kind, a fresh work folder."""

    opts: Any
    kind: CmtChain | Anvil
    workdir: Path
    run: int
    nodes: list[NodeProcess] = field(default_factory=list)

    @property
    def is_cmt(self) -> bool:
        return isinstance(self.kind, CmtChain)

    async def start(self, datadir: Path | None = None, flags: list[str] | None = None,
                    tag: str = "") -> NodeProcess:
        datadir = datadir or self.workdir / "data"
        node = await self.kind.start(self.workdir, datadir, flags or [], tag)
        self.nodes.append(node)
        return node

    def stop_all(self) -> None:
        for node in self.nodes:
            node.stop()


# --------------------------------------------------------------------------- shared setup


def contract_address(sender: bytes, nonce: int) -> str:
    return to_checksum_address(keccak(rlp.encode([sender, nonce]))[12:])


async def deploy_tokens(c: Client, n: int) -> list[str]:
    """Deploy `n` BenchTokens from the dev account (whole supply to it); return addresses."""
    await c.funder_txs([])  # reads the funder's nonce
    first = c.funder_nonce
    assert first is not None
    code = txs.token_creation_code(TOKEN_SUPPLY)
    pairs = await c.funder_txs([(None, 0, DEPLOY_GAS, code)] * n)
    rc = await c.send_and_wait(pairs, "token deployment")
    addresses = [contract_address(c.funder.address_bytes, first + i) for i in range(n)]
    for (h, _), addr in zip(pairs, addresses, strict=True):
        got = rc[h].get("contractAddress") or ""
        if got.lower() != addr.lower():
            raise SetupError(f"deployed at {got}, expected {addr}")
    return addresses


@dataclass
class Senders:
    keys: list[txs.Key]
    nonces: list[int]
    max_fee: int
    tip: int


async def prepare_senders(c: Client, n_txs: int, gas: int, value: int,
                          token: str | None = None, token_each: int = 0) -> Senders:
    """Fund the senders with CMT for `n_txs` round-robin txs (and tokens, if given)."""
    opts = c.opts
    keys = [txs.derive_key(opts.seed, "sender", i) for i in range(opts.senders)]
    per_sender = math.ceil(n_txs / opts.senders)
    max_fee, tip = await c.max_fee()
    budget = 2 * per_sender * (gas * max_fee + value)
    specs: list[tuple[bytes | None, int, int, bytes]] = [
        (k.address_bytes, budget, TRANSFER_GAS, b"") for k in keys]
    if token:
        tok = bytes.fromhex(token[2:])
        specs += [(tok, 0, TOKEN_GAS, txs.transfer_data(k.address_bytes, token_each))
                  for k in keys]
    t0 = time.perf_counter()
    pairs = await c.funder_txs(specs)
    rcs = await c.send_and_wait(pairs, "funding the senders")
    if token and not all(token_transfer_ok(rcs[h]) for h, _ in pairs[len(keys):]):
        raise SetupError("funding the senders: a token transfer logged no Transfer")
    log(f"funded {len(keys)} senders in {time.perf_counter() - t0:.2f} s")
    nonces = await c.nonces([k.address for k in keys])
    return Senders(keys, nonces, max_fee, tip)


def sign_round_robin(c: Client, s: Senders, n: int,
                     make: Callable[[int], tuple[bytes, int, int, bytes]]) -> list[tuple[str, str]]:
    """Pre-sign n txs, tx i from sender i % senders; make(i) -> (to, value, gas, data)."""
    t0 = time.perf_counter()
    out = []
    nonces = list(s.nonces)
    for i in range(n):
        k = i % len(s.keys)
        to, value, gas, data = make(i)
        out.append(txs.sign_1559(s.keys[k], c.chain_id, nonces[k], to, value, gas, s.max_fee,
                                 s.tip, data))
        nonces[k] += 1
    log(f"signed {n} txs in {time.perf_counter() - t0:.2f} s")
    return out


def describe(c: Client) -> dict:
    return {"client": c.client_version, "chain_id": c.chain_id}


def add_figures(res: dict, node: NodeProcess) -> None:
    """Add the node's memory and CPU figures; a peak the load already measured is kept."""
    fig = node.figures()
    res["life_peak_rss_mib"] = fig.pop("peak_rss_mib")
    res.setdefault("peak_rss_mib", res["life_peak_rss_mib"])
    res.update(fig)


# --------------------------------------------------------------------------- workloads


async def transfers(ctx: Ctx) -> dict:
    """CMT transfers: N pre-signed 1-wei value transfers to fresh addresses."""
    n, seed = ctx.opts.count, ctx.opts.seed
    node = await ctx.start()
    async with Client(node, ctx.opts) as c:
        s = await prepare_senders(c, n, TRANSFER_GAS, 1)
        pairs = sign_round_robin(
            c, s, n, lambda i: (txs.derive_address(seed, "to", i), 1, TRANSFER_GAS, b""))
        res = await c.drive(pairs, status_ok)
        res.update(describe(c))
    add_figures(res, node)
    return res


async def _token_setup(ctx: Ctx, c: Client, n: int) -> tuple[str, Senders, int]:
    per_sender = math.ceil(n / ctx.opts.senders)
    (token,) = await deploy_tokens(c, 1)
    s = await prepare_senders(c, n, TOKEN_GAS, 0, token, 10 * per_sender)
    return token, s, 10 * per_sender


def _token_load(c: Client, s: Senders, token: str, n: int, kind: str) -> list[tuple[str, str]]:
    tok, seed = bytes.fromhex(token[2:]), c.opts.seed
    return sign_round_robin(c, s, n, lambda i: (
        tok, 0, TOKEN_GAS, txs.transfer_data(txs.derive_address(seed, kind, i), 1)))


async def erc20(ctx: Ctx) -> dict:
    """ERC-20 transfers: N BenchToken transfer(fresh address, 1) from 100 funded holders."""
    n = ctx.opts.count
    node = await ctx.start()
    async with Client(node, ctx.opts) as c:
        token, s, _ = await _token_setup(ctx, c, n)
        pairs = _token_load(c, s, token, n, "erc20-to")
        res = await c.drive(pairs, token_transfer_ok)
        res.update(describe(c), token=token)
    add_figures(res, node)
    return res


async def marketplace(ctx: Ctx) -> dict:
    """Marketplace purchases: N buy(listing, 1) from 100 funded buyers, each an escrowed order."""
    n = ctx.opts.count
    node = await ctx.start()
    async with Client(node, ctx.opts) as c:
        market = await _marketplace_address(ctx, c)
        listing = await _create_listing(c, market, n)
        s = await prepare_senders(c, n, BUY_GAS, UNIT_PRICE)
        target, call = bytes.fromhex(market[2:]), _buy_data(listing)
        pairs = sign_round_robin(c, s, n, lambda i: (target, UNIT_PRICE, BUY_GAS, call))
        res = await c.drive(pairs, lambda r: _purchased(r, market))
        res.update(describe(c), marketplace=market)
    add_figures(res, node)
    return res


def _artifact(name: str) -> dict:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())


def _calldata(signature: str, types: list[str], values: list[Any]) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


async def _marketplace_address(ctx: Ctx, c: Client) -> str:
    """Return the Marketplace: preloaded on cmt-chain; deployed and linked on anvil."""
    if isinstance(ctx.kind, CmtChain):
        contracts = await c.rpc.call("cmt_getContracts")
        return next(t["address"] for t in contracts if t["name"] == "Marketplace")
    await c.funder_txs([])  # reads the funder's nonce
    first = c.funder_nonce
    assert first is not None
    owner = c.funder.address_bytes
    escrow = contract_address(owner, first)
    market = contract_address(owner, first + 1)
    code = {name: bytes.fromhex(_artifact(name)["bytecode"][2:]) for name in ("Escrow",
                                                                              "Marketplace")}
    pairs = await c.funder_txs([
        (None, 0, 5_000_000, code["Escrow"] + abi_encode(["address"], [owner])),
        (None, 0, 5_000_000, code["Marketplace"] + abi_encode(
            ["address", "address", "address", "uint16"], [escrow, owner, owner, 0])),
        (bytes.fromhex(escrow[2:]), 0, 200_000, _calldata(
            "setMarket(address,bool)", ["address", "bool"], [market, True]))])
    rcs = await c.send_and_wait(pairs, "deploying Escrow and Marketplace")
    if not all(status_ok(rcs[h]) for h, _ in pairs):
        raise SetupError("deploying Escrow and Marketplace: a transaction failed")
    return market


async def _create_listing(c: Client, market: str, quantity: int) -> int:
    """List `quantity` units at UNIT_PRICE from the dev account; return the listing id."""
    data = _calldata(
        "createListing((address,uint256,uint64,uint32,uint32,string,bytes32),(bytes32,uint256)[])",
        ["(address,uint256,uint64,uint32,uint32,string,bytes32)", "(bytes32,uint256)[]"],
        [("0x" + "00" * 20, UNIT_PRICE, quantity, WINDOW, WINDOW, "ipfs://bench-item",
          keccak(text="bench item")), []])
    pairs = await c.funder_txs([(bytes.fromhex(market[2:]), 0, 1_000_000, data)])
    receipt = (await c.send_and_wait(pairs, "creating the listing"))[pairs[0][0]]
    if not status_ok(receipt) or not receipt.get("logs"):
        raise SetupError("creating the listing failed")
    return int(receipt["logs"][0]["topics"][1], 16)  # ListingCreated(listingId indexed, ...)


def _buy_data(listing: int) -> bytes:
    return _calldata("buy(uint256,uint64,bytes32,uint256)",
                     ["uint256", "uint64", "bytes32", "uint256"],
                     [listing, 1, b"\x00" * 32, UNIT_PRICE])


PURCHASED_TOPIC = "0x" + keccak(
    text="Purchased(uint256,uint256,address,uint64,bytes32,uint256)").hex()


def _purchased(receipt: dict, market: str) -> bool:
    """Status 1 and the Marketplace's Purchased log."""
    return status_ok(receipt) and any(
        (entry.get("address") or "").lower() == market.lower()
        and (entry.get("topics") or [None])[0] == PURCHASED_TOPIC
        for entry in receipt.get("logs") or [])


async def _call_latencies(c: Client, token: str, owners: list[txs.Key], count: int | None,
                          until: asyncio.Event | None, expect: int | None) -> tuple[list[float],
                                                                                    int]:
    """Issue balanceOf calls one at a time; return (sorted latencies in s, errors)."""
    calls = [{"to": token, "data": txs.balance_of_data(k.address_bytes)} for k in owners]
    lat: list[float] = []
    errors = 0
    i = 0
    while (count is None or i < count) and not (until is not None and until.is_set()):
        try:
            dt, result, err = await c.call_rpc.timed_call("eth_call", calls[i % len(calls)],
                                                          "latest")
        except TRANSIENT:
            errors += 1
            await asyncio.sleep(0.01)
            i += 1
            continue
        good = err is None and isinstance(result, str) and len(result) == 66
        if good and expect is not None:
            good = int(result, 16) == expect
        errors += not good
        lat.append(dt)
        i += 1
    return sorted(lat), errors


def _ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 2)


async def call(ctx: Ctx) -> dict:
    """eth_call latency: balanceOf, one in flight, idle and while the erc20 load runs."""
    opts = ctx.opts
    n = opts.call_load
    node = await ctx.start()
    async with Client(node, opts) as c:
        token, s, each = await _token_setup(ctx, c, n)
        pairs = _token_load(c, s, token, n, "call-to")
        async with c.caller():
            await _call_latencies(c, token, s.keys, max(20, opts.calls // 10), None, None)  # warm
            idle, idle_err = await _call_latencies(c, token, s.keys, opts.calls, None, each)
            log(f"idle eth_call: {len(idle)} calls, p50 {_ms(percentile(idle, 50))} ms, "
                f"p99 {_ms(percentile(idle, 99))} ms")
            phase = Phase()

            async def busy() -> tuple[list[float], int]:
                await phase.submitting.wait()
                return await _call_latencies(c, token, s.keys, None, phase.included, None)

            res, (sat, sat_err) = await asyncio.gather(c.drive(pairs, token_transfer_ok, phase),
                                                       busy())
        log(f"saturated eth_call: {len(sat)} calls, p50 {_ms(percentile(sat, 50))} ms, "
            f"p99 {_ms(percentile(sat, 99))} ms")
        res.update(describe(c), token=token)
    add_figures(res, node)
    res.update(
        idle_calls=len(idle), idle_p50_ms=_ms(percentile(idle, 50)),
        idle_p99_ms=_ms(percentile(idle, 99)), idle_max_ms=_ms(idle[-1] if idle else None),
        sat_calls=len(sat), sat_p50_ms=_ms(percentile(sat, 50)),
        sat_p99_ms=_ms(percentile(sat, 99)), sat_max_ms=_ms(sat[-1] if sat else None),
        call_errors=idle_err + sat_err,
    )
    res["ok"] = bool(res["ok"] and not res["call_errors"] and idle and sat)
    return res


async def _supports_mine(c: Client) -> bool:
    try:
        await c.rpc.call("anvil_mine", "0x1")
        return True
    except RpcError:
        return False


async def _build_log_chain(ctx: Ctx, c: Client, mine: bool) -> dict:
    """Deploy two tokens and spread transfers of both over `logs_blocks` blocks."""
    opts = ctx.opts
    blocks, events = opts.logs_blocks, opts.logs_events
    t0 = time.perf_counter()
    tokens = await deploy_tokens(c, 2)
    toks = [bytes.fromhex(t[2:]) for t in tokens]
    seed = opts.seed
    pairs = await c.funder_txs([
        (toks[i % 2], 0, TOKEN_GAS, txs.transfer_data(txs.derive_address(seed, "logs-to", i), 1))
        for i in range(events)])
    hashes = [h for h, _ in pairs]
    c.follower.track(hashes)
    head = int(await c.rpc.call("eth_blockNumber"), 16)
    first = head + 1
    last = first + blocks - 1
    span = max(1, int(blocks * 0.9))  # every transfer is due in the first 90% of the range
    marks = [first + (i * span) // events for i in range(events)]
    sent = 0

    async def send(upto: int) -> None:
        nonlocal sent
        if upto > sent:
            got = await c.rpc.batch([("eth_sendRawTransaction", [raw])
                                     for _, raw in pairs[sent:upto]])
            bad = [e for _r, e in got if e is not None]
            if bad:
                raise SetupError(f"log chain: transfer rejected: {bad[0]}")
            sent = upto

    deadline = time.perf_counter() + opts.timeout
    while head < last:
        if time.perf_counter() > deadline:
            raise SetupError(f"log chain: only {head - first + 1} of {blocks} blocks in time")
        await send(bisect.bisect_right(marks, head + 1))
        if mine:
            nxt = marks[sent] if sent < events else last + 1
            await c.rpc.call("anvil_mine", hex(max(1, min(nxt, last + 1) - head - 1)))
        else:
            await asyncio.sleep(0.005)
        head = int(await c.rpc.call("eth_blockNumber"), 16)
    await send(events)
    missing = await c.follower.wait(hashes, opts.timeout)
    build_s = time.perf_counter() - t0
    rc_ok = 0
    if not missing:
        rcs = await c.fetch(hashes)
        rc_ok = sum(1 for h in hashes if h in rcs and token_transfer_ok(rcs[h]))
    in_range = [i for i, h in enumerate(hashes)
                if h in c.follower.included and first <= c.follower.included[h][0] <= last]
    return {
        "tokens": tokens, "first": first, "last": last,
        "expected": sum(1 for i in in_range if i % 2 == 0),
        "receipts_checked": events, "receipts_ok": rc_ok, "missing": len(missing),
        "build_s": round(build_s, 2), "build_blocks_per_s": round(blocks / build_s, 1),
    }


async def _time_getlogs(c: Client, flt: dict, times: int) -> tuple[list[float], list]:
    lat: list[float] = []
    result: list = []
    for _ in range(times):
        dt, result, err = await c.rpc.timed_call("eth_getLogs", flt)
        if err is not None:
            raise SetupError(f"eth_getLogs failed: {err}")
        lat.append(dt)
    return sorted(lat), result


async def logs(ctx: Ctx) -> dict:
    """eth_getLogs over a 10,000-block range: address + Transfer topic, and a topic nothing has."""
    opts = ctx.opts
    build_flags: list[str] = []
    if ctx.is_cmt:
        # Building the chain is preparation, so cmt-chain executes blocks in a thread for it (an
        # empty block costs ~1 ms there, ~8 ms through the executor process); the queries go to
        # a node restarted on the same data with the default settings.
        config = ctx.workdir / "build.toml"
        config.write_text('[mining]\nexecutor = "thread"\n')
        build_flags = ["--config", str(config)]
    node = await ctx.start(flags=build_flags, tag="-build")
    async with Client(node, opts) as c:
        mine = await _supports_mine(c)
    strategy = "anvil_mine"
    if not mine and ctx.is_cmt:  # a node without mining dev methods: 1 ms blocks
        strategy = f"--block-time {opts.fast_block_time}"
        node.stop()
        node = await ctx.start(flags=[*build_flags, "--block-time", str(opts.fast_block_time)],
                               tag="-build-fast")
    elif not mine:
        raise SetupError(f"{ctx.kind.name} has no anvil_mine")
    if ctx.is_cmt:
        strategy += " (executor=thread), then a restart with the defaults to query"
    log(f"building a {opts.logs_blocks}-block chain with {opts.logs_events} token transfers "
        f"({strategy})")
    async with Client(node, opts) as c:
        built = await _build_log_chain(ctx, c, mine)
    log(f"built in {built['build_s']} s ({built['build_blocks_per_s']} blocks/s)")
    build_peak = 0.0
    if ctx.is_cmt:
        build_peak = node.figures()["peak_rss_mib"]
        node.stop()
        node = await ctx.start(tag="-query")
    res: dict = {"strategy": strategy, "blocks_in_range": built["last"] - built["first"] + 1,
                 "events": opts.logs_events, "logs_expected": built["expected"]}
    res.update({k: built[k] for k in ("receipts_checked", "receipts_ok", "missing", "build_s",
                                      "build_blocks_per_s")})
    async with Client(node, opts) as c:
        rng = {"fromBlock": hex(built["first"]), "toBlock": hex(built["last"])}
        match = {**rng, "address": built["tokens"][0], "topics": [txs.TRANSFER_TOPIC]}
        nothing = {**rng, "address": built["tokens"][0], "topics": [txs.NOTHING_TOPIC]}
        first, got = await _time_getlogs(c, match, 1)
        lat, got = await _time_getlogs(c, match, opts.logs_queries)
        none_lat, none_got = await _time_getlogs(c, nothing, opts.logs_queries)
        res.update(describe(c))
    wrong = [g for g in got if g.get("address", "").lower() != built["tokens"][0].lower()
             or g.get("topics", [None])[0] != txs.TRANSFER_TOPIC]
    p50 = percentile(lat, 50)
    res.update(
        logs_returned=len(got), logs_wrong=len(wrong),
        getlogs_first_s=rnd(first[0]), getlogs_p50_s=rnd(p50), getlogs_min_s=rnd(lat[0]),
        getlogs_nomatch_p50_s=rnd(percentile(none_lat, 50)),
        getlogs_blocks_per_s=round(res["blocks_in_range"] / p50, 1) if p50 else None,
    )
    add_figures(res, node)
    if build_peak:  # cmt-chain's building node ran with executor=thread; reported apart
        res["build_peak_rss_mib"] = build_peak
    res["ok"] = (not wrong and not none_got and len(got) == built["expected"] > 0
                 and res["receipts_ok"] == res["receipts_checked"])
    return res


def import_argv(kind: CmtChain, command: str, datadir: Path, file: Path) -> list[str]:
    """`cmt-chain export FILE --data-dir A` / `cmt-chain import FILE --data-dir B`.

    The gas limit is part of the genesis, so the importing side gets the same --gas-limit as the
    node that built the chain.
    """
    extra = ["--gas-limit", str(kind.gas_limit)] if command == "import" else []
    return kind.tool_argv(command, str(file), "--data-dir", str(datadir), *extra)


EXPORT_LINE = re.compile(r"exported (\d+) blocks \(1\.\.(\d+)\) .* in ([\d.]+) s")
IMPORT_LINE = re.compile(r"imported (\d+) blocks and (\d+) transactions in ([\d.]+) s")


def export_import_available(kind: CmtChain) -> bool:
    """Return whether `cmt-chain --help` lists both the export and the import command."""
    try:
        done = subprocess.run(kind.tool_argv("--help"), capture_output=True, text=True,
                              env=kind.env, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and all(
        re.search(rf"\b{command}\b", done.stdout) for command in ("export", "import"))


def _timed_process(argv: list[str], env: dict, log_path: Path) -> tuple[float, int, dict, str]:
    """Run a command to completion; return (seconds, exit code, memory figures, its output)."""
    with open(log_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, cwd=log_path.parent)
        sampler = MemorySampler(proc.pid, interval=0.1)
        code = proc.wait()
        dt = time.perf_counter() - t0
    sampler.stop()
    return dt, code, {"peak_rss_mib": round(sampler.peak_kib / 1024, 1),
                      "cpu_s": round(sampler.cpu_s, 2)}, log_path.read_text(errors="replace")


async def _run_tool(ctx: Ctx, command: str, datadir: Path, file: Path, name: str,
                    ) -> tuple[float, dict, str]:
    kind = ctx.kind
    assert isinstance(kind, CmtChain)
    wall, code, mem, out = await asyncio.to_thread(
        _timed_process, import_argv(kind, command, datadir, file), kind.env,
        ctx.workdir / f"{name}.log")
    if code != 0:
        raise SetupError(f"{command} exited with {code}: {out.strip()[-500:]}")
    log(out.strip().splitlines()[-1] if out.strip() else f"{command} took {wall:.2f} s")
    return wall, mem, out


def _imported(out: str, wall: float) -> tuple[int, int, float]:
    m = IMPORT_LINE.search(out)
    if not m:
        raise SetupError(f"import printed no 'imported N blocks and T transactions' line: {out}")
    return int(m[1]), int(m[2]), float(m[3]) or wall


async def import_speed(ctx: Ctx) -> dict:
    """Import speed, in two parts of one chain so that each rate means one thing.

    Node A takes the CMT-transfers load (tx-heavy blocks) and is exported to file 1 while it
    runs; then it mines `import_blocks` empty blocks (anvil_mine), stops, and is exported again to
    file 2. A fresh data folder B imports file 1 (transactions per second), then file 2, whose
    first part it already has (empty blocks per second). B must then hold A's blocks (hash, state
    and receipts roots) and every receipt of the load.
    """
    kind = ctx.kind
    if not isinstance(kind, CmtChain) or not export_import_available(kind):
        raise NotAvailable(IMPORT_REASON)
    opts = ctx.opts
    source, target = ctx.workdir / "source", ctx.workdir / "imported"
    file1, file2 = ctx.workdir / "load.rlp", ctx.workdir / "all.rlp"
    n, seed = opts.import_count, opts.seed
    config = ctx.workdir / "source.toml"  # building the source chain is preparation: fast blocks
    config.write_text('[mining]\nexecutor = "thread"\n')
    node = await ctx.start(datadir=source, flags=["--config", str(config)], tag="-source")
    async with Client(node, opts) as c:
        s = await prepare_senders(c, n, TRANSFER_GAS, 1)
        pairs = sign_round_robin(
            c, s, n, lambda i: (txs.derive_address(seed, "import-to", i), 1, TRANSFER_GAS, b""))
        load = await c.drive(pairs, status_ok)
        if not load["ok"]:
            raise SetupError("the source chain's load failed")
        await _run_tool(ctx, "export", source, file1, "export-load")  # beside the running node
        if not await _supports_mine(c):
            raise SetupError("the source node has no anvil_mine")
        await c.rpc.call("anvil_mine", hex(opts.import_blocks))
        want = await c.rpc.call("eth_getBlockByNumber", "latest", False)
        res = describe(c)
    node.stop()
    export_wall, _, out = await _run_tool(ctx, "export", source, file2, "export-all")
    m = EXPORT_LINE.search(out)
    if not m:
        raise SetupError(f"export printed no 'exported N blocks (1..H) ... in S s' line: {out}")
    head, export_s = int(m[2]), float(m[3])
    wall1, mem1, out1 = await _run_tool(ctx, "import", target, file1, "import-load")
    b1, t1, s1 = _imported(out1, wall1)
    wall2, mem2, out2 = await _run_tool(ctx, "import", target, file2, "import-all")
    b2, t2, s2 = _imported(out2, wall2)
    node = await ctx.start(datadir=target, tag="-imported")
    async with Client(node, opts) as c:
        got = await c.rpc.call("eth_getBlockByNumber", want["number"], False) or {}
        rcs = await c.block_receipts(list(range(1, b1 + 1)))
        if rcs is None:
            rcs = await c.fetch([h for h, _ in pairs])
    same = all(got.get(k) == want[k] for k in ("hash", "stateRoot", "receiptsRoot"))
    ok = sum(1 for h, _ in pairs if h in rcs and status_ok(rcs[h]))
    res.update(
        blocks=b1 + b2, chain_txs=t1 + t2, file_mib=round(file2.stat().st_size / 2**20, 2),
        export_s=round(export_s, 3), export_wall_s=round(export_wall, 3),
        load_blocks=b1, load_txs=t1, load_import_s=round(s1, 3),
        import_tps=round(t1 / s1, 1) if s1 else None,
        empty_blocks=b2, empty_import_s=round(s2, 3),
        import_blocks_per_s=round(b2 / s2, 1) if s2 else None,
        peak_rss_mib=max(mem1["peak_rss_mib"], mem2["peak_rss_mib"]),
        import_cpu_s=round(mem1["cpu_s"] + mem2["cpu_s"], 2),
        source_included_tps=load["included_tps"], same_blocks=same,
        receipts_checked=len(pairs), receipts_ok=ok,
    )
    res["ok"] = same and ok == len(pairs) and b1 + b2 == head and t1 + t2 >= n
    return res


@dataclass(frozen=True)
class Workload:
    title: str
    run: Callable[[Ctx], Coroutine[Any, Any, dict]]
    default: bool = True
    kinds: tuple[str, ...] = ("cmt-chain", "anvil")
    skip_reason: str = ""  # printed when the workload is not selected


WORKLOADS: dict[str, Workload] = {
    "transfers": Workload("CMT transfers", transfers),
    "erc20": Workload("ERC-20 transfers", erc20),
    "marketplace": Workload("Marketplace purchases", marketplace),
    "call": Workload("eth_call latency (balanceOf)", call),
    "logs": Workload("eth_getLogs over a long block range", logs),
    "import": Workload("Import speed", import_speed, kinds=("cmt-chain",)),
    "soak": Workload("Soak: steady transfers for minutes", soak, default=False,
                     kinds=("cmt-chain",), skip_reason="long (--soak-seconds); "
                     "--workloads soak runs it"),
}


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
