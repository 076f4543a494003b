"""The struct logger against another implementation: Hardhat's network (EDR) runs the tracing
fixture's transactions and its debug_traceTransaction must agree with cmt-chain's, opcode by
opcode: pc, op, gas, gasCost, depth, stack and memory.

Two documented differences are where Hardhat departs from geth, whose output explorers parse:
a CREATE's gasCost (geth leaves out the gas the create forwards; Hardhat adds it) and the
`storage` map (geth shows it on SLOAD and SSTORE only, keyed by the running contract; Hardhat
on every opcode). Needs `npm ci --prefix tests/js` (Hardhat), as the other JS client tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.nodeproc import ROOT, NodeProcess
from tests.rpc.helpers import rpc, wait_receipt

ARTIFACT = ROOT / "tests/fixtures/contracts/TraceProbe.json"
SCRIPT = ROOT / "tests/js/hardhat_trace.cjs"
CALLS = (("0x5", "0xa444f5e9" + "7".rjust(64, "0")), ("0x9", "0xa4874d77"), ("0x0", "0xa169ce09"))


def hardhat_traces() -> dict[str, Any]:
    node_bin = shutil.which("node")
    if node_bin is None or not (ROOT / "tests/js/node_modules/hardhat").exists():
        pytest.fail("node and tests/js/node_modules/hardhat are needed: npm ci --prefix tests/js")
    done = subprocess.run([node_bin, str(SCRIPT), str(ARTIFACT)], capture_output=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return json.loads(done.stdout)


def comparable(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry["pc"], entry["op"], entry["gas"], entry["depth"],
            [int(v, 16) for v in entry["stack"]], entry.get("memory"))


def test_struct_logs_match_hardhat(tmp_path: Path) -> None:
    expected = hardhat_traces()
    process = NodeProcess(tmp_path / "data", "--mining-mode", "instant")
    try:
        sender = rpc(process.url, "eth_accounts")[0]
        artifact = json.loads(ARTIFACT.read_text())
        deployed = wait_receipt(process.url, rpc(process.url, "eth_sendTransaction", {
            "from": sender, "data": artifact["bytecode"], "gas": hex(3_000_000)}))
        probe = deployed["contractAddress"]
        assert probe == expected["probe"].lower()  # same sender and nonce: same address
        for (value, data), theirs in zip(CALLS, expected["traces"], strict=True):
            tx_hash = rpc(process.url, "eth_sendTransaction", {
                "from": sender, "to": probe, "value": value, "data": data,
                "gas": hex(1_000_000)})
            receipt = wait_receipt(process.url, tx_hash)
            assert receipt["gasUsed"] == theirs["gasUsed"]
            ours = rpc(process.url, "debug_traceTransaction", tx_hash, {"enableMemory": True})
            assert ours["gas"] == theirs["trace"]["gas"]
            assert ours["failed"] == theirs["trace"]["failed"]
            mine, other = ours["structLogs"], theirs["trace"]["structLogs"]
            assert len(mine) == len(other)
            for here, there in zip(mine, other, strict=True):
                assert comparable(here) == comparable(there), (here, there)
                if here["op"] not in ("CREATE", "CREATE2"):
                    assert here["gasCost"] == there["gasCost"], (here, there)
                else:
                    assert here["gasCost"] < there["gasCost"]  # Hardhat adds the forwarded gas
    finally:
        process.stop()
