"""Tracing through web3.py's own APIs: `w3.geth.debug.trace_transaction` (callTracer,
prestateTracer in diff mode, the opcode logger) and the Parity `w3.tracing` module, whose result
formatters must accept what the node serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from web3 import Web3

from tests.e2e.helpers import receipt
from tests.nodeproc import ROOT, NodeProcess

PROBE = json.loads((ROOT / "tests/fixtures/contracts/TraceProbe.json").read_text())


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    process = NodeProcess(tmp_path_factory.mktemp("web3") / "data", "--mining-mode", "instant")
    try:
        w3 = Web3(Web3.HTTPProvider(process.url, request_kwargs={"timeout": 60}))
        sender = w3.eth.accounts[0]
        contract = w3.eth.contract(abi=PROBE["abi"], bytecode=PROBE["bytecode"])
        address = receipt(w3, contract.constructor().transact({"from": sender}))[
            "contractAddress"]
        deployed = w3.eth.contract(address=address, abi=PROBE["abi"])
        tx_hash = deployed.functions.run(7).transact({"from": sender, "value": 5,
                                                     "gas": 1_000_000})
        yield {"w3": w3, "sender": sender, "address": address, "contract": deployed,
               "tx": tx_hash, "receipt": receipt(w3, tx_hash)}
    finally:
        process.stop()


def test_geth_debug_module(probe: dict[str, Any]) -> None:
    w3, tx_hash = probe["w3"], probe["tx"]
    calls = w3.geth.debug.trace_transaction(tx_hash, {"tracer": "callTracer"})
    assert calls["type"] == "CALL" and calls["to"].lower() == probe["address"].lower()
    assert [c["type"] for c in calls["calls"]] == [
        "CALL", "STATICCALL", "STATICCALL", "DELEGATECALL", "CREATE2"]
    assert calls["gasUsed"] == probe["receipt"]["gasUsed"]  # web3.py turns hex into ints
    assert calls["calls"][0]["value"] == 5
    diff = w3.geth.debug.trace_transaction(tx_hash, {"tracer": "prestateTracer",
                                                     "tracerConfig": {"diffMode": True}})
    assert set(diff) == {"pre", "post"}
    opcodes = w3.geth.debug.trace_transaction(tx_hash, {"disableStack": True})
    assert opcodes["gas"] == probe["receipt"]["gasUsed"] and not opcodes["failed"]
    assert opcodes["structLogs"][0]["op"] == "PUSH1"


def test_parity_tracing_module(probe: dict[str, Any]) -> None:
    w3, tx_hash = probe["w3"], probe["tx"]
    traces = w3.tracing.trace_transaction(tx_hash)
    assert len(traces) == 6 and traces[0]["type"] == "call"
    assert traces[0]["transactionHash"] == tx_hash
    block = w3.tracing.trace_block(probe["receipt"]["blockNumber"])
    assert block == traces
    found = w3.tracing.trace_filter({"fromBlock": hex(probe["receipt"]["blockNumber"]),
                                     "toAddress": [probe["address"]]})
    assert [t["traceAddress"] for t in found] == [[]]
    replay = w3.tracing.trace_replay_transaction(tx_hash, ["trace", "stateDiff", "vmTrace"])
    assert len(replay["trace"]) == 6 and replay["vmTrace"]["ops"][0]["pc"] == 0
    assert probe["address"].lower() in {a.lower() for a in replay["stateDiff"]}
    replayed = w3.tracing.trace_replay_block_transactions(probe["receipt"]["blockNumber"],
                                                          ["trace"])
    assert replayed[0]["transactionHash"] == tx_hash
    called = w3.tracing.trace_call({"from": probe["sender"], "to": probe["address"],
                                    "data": probe["contract"].encode_abi("boom", [])},
                                   ["trace"], "latest")
    assert called["trace"][0]["error"] == "Reverted"
