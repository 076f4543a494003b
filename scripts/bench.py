#!/usr/bin/env python3
"""cmt-chain's benchmark, side by side with anvil on the same machine, in the same run.

For every workload and every run it starts a fresh node: cmt-chain from this repository
(RocksDB, default config, --gas-limit 1000000000, a block a second) and, when npx can provide
@foundry-rs/anvil-linux-amd64, anvil with --block-time 1 and the same gas limit. Loads are
pre-signed EIP-1559 transactions from 100 senders, sent as JSON-RPC batches with a few requests in
flight; the benchmark follows the head until every one is included and checks every receipt.

Workloads (--workloads, comma-separated; default: all):
  transfers    CMT transfers                     erc20   ERC-20 (BenchToken) transfers
  marketplace  purchases through the templates (preloaded on cmt-chain, deployed on anvil)
  call         eth_call latency, idle/saturated  logs    eth_getLogs over 10,000 blocks
  import       import speed of an exported chain (cmt-chain only)
  soak         steady transfers at --soak-rate for --soak-seconds: memory slope, read latency
               (cmt-chain only; not in the default set)

Per workload it prints submit rate, included rate (first submit to last inclusion), p50/p99 time
to inclusion, peak resident memory of the node and its children, and cmt-chain/anvil ratios; with
--runs K, medians of K runs. Progress goes to stderr. The last line of stdout is one JSON object
with everything. Exit status 0 means every workload that ran passed its checks.

  python scripts/bench.py                       # the full benchmark (about 25 minutes)
  python scripts/bench.py --smoke               # a tiny version for CI (well under a minute)
  python scripts/bench.py --workloads transfers --count 5000 --runs 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from benchlib import report, txs
from benchlib.nodes import Anvil, CmtChain, find_anvil, log
from benchlib.workloads import WORKLOADS, Ctx, NotAvailable, cleanup

SMOKE = {"count": 200, "runs": 1, "no_anvil": True, "calls": 100, "call_load": 200,
         "logs_blocks": 300, "logs_events": 40, "logs_queries": 2, "import_count": 200,
         "import_blocks": 100}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    doc = __doc__ or ""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=doc.split("\n\n", 1)[1])
    default = ",".join(k for k, w in WORKLOADS.items() if w.default)
    p.add_argument("--workloads", default=default,
                   help=f"comma-separated, or 'all' (default: {default})")
    p.add_argument("--runs", type=int, default=3, help="runs per workload; medians (default 3)")
    p.add_argument("--count", type=int, default=20000, help="txs per load (default 20000)")
    p.add_argument("--senders", type=int, default=100, help="sending accounts (default 100)")
    p.add_argument("--batch-size", type=int, default=100, help="txs per JSON-RPC batch (100)")
    p.add_argument("--in-flight", type=int, default=4, help="batch requests in flight (4)")
    p.add_argument("--calls", type=int, default=2000, help="idle eth_calls timed (2000)")
    p.add_argument("--call-load", type=int, help="ERC-20 txs saturating the node during the "
                   "call workload (default: --count)")
    p.add_argument("--logs-blocks", type=int, default=10000, help="getLogs range (10000)")
    p.add_argument("--logs-events", type=int, default=2000,
                   help="token transfers spread over the range, half of them matching (2000)")
    p.add_argument("--logs-queries", type=int, default=5, help="timed getLogs queries (5)")
    p.add_argument("--fast-block-time", type=float, default=0.001,
                   help="cmt-chain's block time while building the getLogs chain (0.001 s)")
    p.add_argument("--import-count", type=int, help="CMT transfers in the exported chain "
                   "(default: --count)")
    p.add_argument("--import-blocks", type=int, default=2000,
                   help="empty blocks mined after the load for the blocks/s figure (2000)")
    p.add_argument("--gas-limit", type=int, default=1_000_000_000, help="block gas limit (1e9)")
    p.add_argument("--node-exe", help="cmt-chain command (default: this repository's "
                   "`python -m cmt_chain`; e.g. 'cmt-chain')")
    p.add_argument("--node-args", default="", help="extra cmt-chain flags")
    p.add_argument("--no-anvil", action="store_true", help="benchmark cmt-chain only")
    p.add_argument("--anvil-bin", help="anvil binary to use instead of the npm package")
    p.add_argument("--anvil-args", default="", help="extra anvil flags")
    p.add_argument("--seed", default="0", help="seed of the derived sender/recipient keys")
    p.add_argument("--poll", type=float, default=0.05, help="head poll interval (0.05 s)")
    p.add_argument("--soak-seconds", type=float, default=600, help="soak length (600 s)")
    p.add_argument("--soak-rate", type=float, default=1000, help="soak tx/s (1000)")
    p.add_argument("--timeout", type=float, default=600, help="per-phase timeout (600 s)")
    p.add_argument("--keep", action="store_true", help="keep every run's folder (data, logs)")
    p.add_argument("--json-out", type=Path, help="also write the final JSON to this file")
    p.add_argument("--smoke", action="store_true",
                   help="tiny and quick: " + ", ".join(f"{k}={v}" for k, v in SMOKE.items()))
    args = p.parse_args(argv)
    if args.smoke:
        for k, v in SMOKE.items():
            setattr(args, k, v)
    args.call_load = args.call_load or args.count
    args.import_count = args.import_count or args.count
    names = list(WORKLOADS) if args.workloads == "all" else [
        w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    args.selected = names
    for k in ("runs", "count", "senders", "batch_size", "in_flight", "calls", "logs_blocks",
              "logs_events", "logs_queries"):
        if getattr(args, k) < 1:
            p.error(f"--{k.replace('_', '-')} must be >= 1")
    return args


def params(name: str, a: argparse.Namespace) -> str:
    load = (f"{a.count:,} txs from {a.senders} senders, batches of {a.batch_size}, "
            f"{a.in_flight} in flight")
    return {
        "transfers": load,
        "erc20": load,
        "call": f"{a.calls:,} calls idle, then calls during {a.call_load:,} ERC-20 transfers; "
                "one call in flight",
        "logs": f"{a.logs_blocks:,} blocks holding {a.logs_events:,} token transfers (half "
                f"match the filter), {a.logs_queries} timed queries",
        "import": f"a chain of {a.import_count:,} CMT transfers, then {a.import_blocks:,} empty "
                  "blocks",
    }.get(name, "")


async def _guarded(work: Coroutine[Any, Any, dict]) -> dict:
    """Run a workload; SIGTERM cancels it, so that its nodes are stopped, then exits."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    terminated: list[bool] = []

    def on_term() -> None:
        terminated.append(True)
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, on_term)
    try:
        return await work
    except asyncio.CancelledError:
        if terminated:
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def run_one(name: str, kind: CmtChain | Anvil, args: argparse.Namespace, run: int) -> dict:
    """Run one workload once on a fresh node of `kind`; NotAvailable propagates."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-{kind.name}-"))
    ctx = Ctx(args, kind, workdir, run)
    log(f"--- {name} on {kind.name}, run {run + 1}/{args.runs} (folder {workdir})")
    res: dict = {"ok": False}
    t0 = time.perf_counter()
    try:
        res = asyncio.run(_guarded(WORKLOADS[name].run(ctx)))
    except NotAvailable:
        raise
    except Exception as e:  # a failed run is reported, and the benchmark goes on
        traceback.print_exc(file=sys.stderr)
        res = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    finally:
        ctx.stop_all()
        if res.get("ok") and not args.keep:
            cleanup(workdir)
        else:
            log(f"kept {workdir} (logs and data of this run)")
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    log(f"{name} on {kind.name}: {'ok' if res.get('ok') else 'FAILED'}"
        + (f" - {res['error']}" if res.get("error") else ""))
    return res


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every `finally`: nodes get stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.time()
    txs.check_signer()
    cmt = CmtChain(args.node_exe, args.gas_limit, shlex.split(args.node_args))
    kinds: list[CmtChain | Anvil] = [cmt]
    nodes: dict = {"cmt-chain": {"command": cmt.describe()}}
    if args.no_anvil:
        nodes["anvil"] = {"skipped": "--no-anvil" + (" (--smoke)" if args.smoke else "")}
    else:
        binary, how = find_anvil(args.anvil_bin)
        if binary:
            anvil = Anvil(binary, args.gas_limit, "1", shlex.split(args.anvil_args))
            kinds.append(anvil)
            nodes["anvil"] = {"command": anvil.describe(), "version": anvil.version,
                              "found_by": how}
            log(f"anvil: {anvil.version} ({how})")
        else:
            nodes["anvil"] = {"skipped": how}
            log(f"anvil not available: {how}; benchmarking cmt-chain alone")

    workloads: dict = {}
    for name, wl in WORKLOADS.items():
        entry: dict = {"title": wl.title}
        workloads[name] = entry
        if name not in args.selected:
            if wl.skip_reason:
                entry.update(status="skipped", reason=f"{wl.skip_reason} (not run by default; "
                             f"--workloads {name} runs it)")
                report.print_workload(name, entry, [], "")
            else:
                del workloads[name]
            continue
        targets = [k for k in kinds if k.name in wl.kinds]
        runs: dict[str, list[dict]] = {k.name: [] for k in targets}
        try:
            for run in range(args.runs):
                for kind in targets:
                    runs[kind.name].append(run_one(name, kind, args, run))
        except NotAvailable as e:
            log(f"{name}: skipped: {e}")
            entry.update(status="skipped", reason=str(e))
            report.print_workload(name, entry, [k.name for k in kinds], "")
            continue
        results: dict[str, dict[str, Any]] = {}
        for t, rs in runs.items():
            results[t] = {
                "median": report.summarize(rs),
                "receipts": {"checked": sum(r.get("receipts_checked", 0) for r in rs),
                             "ok": sum(r.get("receipts_ok", 0) for r in rs)},
                "runs": rs,
            }
        entry.update(status="ok" if all(r["median"]["ok"] for r in results.values())
                     else "failed", params=params(name, args), results=results)
        if "cmt-chain" in results and "anvil" in results:
            entry["ratio_to_anvil"] = report.ratios(results["cmt-chain"]["median"],
                                                    results["anvil"]["median"])
        report.print_workload(name, entry, [k.name for k in kinds], params(name, args))
        sys.stdout.flush()

    goals = report.goals(workloads, args.count)
    report.print_goals(goals)
    checked = sum(r["receipts"]["checked"] for e in workloads.values()
                  for r in e.get("results", {}).values())
    ok_receipts = sum(r["receipts"]["ok"] for e in workloads.values()
                      for r in e.get("results", {}).values())
    ok = all(e["status"] != "failed" for e in workloads.values())
    settings = {k: getattr(args, k) for k in (
        "runs", "count", "senders", "batch_size", "in_flight", "calls", "call_load",
        "logs_blocks", "logs_events", "logs_queries", "fast_block_time", "import_count",
        "import_blocks",
        "gas_limit", "seed", "smoke")}
    out = {
        "benchmark": "cmt-chain scripts/bench.py",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "settings": settings,
        "nodes": nodes,
        "workloads": workloads,
        "goals": goals,
        "receipts": {"checked": checked, "ok": ok_receipts},
        "ok": ok,
    }
    line = json.dumps(out, separators=(",", ":"))
    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\n{'OK' if ok else 'FAILED'}: {ok_receipts:,}/{checked:,} receipts ok, "
          f"{time.time() - started:.0f} s")
    print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
