"""Restart on the same data folder: Ctrl-C, start again, everything is still there; --reset.

A clean stop (SIGINT) must exit 0; the restarted node must serve the same head (number and hash),
balances, contract code, storage, logs and receipts, and keep accepting transactions at the right
nonces. `--reset` must start over from the same genesis with fresh balances.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound

from tests.e2e.helpers import CMT, DEV_BALANCE, GWEI, dev_account, receipt, send_signed
from tests.nodeproc import ROOT, NodeProcess


class Nodes:
    """Starts nodes on one data folder and makes sure none outlives the test."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.running: list[NodeProcess] = []

    def start(self, *flags: str) -> tuple[NodeProcess, Web3]:
        process = NodeProcess(self.data_dir, "--mining-mode", "instant", *flags)
        self.running.append(process)
        return process, Web3(Web3.HTTPProvider(process.url, request_kwargs={"timeout": 30}))

    def stop(self, process: NodeProcess) -> int:
        self.running.remove(process)
        return process.stop()


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[Nodes]:
    manager = Nodes(tmp_path / "data")
    yield manager
    for process in manager.running:
        process.kill()


def snapshot(w3: Web3, addresses: list[str], contract: str, tx_hashes: list[Any]) -> dict:
    """Return everything the restart must preserve, read over RPC."""
    head = w3.eth.get_block("latest")
    return {
        "head": (head["number"], head["hash"], head["stateRoot"]),
        "genesis": w3.eth.get_block(0)["hash"],
        "blocks": [w3.eth.get_block(n)["hash"] for n in range(head["number"] + 1)],
        "balances": [w3.eth.get_balance(a) for a in addresses],
        "nonces": [w3.eth.get_transaction_count(a) for a in addresses],
        "code": w3.eth.get_code(contract),
        "storage": w3.eth.get_storage_at(contract, 0),
        "logs": w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}),
        "receipts": [w3.eth.get_transaction_receipt(h) for h in tx_hashes],
        "transactions": [w3.eth.get_transaction(h) for h in tx_hashes],
    }


def test_ctrl_c_then_restart_keeps_everything(nodes: Nodes, emitter_artifact: dict) -> None:
    first, w3 = nodes.start()
    alice, bob = dev_account(0), dev_account(1)
    hashes = [w3.eth.send_transaction({"from": alice.address, "to": bob.address,
                                       "value": 5 * CMT})]
    factory = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    hashes.append(factory.constructor(11).transact({"from": alice.address}))
    address = receipt(w3, hashes[-1])["contractAddress"]
    emitter = w3.eth.contract(address=address, abi=emitter_artifact["abi"])
    hashes.append(emitter.functions.set(1234).transact({"from": bob.address}))
    hashes.append(emitter.functions.emitMany(5).transact({"from": alice.address}))
    hashes.append(send_signed(w3, bob, {"to": alice.address, "value": CMT, "gas": 21_000,
                                        "gasPrice": 3 * GWEI}))
    for tx_hash in hashes:
        assert receipt(w3, tx_hash)["status"] == 1
    before = snapshot(w3, [alice.address, bob.address], address, hashes)
    # Instant mining may put two of these in one block when they arrive together.
    assert before["head"][0] == max(r["blockNumber"] for r in before["receipts"]) >= 2
    assert len(before["logs"]) == 6
    assert int.from_bytes(before["storage"], "big") == 1234

    assert nodes.stop(first) == 0

    second, w3 = nodes.start()
    after = snapshot(w3, [alice.address, bob.address], address, hashes)
    for key in before:
        assert after[key] == before[key], f"{key} changed across a clean restart"
    assert w3.eth.block_number == before["head"][0]
    emitter = w3.eth.contract(address=address, abi=emitter_artifact["abi"])
    assert emitter.functions.value().call() == 1234
    events = emitter.events.ValueChanged().get_logs(from_block=0, to_block="latest")
    assert [e["args"]["newValue"] for e in events] == [1234]

    # The restarted node keeps building on the same chain at the right nonces.
    nonce = w3.eth.get_transaction_count(bob.address)
    assert nonce == before["nonces"][1]
    rcpt = receipt(w3, send_signed(w3, bob, {
        "to": alice.address, "value": 1, "gas": 21_000, "gasPrice": 2 * GWEI}))
    assert rcpt["status"] == 1
    assert rcpt["blockNumber"] == before["head"][0] + 1
    assert w3.eth.get_block(rcpt["blockNumber"])["parentHash"] == before["head"][1]
    assert w3.eth.get_transaction(rcpt["transactionHash"])["nonce"] == nonce
    rcpt = receipt(w3, emitter.functions.set(5).transact({"from": alice.address}))
    assert rcpt["status"] == 1 and emitter.functions.value().call() == 5
    assert nodes.stop(second) == 0

    third, w3 = nodes.start()
    assert w3.eth.get_block("latest")["hash"] == rcpt["blockHash"]
    assert nodes.stop(third) == 0


def test_reset_starts_over_from_genesis(nodes: Nodes, emitter_artifact: dict) -> None:
    first, w3 = nodes.start()
    genesis = w3.eth.get_block(0)
    alice, bob = dev_account(0), dev_account(1)
    factory = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    deploy = receipt(w3, factory.constructor(3).transact({"from": alice.address}))
    transfer = receipt(w3, w3.eth.send_transaction({"from": bob.address, "to": alice.address,
                                                    "value": 9 * CMT}))
    assert w3.eth.block_number == 2
    assert nodes.stop(first) == 0

    second, w3 = nodes.start("--reset")
    assert w3.eth.block_number == 0
    assert w3.eth.get_block("latest")["hash"] == genesis["hash"]
    with pytest.raises(BlockNotFound):
        w3.eth.get_block(1)
    for account in (alice, bob):
        assert w3.eth.get_balance(account.address) == DEV_BALANCE
        assert w3.eth.get_transaction_count(account.address) == 0
    assert w3.eth.get_code(deploy["contractAddress"]) == b""
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction_receipt(transfer["transactionHash"])
    assert w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}) == []

    # The fresh chain works: the first transaction goes into block 1 at nonce 0.
    rcpt = receipt(w3, send_signed(w3, bob, {"to": alice.address, "value": 1, "gas": 21_000,
                                             "gasPrice": 2 * GWEI}))
    assert rcpt["blockNumber"] == 1
    assert w3.eth.get_transaction(rcpt["transactionHash"])["nonce"] == 0
    assert nodes.stop(second) == 0


def test_second_node_on_a_data_folder_in_use_is_refused(nodes: Nodes, tmp_path: Path) -> None:
    first, w3 = nodes.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "cmt_chain", "--data-dir", str(nodes.data_dir), "--port", "0",
         "--quiet"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Listening on" not in result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert str(nodes.data_dir) in result.stderr, result.stderr
    # The running node is unharmed.
    rcpt = receipt(w3, w3.eth.send_transaction({"from": w3.eth.accounts[0],
                                                "to": w3.eth.accounts[1], "value": 1}))
    assert rcpt["status"] == 1
    assert nodes.stop(first) == 0
