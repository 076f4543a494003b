"""scripts/demo_marketplace.py against a real node on port 0: the whole story runs, twice on the
same chain, prints every step with its transaction, and leaves every order it made final."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from web3 import Web3

from tests.nodeproc import ROOT, NodeProcess

ACTIONS = ("arbiter join", "list (CMT, 1 shipping region)", "buy (CMT)", "ship", "confirm (CMT)",
           "rate", "refund (seller)", "claim after window", "dispute deposit (buyer)",
           "open dispute", "submit evidence", "dispute deposit (seller, schedules the draw)",
           "draw panel", "vote", "finalize dispute", "withdraw", "list (token, no regions)",
           "buy (token)", "confirm (token)")


def run_demo(url: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo_marketplace.py"),
                           "--rpc", url], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_demo_runs_the_whole_story(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path / "data", "--mining-mode", "instant")
    try:
        out = run_demo(node.url)
        for name in ("Marketplace", "Escrow", "Disputes", "Reputation", "Identity", "TestToken"):
            assert re.search(rf"{name}\s+0x0{{36}}200\d", out), name
        hashes = re.findall(r"tx (0x[0-9a-f]{64})", out)
        assert len(hashes) >= 30
        w3 = Web3(Web3.HTTPProvider(node.url))
        for tx_hash in hashes:
            assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
        for action in ACTIONS:
            assert re.search(rf"\n    {re.escape(action)}\s+[\d,]+\n", out), action
        assert "-> panel: " in out and "outcome Refund" in out
        assert "Orders: #1 Completed, #2 Refunded, #3 Completed, #4 Resolved, #5 Completed" in out
        again = run_demo(node.url)  # the same chain: new listings and orders, arbiters kept
        assert "is already in the pool" in again
        assert "#6 Completed, #7 Refunded, #8 Completed, #9 Resolved, #10 Completed" in again
        assert "Escrow holds 0 CMT and 0 TST for open orders." in again
    finally:
        node.stop()
