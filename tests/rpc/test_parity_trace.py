"""The Parity trace namespace through a real node: trace_transaction, trace_block, trace_filter,
trace_replayTransaction, trace_replayBlockTransactions and trace_call, in the shapes
OpenEthereum, Erigon and reth serve (decimal positions, hex gas, trace addresses)."""

from __future__ import annotations

from typing import Any

from tests.rpc.helpers import calldata, rpc, rpc_error
from tests.rpc.test_debug_trace import CALL_TRACER, chain  # noqa: F401 (the module's fixture)

LOCATED = ("action", "blockHash", "blockNumber", "result", "subtraces", "traceAddress",
           "transactionHash", "transactionPosition", "type")


def test_trace_transaction(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    receipt = chain["run"]
    traces = rpc(node.url, "trace_transaction", receipt["transactionHash"])
    geth = rpc(node.url, "debug_traceTransaction", receipt["transactionHash"], CALL_TRACER)
    assert [t["traceAddress"] for t in traces] == [[], [0], [1], [2], [3], [4]]
    assert [t["subtraces"] for t in traces] == [5, 0, 0, 0, 0, 0]
    top, store, get, fail, delegate, create2 = traces
    for t in traces:
        assert sorted(t) == sorted(LOCATED) or (t.get("error") and "result" not in t), t
        assert t["blockNumber"] == int(receipt["blockNumber"], 16)
        assert t["blockHash"] == receipt["blockHash"]
        assert t["transactionPosition"] == int(receipt["transactionIndex"], 16)
        assert t["transactionHash"] == receipt["transactionHash"]
    assert top["type"] == "call" and top["action"] == {
        "callType": "call", "from": chain["sender"], "gas": top["action"]["gas"],
        "input": geth["input"], "to": chain["probe"], "value": "0x5"}
    assert int(top["action"]["gas"], 16) < 1_000_000  # the intrinsic gas is not the EVM's
    assert top["result"]["output"] == geth["output"]
    assert [t["action"].get("callType") for t in traces[1:5]] == [
        "call", "staticcall", "staticcall", "delegatecall"]
    assert store["action"]["gas"] == geth["calls"][0]["gas"]
    assert store["result"] == {"gasUsed": geth["calls"][0]["gasUsed"],
                               "output": geth["calls"][0]["output"]}
    assert fail["error"] == "Reverted" and "result" not in fail
    assert get["action"]["value"] == "0x0"
    assert delegate["action"]["to"] == chain["child"]
    assert create2["type"] == "create" and create2["action"]["creationMethod"] == "create2"
    assert create2["result"]["address"] == geth["calls"][4]["to"]
    assert create2["result"]["code"] == geth["calls"][4]["output"]
    assert rpc(node.url, "trace_transaction", "0x" + "ab" * 32) is None


def test_selfdestruct_and_block(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    retire = rpc(node.url, "trace_transaction", chain["retire"]["transactionHash"])
    suicide = retire[-1]
    assert suicide["type"] == "suicide" and suicide["traceAddress"] == [2, 0]
    assert suicide["action"] == {"address": retire[1]["result"]["address"], "balance": "0x9",
                                 "refundAddress": chain["sender"]}
    assert suicide["result"] is None
    block = rpc(node.url, "trace_block", chain["run"]["blockNumber"])
    assert block == rpc(node.url, "trace_transaction", chain["run"]["transactionHash"])
    assert rpc(node.url, "trace_block", "0x0") == []
    assert rpc(node.url, "trace_block", "0xffffff") is None


def test_trace_filter(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    everything = rpc(node.url, "trace_filter", {"fromBlock": "0x0", "toBlock": "latest"})
    hashes = {t["transactionHash"] for t in everything}
    assert {chain[k]["transactionHash"] for k in ("deployed", "run", "boom", "retire")} <= hashes
    to_child = rpc(node.url, "trace_filter", {"toAddress": [chain["child"]]})
    assert to_child and all(
        (t["action"].get("to") or t.get("result", {}).get("address")) == chain["child"]
        for t in to_child)
    assert {t["action"].get("callType") for t in to_child} >= {"call", "staticcall"}
    from_probe = rpc(node.url, "trace_filter", {"fromAddress": [chain["probe"]],
                                                "toAddress": [chain["child"]]})
    assert from_probe == [t for t in to_child if t["action"].get("from") == chain["probe"]]
    page = rpc(node.url, "trace_filter", {"toAddress": [chain["child"]], "after": 1,
                                          "count": 2})
    assert page == to_child[1:3]
    rpc_error(node.url, "trace_filter", [{"fromBlock": "0x5", "toBlock": "0x1"}], -32602,
              "invalid block range params")
    rpc_error(node.url, "trace_filter", [{"fromAddress": "0x12"}], -32602,
              prefix="invalid argument 0: fromAddress")


def test_replay_and_call(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    tx_hash = chain["run"]["transactionHash"]
    replay = rpc(node.url, "trace_replayTransaction", tx_hash, ["trace", "stateDiff"])
    assert list(replay) == ["output", "stateDiff", "trace", "vmTrace"]
    located = rpc(node.url, "trace_transaction", tx_hash)
    assert replay["trace"] == [{k: v for k, v in t.items() if k not in (
        "blockHash", "blockNumber", "transactionHash", "transactionPosition")} for t in located]
    diff = replay["stateDiff"]
    slot0 = "0x" + f"{0:064x}"
    assert diff[chain["probe"]]["storage"][slot0] == {"*": {"from": slot0,
                                                            "to": "0x" + f"{1:064x}"}}
    assert diff[chain["probe"]]["balance"] == "=" and diff[chain["probe"]]["code"] == "="
    assert diff[chain["child"]]["balance"] == {"*": {"from": "0x0", "to": "0x5"}}
    sender = diff[chain["sender"]]
    assert set(sender["nonce"]["*"]) == {"from", "to"}
    created = [a for a, d in diff.items() if d["balance"] == {"+": "0x0"}]
    assert len(created) == 1 and diff[created[0]]["nonce"] == {"+": "0x1"}
    only_trace = rpc(node.url, "trace_replayTransaction", tx_hash, ["trace"])
    assert only_trace["stateDiff"] is None and only_trace["vmTrace"] is None
    block = rpc(node.url, "trace_replayBlockTransactions", chain["run"]["blockNumber"],
                ["trace"])
    assert [b["transactionHash"] for b in block] == [tx_hash]
    assert block[0]["trace"] == replay["trace"]
    request = {"from": chain["sender"], "to": chain["probe"], "gas": hex(1_000_000),
               "data": calldata("boom()")}
    called = rpc(node.url, "trace_call", request, ["trace"], "latest")
    assert called["trace"][0]["error"] == "Reverted" and called["stateDiff"] is None
    vm = rpc(node.url, "trace_replayTransaction", tx_hash, ["vmTrace"])["vmTrace"]
    structs = rpc(node.url, "debug_traceTransaction", tx_hash)["structLogs"]
    assert vm["code"] == rpc(node.url, "eth_getCode", chain["probe"], "latest")
    ops = vm["ops"]
    assert [op["pc"] for op in ops] == [e["pc"] for e in structs if e["depth"] == 1]
    assert [op["cost"] for op in ops] == [e["gasCost"] for e in structs if e["depth"] == 1]
    assert ops[0] == {"cost": 3, "ex": {"mem": None, "push": ["0x80"], "store": None,
                                        "used": structs[0]["gas"] - 3}, "pc": 0, "sub": None}
    assert ops[2]["ex"]["mem"] == {"data": "0x" + f"{0x80:064x}", "off": 64}  # MSTORE
    sstore = next(op for op in ops if op["ex"]["store"] is not None)
    assert sstore["ex"]["store"] == {"key": "0x0", "val": "0x1"}
    calls = [op for op in ops if op["sub"] is not None]
    assert len(calls) == 5
    assert calls[0]["sub"]["code"] == rpc(node.url, "eth_getCode", chain["child"], "latest")
    assert calls[0]["sub"]["ops"][0]["pc"] == 0
    rpc_error(node.url, "trace_replayTransaction", [tx_hash, ["bogus"]], -32602,
              prefix="invalid argument 1: unknown trace type 'bogus'")
    assert rpc(node.url, "trace_replayTransaction", "0x" + "ab" * 32, ["trace"]) is None
