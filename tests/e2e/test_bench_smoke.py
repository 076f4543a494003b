"""The benchmark's smoke run: `python scripts/bench.py --smoke` against real node processes.

Every workload that can run does, at a tiny size (200 transactions, a short getLogs chain, one
run, no anvil). The test asserts what must hold on any machine: exit code 0, and a last stdout
line that is one JSON object in which every workload passed and every receipt was ok. No timing
is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600  # generous: the smoke run takes well under a minute; only so that a hang fails


def test_bench_smoke_runs_every_workload_with_every_receipt_ok(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--smoke"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-5000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["ok"] is True
    assert result["settings"]["smoke"] is True
    assert result["receipts"]["checked"] > 0
    assert result["receipts"]["ok"] == result["receipts"]["checked"]
    workloads = result["workloads"]
    for name in ("transfers", "erc20", "call", "logs"):
        assert workloads[name]["status"] == "ok", (name, workloads[name])
    for name, entry in workloads.items():
        assert entry["status"] in ("ok", "skipped"), (name, entry)
        if entry["status"] == "skipped":
            assert entry["reason"], name
            continue
        for target, figures in entry["results"].items():
            assert figures["receipts"]["checked"] > 0, (name, target)
            assert figures["receipts"]["ok"] == figures["receipts"]["checked"], (name, target)
            assert all(run["ok"] for run in figures["runs"]), (name, target)
