"""The execution-apis conformance cases, replayed against the real node serving their chain.

`cmt-chain import --genesis genesis.json chain.rlp` executes the 45-block chain of the cases
(Frontier rules to Prague, proof-of-work then proof-of-stake, legacy, 2930, 1559, blob and 7702
transactions) into a fresh data folder; the node then serves it with block production off, and
every case of `tests/fixtures/conformance/` is replayed in order (the txpool cases expect what the
eth_sendRawTransaction cases sent) with `tests/rpc_compat.py`'s comparison rules.

Every case must pass except those in KNOWN_FAILURES, each with its reason. The list is strict:
a listed case that starts passing fails the test too, so that the list only ever shrinks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from tests.nodeproc import ROOT, NodeProcess
from tests.rpc_compat import HERE as CASES
from tests.rpc_compat import run_case

pytestmark = pytest.mark.slow

CHAIN_ID = 3503995874084926
HEAD_HASH = "0xe27a3e81bd7cfe2aec2cc9e832c73a17c93e7efcf659cf4b39883b96c48708c2"

# Methods issue 6 adds in other branches: these cases pass once that work is merged (then delete
# the line). Keyed by method folder; every case of the method is expected to fail until then.
PENDING_METHODS: dict[str, str] = {}
# Single cases that cannot pass, with why.
KNOWN_FAILURES: dict[str, str] = {}


def _import(genesis: Path, chain: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmt_chain", "import", "--genesis", str(genesis), str(chain),
         "--data-dir", str(data_dir)],
        cwd=data_dir.parent, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _expected_to_fail(name: str) -> str | None:
    return KNOWN_FAILURES.get(name) or PENDING_METHODS.get(name.split("/")[0])


def test_conformance_cases(tmp_path: Path) -> None:
    data_dir = tmp_path / "conformance"
    imported = _import(CASES / "genesis.json", CASES / "chain.rlp", data_dir)
    assert imported.returncode == 0, imported.stderr
    assert "imported 45 blocks and 160 transactions" in imported.stdout
    node = NodeProcess(data_dir, "--mining-mode", "off")
    try:
        cases = sorted(CASES.glob("*/*.io"))
        assert len(cases) == 233
        results = {f"{p.parent.name}/{p.stem}": run_case(node.url, p, 10.0) for p in cases}
    finally:
        node.stop()
    failed = {name: reason for name, reason in results.items() if reason is not None}
    passed = len(results) - len(failed)
    by_method: dict[str, int] = {}
    for name in failed:
        by_method[name.split("/")[0]] = by_method.get(name.split("/")[0], 0) + 1
    print(f"\nconformance: {passed} passed, {len(failed)} failed "
          f"({', '.join(f'{m} {n}' for m, n in sorted(by_method.items()))})")
    unexpected = {n: r for n, r in failed.items() if not _expected_to_fail(n)}
    assert not unexpected, "cases that must pass failed:\n" + "\n".join(
        f"{n}: {r}" for n, r in unexpected.items())
    now_passing = [n for n, r in results.items() if r is None and _expected_to_fail(n)]
    assert not now_passing, ("listed as failing but now passing (delete them from "
                             f"PENDING_METHODS/KNOWN_FAILURES): {now_passing}")


def _raw_transaction(case: str) -> str:
    """Return the raw transaction an eth_sendRawTransaction case sends."""
    for line in (CASES / "eth_sendRawTransaction" / f"{case}.io").read_text().splitlines():
        if line.startswith(">> "):
            return json.loads(line[3:])["params"][0]
    raise AssertionError(f"no request in {case}")


def test_imported_chain_goes_on_under_prague(tmp_path: Path) -> None:
    """Blocks the node produces after the imported chain are valid blocks of that chain."""
    source = tmp_path / "source"
    assert _import(CASES / "genesis.json", CASES / "chain.rlp", source).returncode == 0
    node = NodeProcess(source, "--mining-mode", "instant")
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert w3.eth.chain_id == CHAIN_ID
        assert w3.eth.get_block("finalized")["hash"].to_0x_hex() == HEAD_HASH
        sent = [w3.eth.send_raw_transaction(_raw_transaction(case)) for case in (
            "send-legacy-transaction", "send-dynamic-fee-transaction", "send-blob-tx")]
        receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=60) for h in sent]
        # The legacy and blob ones succeed; the 1559 one is a creation with too little gas.
        assert [r["status"] for r in receipts] == [1, 0, 1]
        blob_block = w3.eth.get_block(receipts[-1]["blockNumber"])
        assert blob_block["blobGasUsed"] == 2**17
        head = w3.eth.get_block("latest")
        assert head["number"] > 45
    finally:
        node.stop()
    chain_file = tmp_path / "extended.rlp"
    exported = subprocess.run(
        [sys.executable, "-m", "cmt_chain", "export", str(chain_file), "--data-dir", str(source)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert exported.returncode == 0, exported.stderr
    # A fresh folder re-executes every block, ours included, under the chain's own rules.
    target = tmp_path / "target"
    again = _import(CASES / "genesis.json", chain_file, target)
    assert again.returncode == 0, again.stderr
    assert f"head {head['number']}" in again.stdout
    shutil.rmtree(target)
