"""Tracing and Otterscan's index on real node processes, driven with web3.py.

- A data folder made before the address index existed (its column families dropped with RocksDB
  itself) opens, is indexed on start, and answers Otterscan's searches; the index survives a
  restart and forgets blocks that evm_revert removed.
- A block of 200 ERC-20 transfers is traced with callTracer and the struct logger; the times
  are printed (run with -s) and every trace is checked against its receipt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rocksdict
from eth_abi import encode
from eth_utils import keccak
from web3 import Web3

from tests.e2e.helpers import dev_account, receipt
from tests.nodeproc import ROOT, NodeProcess
from tests.rpc.helpers import post_json, rpc

WATCHED = "0x00000000000000000000000000000000000b0b0b"
TOKEN = json.loads((ROOT / "scripts/benchlib/contracts/BenchToken.json").read_text())
TRANSFERS = 200


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def start(data_dir: Path) -> tuple[NodeProcess, Web3]:
    process = NodeProcess(data_dir, "--mining-mode", "instant")
    return process, Web3(Web3.HTTPProvider(process.url, request_kwargs={"timeout": 120}))


def pay(w3: Web3, count: int) -> list[int]:
    sender = w3.eth.accounts[2]
    to = Web3.to_checksum_address(WATCHED)
    hashes = [w3.eth.send_transaction({"from": sender, "to": to, "value": i + 1})
              for i in range(count)]
    return [receipt(w3, h)["blockNumber"] for h in hashes]


def history(url: str) -> list[int]:
    page = rpc(url, "ots_searchTransactionsBefore", WATCHED, 0, 100)
    return [int(tx["blockNumber"], 16) for tx in page["txs"]]


def drop_index(data_dir: Path) -> None:
    """Make the folder look as one written before the index existed."""
    options = rocksdict.Options(raw_mode=True)
    path = str(data_dir / "chaindb")
    families = rocksdict.Rdict.list_cf(path, options)
    db = rocksdict.Rdict(path, options, column_families={
        name: rocksdict.Options(raw_mode=True) for name in families if name != "default"})
    for name in ("address_txs", "sender_nonce", "internal_txs"):
        db.drop_column_family(name)
    meta = db.get_column_family("meta")
    stored = list(meta.keys())  # rocksdict's own key iterator
    for key in [k for k in stored if k.startswith((b"address_index", b"internal_index"))]:
        del meta[key]
    meta.close()
    db.close()


def test_old_folder_is_indexed_on_start(data_dir: Path) -> None:
    process, w3 = start(data_dir)
    try:
        blocks = pay(w3, 3)
    finally:
        assert process.stop() == 0
    drop_index(data_dir)
    process, w3 = start(data_dir)
    try:
        assert history(process.url) == blocks[::-1]
        snapshot = rpc(process.url, "evm_snapshot")
        later = pay(w3, 2)
        assert history(process.url) == (blocks + later)[::-1]
        assert rpc(process.url, "evm_revert", snapshot) is True
        assert history(process.url) == blocks[::-1]
        again = pay(w3, 1)
    finally:
        assert process.stop() == 0
    process, _ = start(data_dir)
    try:
        assert history(process.url) == (blocks + again)[::-1]
    finally:
        process.stop()


def timed(url: str, method: str, *params: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = post_json(url, {"jsonrpc": "2.0", "id": 1, "method": method,
                             "params": list(params)})
    assert "error" not in answer, answer["error"]
    return time.perf_counter() - started, answer["result"]


def test_trace_block_of_erc20_transfers(data_dir: Path) -> None:
    process, w3 = start(data_dir)
    try:
        owner = dev_account(0)
        token_tx = w3.eth.send_transaction({
            "from": owner.address, "data": TOKEN["bytecode"] + encode(
                ["uint256"], [10**30]).hex()})
        token = receipt(w3, token_tx)["contractAddress"]
        rpc(process.url, "evm_setAutomine", False)
        nonce = w3.eth.get_transaction_count(owner.address)
        selector = keccak(text="transfer(address,uint256)")[:4]
        hashes = []
        for i in range(TRANSFERS):
            recipient = (0xB0B0 + i).to_bytes(20, "big")
            signed = owner.sign_transaction({
                "type": 2, "chainId": w3.eth.chain_id, "nonce": nonce + i, "to": token,
                "gas": 80_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 0,
                "data": selector + encode(["address", "uint256"], [recipient, 1])})
            hashes.append(w3.eth.send_raw_transaction(signed.raw_transaction))
        rpc(process.url, "evm_mine")
        receipts = [receipt(w3, h) for h in hashes]
        number = receipts[0]["blockNumber"]
        assert all(r["blockNumber"] == number and r["status"] == 1 for r in receipts)
        calls_time, calls = timed(process.url, "debug_traceBlockByNumber", hex(number),
                                  {"tracer": "callTracer", "tracerConfig": {"withLog": True}})
        structs_time, structs = timed(process.url, "debug_traceBlockByNumber", hex(number))
        assert len(calls) == len(structs) == TRANSFERS
        for call, struct, rcpt in zip(calls, structs, receipts, strict=True):
            assert call["txHash"] == struct["txHash"] == rcpt["transactionHash"].to_0x_hex()
            assert int(call["result"]["gasUsed"], 16) == rcpt["gasUsed"]
            assert call["result"]["output"] == "0x" + f"{1:064x}"
            assert len(call["result"]["logs"]) == 1 and "calls" not in call["result"]
            assert struct["result"]["gas"] == rcpt["gasUsed"]
            assert not struct["result"]["failed"]
        opcodes = sum(len(s["result"]["structLogs"]) for s in structs)
        parity_time, parity = timed(process.url, "trace_block", hex(number))
        assert len(parity) == TRANSFERS and all(t["result"]["output"] == "0x" + f"{1:064x}"
                                                 for t in parity)
        search_time, page = timed(process.url, "ots_searchTransactionsBefore", token, 0, 25)
        assert len(page["txs"]) == TRANSFERS and not page["lastPage"]  # a block is not split
        print(f"\n{TRANSFERS} ERC-20 transfers: callTracer {calls_time:.2f} s, "
              f"struct logger {structs_time:.2f} s ({opcodes} opcodes), trace_block "
              f"{parity_time:.2f} s, first ots search (indexes internal calls) "
              f"{search_time:.2f} s")
    finally:
        process.stop()
