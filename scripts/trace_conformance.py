"""Time tracing the largest block of the execution-apis conformance chain.

Imports tests/fixtures/conformance (genesis.json + chain.rlp) into a fresh data folder, serves it
(`--mining-mode off`), finds the block that used the most gas, and times
`debug_traceBlockByNumber` on it with the struct logger, callTracer and prestateTracer (median
of five each). Run from anywhere:

    python scripts/trace_conformance.py
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests/fixtures/conformance"
TRACERS = {"struct logger": {}, "callTracer": {"tracer": "callTracer"},
           "prestateTracer": {"tracer": "prestateTracer"}}


def start(data_dir: str) -> tuple[subprocess.Popen[str], str]:
    """Start the node on the imported chain; return it and its URL."""
    node = subprocess.Popen([sys.executable, "-m", "cmt_chain", "--data-dir", data_dir, "--port",
                             "0", "--mining-mode", "off", "--quiet"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert node.stdout is not None
    for line in node.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found:
            return node, found.group(1)
    raise SystemExit("the node did not start")


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    reply = json.loads(urllib.request.urlopen(request).read())
    if "error" in reply:
        raise SystemExit(f"{method}: {reply['error']}")
    return reply["result"]


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="conformance-trace-")
    imported = subprocess.run(
        [sys.executable, "-m", "cmt_chain", "import", "--genesis", str(CASES / "genesis.json"),
         str(CASES / "chain.rlp"), "--data-dir", data_dir],
        capture_output=True, text=True, cwd=ROOT, check=True)
    print(imported.stdout.strip().splitlines()[-1])
    node, url = start(data_dir)
    try:
        head = int(rpc(url, "eth_blockNumber"), 16)
        blocks = [rpc(url, "eth_getBlockByNumber", hex(n), False) for n in range(1, head + 1)]
        largest = max(blocks, key=lambda b: (int(b["gasUsed"], 16), len(b["transactions"])))
        print(f"largest block {int(largest['number'], 16)}: {len(largest['transactions'])} "
              f"transactions, {int(largest['gasUsed'], 16):,} gas")
        for name, config in TRACERS.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                rpc(url, "debug_traceBlockByNumber", largest["number"], config)
                times.append(time.perf_counter() - started)
            print(f"{name}: median {statistics.median(times) * 1000:.1f} ms")
    finally:
        node.terminate()
        node.wait()


if __name__ == "__main__":
    main()
