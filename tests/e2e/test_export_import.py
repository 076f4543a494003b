"""`cmt-chain export` and `import`: a chain moves through a file and is re-executed on import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from web3 import Web3

from tests.nodeproc import ROOT, NodeProcess


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmt_chain", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_export_then_import_reproduces_the_chain(tmp_path: Path, emitter_artifact: dict) -> None:
    source = tmp_path / "source"
    node = NodeProcess(source, "--mining-mode", "instant")
    w3 = Web3(Web3.HTTPProvider(node.url))
    alice, bob = w3.eth.accounts[:2]
    emitter = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    address = w3.eth.wait_for_transaction_receipt(
        emitter.constructor(3).transact({"from": alice})).contractAddress
    contract = w3.eth.contract(address=address, abi=emitter_artifact["abi"])
    for i in range(5):
        w3.eth.wait_for_transaction_receipt(contract.functions.emitMany(i + 1).transact(
            {"from": bob}))
        w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(
            {"from": alice, "to": bob, "value": i + 1}))
    head = w3.eth.get_block("latest")
    logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": address})
    bob_balance = w3.eth.get_balance(bob)

    chain_file = tmp_path / "chain.rlp"
    exported = cli("export", chain_file, "--data-dir", source, cwd=tmp_path)  # node still running
    assert exported.returncode == 0, exported.stderr
    assert f"exported {head.number} blocks" in exported.stdout
    node.stop()

    target = tmp_path / "target"
    imported = cli("import", chain_file, "--data-dir", target, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert f"imported {head.number} blocks and 11 transactions" in imported.stdout
    again = cli("import", chain_file, "--data-dir", target, cwd=tmp_path)
    assert "imported 0 blocks" in again.stdout  # blocks already there are skipped

    node = NodeProcess(target, "--mining-mode", "instant")
    try:
        w3b = Web3(Web3.HTTPProvider(node.url))
        assert w3b.eth.get_block("latest").hash == head.hash
        assert w3b.eth.get_block("latest").stateRoot == head.stateRoot
        assert w3b.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": address}) == logs
        assert w3b.eth.get_balance(bob) == bob_balance
        assert w3b.eth.get_code(address) == bytes.fromhex(
            emitter_artifact["deployedBytecode"][2:])
    finally:
        node.stop()


def test_import_refuses_a_tampered_or_broken_file(tmp_path: Path) -> None:
    source = tmp_path / "source"
    node = NodeProcess(source, "--mining-mode", "instant")
    w3 = Web3(Web3.HTTPProvider(node.url))
    alice, bob = w3.eth.accounts[:2]
    for value in (1, 2):
        w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(
            {"from": alice, "to": bob, "value": value}))
    node.stop()
    chain_file = tmp_path / "chain.rlp"
    assert cli("export", chain_file, "--data-dir", source, cwd=tmp_path).returncode == 0
    data = chain_file.read_bytes()

    truncated = tmp_path / "truncated.rlp"
    truncated.write_bytes(data[:-5])
    result = cli("import", truncated, "--data-dir", tmp_path / "t1", cwd=tmp_path)
    assert result.returncode == 1 and "not a complete block" in result.stderr
    assert "Traceback" not in result.stderr

    tampered = tmp_path / "tampered.rlp"
    value_byte = data.rindex(bytes.fromhex("0280c0"))  # last transfer: value 2, no data, no list
    tampered.write_bytes(data[:value_byte] + b"\x03" + data[value_byte + 1:])
    result = cli("import", tampered, "--data-dir", tmp_path / "t2", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "block 2:" in result.stderr and "Traceback" not in result.stderr
