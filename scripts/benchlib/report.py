"""Turning runs into figures: medians over runs, ratios to anvil, the tables, the issue's goals.

A ratio is always cmt-chain's figure divided by anvil's on the same workload: above 1 is better
for rates (tx/s, blocks/s), below 1 is better for times, latencies and memory.
"""

from __future__ import annotations

import statistics
from typing import Any

LOAD_ROWS = [
    ("submit rate", "submit_tps", "tx/s"),
    ("included rate (first submit to last inclusion)", "included_tps", "tx/s"),
    ("time to inclusion p50", "latency_p50_s", "s"),
    ("time to inclusion p99", "latency_p99_s", "s"),
    ("blocks used", "blocks", ""),
    ("node CPU during the load", "load_cpu_s", "s"),
    ("peak resident memory (node + children)", "peak_rss_mib", "MiB"),
]
CALL_ROWS = [
    ("eth_call idle p50", "idle_p50_ms", "ms"),
    ("eth_call idle p99", "idle_p99_ms", "ms"),
    ("eth_call saturated p50", "sat_p50_ms", "ms"),
    ("eth_call saturated p99", "sat_p99_ms", "ms"),
    ("eth_call saturated max", "sat_max_ms", "ms"),
    ("calls idle", "idle_calls", ""),
    ("calls while saturated", "sat_calls", ""),
] + [(f"load: {label}", key, unit) for label, key, unit in LOAD_ROWS]
LOGS_ROWS = [
    ("blocks in the queried range", "blocks_in_range", ""),
    ("logs returned (address + topic)", "logs_returned", ""),
    ("eth_getLogs first query", "getlogs_first_s", "s"),
    ("eth_getLogs p50", "getlogs_p50_s", "s"),
    ("eth_getLogs p50, topic matching nothing", "getlogs_nomatch_p50_s", "s"),
    ("blocks scanned per second (p50)", "getlogs_blocks_per_s", "blocks/s"),
    ("building the chain", "build_s", "s"),
    ("peak resident memory (node + children)", "peak_rss_mib", "MiB"),
]
IMPORT_ROWS = [
    ("blocks of the transfers load", "load_blocks", ""),
    ("transactions in them", "load_txs", ""),
    ("importing them", "load_import_s", "s"),
    ("import: transactions per second", "import_tps", "tx/s"),
    ("empty blocks after them", "empty_blocks", ""),
    ("importing those", "empty_import_s", "s"),
    ("import: empty blocks per second", "import_blocks_per_s", "blocks/s"),
    ("export of the whole chain", "export_s", "s"),
    ("peak resident memory of an import", "peak_rss_mib", "MiB"),
]
SOAK_ROWS = [
    ("transactions sent", "sent", ""),
    ("refused by the node", "rejected", ""),
    ("included", "included", ""),
    ("resident memory, second minute (median)", "rss_second_minute_mib", "MiB"),
    ("resident memory, last minute (median)", "rss_last_minute_mib", "MiB"),
    ("memory slope after the first minute", "rss_slope_mib_per_min", "MiB/min"),
    ("eth_getBalance p50 during the load", "read_p50_ms", "ms"),
    ("eth_getBalance p99 during the load", "read_p99_ms", "ms"),
]
ROWS = {"soak": SOAK_ROWS, "transfers": LOAD_ROWS, "erc20": LOAD_ROWS, "marketplace": LOAD_ROWS,
        "call": CALL_ROWS, "logs": LOGS_ROWS, "import": IMPORT_ROWS}


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def summarize(runs: list[dict]) -> dict:
    """Return the median of every numeric figure over the runs; `ok` only if every run is ok."""
    out: dict = {}
    keys = [k for k in runs[0] if k not in ("ok", "error")]
    for k in keys:
        vals = [r.get(k) for r in runs]
        if all(_numeric(v) for v in vals):
            m = statistics.median(v for v in vals if v is not None)
            out[k] = round(m, 4) if isinstance(m, float) else m
        elif k not in out:
            out[k] = vals[0]
    out["ok"] = all(r.get("ok") for r in runs)
    return out


def ratios(ours: dict, anvil: dict) -> dict:
    out = {}
    for k, v in ours.items():
        a = anvil.get(k)
        if _numeric(v) and _numeric(a) and a and k not in ("chain_id",):
            out[k] = round(v / a, 3)
    return out


def fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        s = f"{v:,}"
    elif isinstance(v, float):
        s = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}" if abs(v) >= 100 else (
            f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}")
    else:
        s = str(v)
    return f"{s} {unit}".rstrip()


def print_workload(name: str, entry: dict, targets: list[str], params: str) -> None:
    title = entry["title"]
    if entry["status"] == "skipped":
        print(f"\n== {title} [{name}]: skipped: {entry['reason']}")
        return
    res = entry["results"]
    shown = [t for t in targets if t in res]
    runs = max(len(res[t]["runs"]) for t in shown)
    print(f"\n== {title} [{name}]: {params}" + (f"; median of {runs} runs" if runs > 1 else ""))
    rows = ROWS.get(name, [])
    w0 = max([len(r[0]) for r in rows] + [10]) + 2
    head = "".join(f"{t:>18}" for t in shown) + ("      ratio" if len(shown) > 1 else "")
    print(f"   {'':<{w0}}{head}")
    ratio = entry.get("ratio_to_anvil", {})
    for label, key, unit in rows:
        vals = [res[t]["median"].get(key) for t in shown]
        if all(v is None for v in vals):
            continue
        line = "".join(f"{fmt(v, unit):>18}" for v in vals)
        if len(shown) > 1:
            r = ratio.get(key)
            line += f"{'' if r is None else f'{r:.2f}x':>11}"
        print(f"   {label:<{w0}}{line}")
    recs = "".join(
        f"{str(res[t]['receipts']['ok']) + '/' + str(res[t]['receipts']['checked']):>18}"
        for t in shown)
    print(f"   {'receipts ok (all runs)':<{w0}}{recs}")
    status = "".join(f"{('OK' if res[t]['median']['ok'] else 'FAILED'):>18}" for t in shown)
    print(f"   {'result':<{w0}}{status}")
    for t in shown:
        for i, r in enumerate(res[t]["runs"]):
            if r.get("error"):
                print(f"   {t} run {i + 1} failed: {r['error']}")


def goals(workloads: dict, count: int) -> list[dict]:
    """Evaluate the issue's targets on cmt-chain's medians."""

    def med(w: str, key: str, target: str = "cmt-chain") -> Any:
        e = workloads.get(w, {})
        if e.get("status") != "ok" and e.get("status") != "failed":
            return None
        return e.get("results", {}).get(target, {}).get("median", {}).get(key)

    out = []

    def goal(name: str, value: Any, met: bool | None, note: str = "") -> None:
        out.append({"goal": name, "value": value, "met": met, **({"note": note} if note else {})})

    v = med("transfers", "included_tps")
    goal("CMT transfers: >= 2,000 tx/s included, sustained over 20,000 txs", v,
         None if v is None else (v >= 2000 and count >= 20000),
         "" if count >= 20000 else f"run with {count:,} txs, not 20,000")
    v = med("erc20", "included_tps")
    goal("ERC-20 transfers: >= 1,000 tx/s included", v, None if v is None else v >= 1000)
    v = med("marketplace", "included_tps")
    goal("Marketplace purchases: >= 1,000 tx/s included", v, None if v is None else v >= 1000)
    v = med("call", "sat_p99_ms")
    goal("eth_call p99 < 50 ms while saturated", v, None if v is None else v < 50)
    for w in ("transfers", "erc20", "marketplace"):
        r = workloads.get(w, {}).get("ratio_to_anvil", {}).get("included_tps")
        goal(f"{w}: included rate / anvil's (aim 1.0)", r, None if r is None else r >= 1.0)
    soak = workloads.get("soak", {}).get("results", {}).get("cmt-chain", {}).get("median", {})
    flat, seconds = soak.get("memory_flat"), soak.get("seconds") or 0
    goal("memory flat over a 10-minute run at that load", soak.get("rss_slope_mib_per_min"),
         None if flat is None else bool(flat) and seconds >= 600,
         "run `--workloads soak` (600 s by default)" if flat is None else
         f"{seconds:.0f} s at {soak.get('rate')} tx/s; value: MiB/min after the first minute")
    return out


def print_goals(gs: list[dict]) -> None:
    print("\n== The issue's targets (cmt-chain, medians)")
    for g in gs:
        mark = {True: "met", False: "NOT met", None: "-"}[g["met"]]
        v = g["value"]
        vs = "n/a" if v is None else fmt(v)
        note = f"  ({g['note']})" if g.get("note") else ""
        print(f"   {mark:<8} {g['goal']}: {vs}{note}")
