"""debug_traceTransaction, debug_traceCall and debug_traceBlockBy* through a real node: geth's
struct logger, callTracer and prestateTracer, in geth's JSON shapes, and their errors.

The fixture contract (tests/fixtures/contracts/TraceProbe.sol) makes every kind of call in one
transaction; the expected trees are written from what the EVM must do, and the figures are
checked against the receipts the node gave when the transactions were mined.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from tests.rpc.helpers import (
    ADDRESS,
    assert_qty,
    calldata,
    error_string_data,
    rpc,
    rpc_error,
    topic,
    wait_receipt,
)

PROBE = json.loads((Path(__file__).parents[1] / "fixtures/contracts/TraceProbe.json").read_text())
FRAME_KEYS = ("from", "gas", "gasUsed", "to", "input", "output", "error", "revertReason",
              "calls", "logs", "value", "type")
LOOP = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP: runs until its gas is gone
CALL_TRACER = {"tracer": "callTracer"}


def send(url: str, sender: str, to: str | None, data: str, value: int = 0,
         gas: int = 1_000_000) -> dict[str, Any]:
    tx: dict[str, Any] = {"from": sender, "data": data, "value": hex(value), "gas": hex(gas)}
    if to is not None:
        tx["to"] = to
    return wait_receipt(url, rpc(url, "eth_sendTransaction", tx))


@pytest.fixture(scope="module")
def chain(node: Any) -> dict[str, Any]:
    """Deploy the probe and mine the transactions the tests trace."""
    sender = rpc(node.url, "eth_accounts")[0]
    deployed = send(node.url, sender, None, PROBE["bytecode"], gas=3_000_000)
    probe = deployed["contractAddress"]
    child = "0x" + rpc(node.url, "eth_call", {"to": probe, "data": calldata("child()")},
                       "latest")[-40:]
    return {
        "sender": sender, "probe": probe, "child": child, "deployed": deployed,
        "run": send(node.url, sender, probe, calldata("run(uint256)", ["uint256"], [7]), 5),
        "boom": send(node.url, sender, probe, calldata("boom()"), gas=100_000),
        "retire": send(node.url, sender, probe, calldata("retire()"), 9),
    }


def trace(url: str, receipt: dict[str, Any], config: dict[str, Any] | None = None) -> Any:
    params = [receipt["transactionHash"]] + ([config] if config is not None else [])
    return rpc(url, "debug_traceTransaction", *params)


def check_frame_shape(frame: dict[str, Any]) -> None:
    """Check geth's callFrame encoding: key order, hex quantities, lower-case addresses."""
    keys = list(frame)
    assert keys == [k for k in FRAME_KEYS if k in frame], keys
    assert frame["type"] in ("CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE",
                             "CREATE2", "SELFDESTRUCT")
    for name in ("gas", "gasUsed", "value"):
        if name in frame:
            assert_qty(frame[name], name)
    assert ADDRESS.fullmatch(frame["from"])
    for child in frame.get("calls", []):
        check_frame_shape(child)


def test_call_tracer_tree(node: Any, chain: dict[str, Any]) -> None:
    receipt = chain["run"]
    top = trace(node.url, receipt, {"tracer": "callTracer", "tracerConfig": {"withLog": True}})
    check_frame_shape(top)
    probe, child, sender = chain["probe"], chain["child"], chain["sender"]
    assert (top["type"], top["from"], top["to"], top["value"]) == ("CALL", sender, probe, "0x5")
    assert top["gas"] == hex(1_000_000) and top["gasUsed"] == receipt["gasUsed"]
    assert top["output"] == "0x" + f"{7 * 2 + 7:064x}"
    kinds = [(c["type"], c["from"], c.get("to")) for c in top["calls"]]
    created = kinds[4][2]
    assert kinds == [("CALL", probe, child), ("STATICCALL", probe, child),
                     ("STATICCALL", probe, child), ("DELEGATECALL", probe, child),
                     ("CREATE2", probe, created)]
    store, get, fail, delegate, create2 = top["calls"]
    assert store["value"] == "0x5" and store["output"] == "0x" + f"{14:064x}"
    assert "value" not in get and "value" not in fail  # STATICCALL carries no value
    assert delegate["value"] == "0x5"  # DELEGATECALL shows the value it inherits, as geth
    assert fail["error"] == "execution reverted" and fail["revertReason"] == "child says no"
    assert fail["output"] == error_string_data("child says no")
    assert create2["output"].startswith("0x6080") and create2["value"] == "0x0"
    assert store["logs"] == [{"address": child, "topics": [topic("Stored(uint256)")],
                              "data": "0x" + f"{7:064x}", "position": "0x0"}]
    probed = topic("Probed(address,uint256)")
    assert [(entry["topics"][0], entry["position"]) for entry in top["logs"]] == [
        (probed, "0x0"), (probed, "0x5")]  # the second log follows the five calls
    assert all(int(c["gasUsed"], 16) <= int(c["gas"], 16) for c in top["calls"])


def test_call_tracer_options_and_failures(node: Any, chain: dict[str, Any]) -> None:
    only_top = trace(node.url, chain["run"], {"tracer": "callTracer",
                                              "tracerConfig": {"onlyTopCall": True}})
    assert "calls" not in only_top and "logs" not in only_top
    assert only_top["gasUsed"] == chain["run"]["gasUsed"]
    plain = trace(node.url, chain["run"], CALL_TRACER)
    assert "logs" not in plain and "logs" not in plain["calls"][0]
    boom = trace(node.url, chain["boom"], CALL_TRACER)
    assert boom["error"] == "execution reverted" and boom["revertReason"] == "probe says no"
    assert boom["gasUsed"] == chain["boom"]["gasUsed"] and "calls" not in boom
    retire = trace(node.url, chain["retire"], CALL_TRACER)
    create, store, destroy = retire["calls"]
    assert create["type"] == "CREATE" and store["to"] == create["to"] == destroy["to"]
    assert destroy["calls"] == [{"from": create["to"], "gas": "0x0", "gasUsed": "0x0",
                                 "to": chain["sender"], "input": "0x", "value": "0x9",
                                 "type": "SELFDESTRUCT"}]
    deploy = trace(node.url, chain["deployed"], CALL_TRACER)
    assert deploy["type"] == "CREATE" and deploy["to"] == chain["probe"]
    assert deploy["input"] == PROBE["bytecode"]
    assert deploy["output"] == rpc(node.url, "eth_getCode", chain["probe"], "latest")
    assert deploy["calls"][0]["type"] == "CREATE" and deploy["calls"][0]["to"] == chain["child"]


def test_struct_logger(node: Any, chain: dict[str, Any]) -> None:
    receipt = chain["run"]
    result = trace(node.url, receipt)
    assert list(result) == ["gas", "failed", "returnValue", "structLogs"]
    assert result["gas"] == int(receipt["gasUsed"], 16) and result["failed"] is False
    assert result["returnValue"] == f"{21:064x}"
    logs = result["structLogs"]
    first = logs[0]
    assert (first["pc"], first["op"], first["depth"], first["stack"]) == (0, "PUSH1", 1, [])
    assert "memory" not in first and "storage" not in first
    for entry in logs:
        assert list(entry)[:5] == ["pc", "op", "gas", "gasCost", "depth"]
        assert all(isinstance(entry[k], int) for k in ("pc", "gas", "gasCost", "depth"))
    assert {entry["depth"] for entry in logs} == {1, 2}
    for here, after in zip(logs, logs[1:], strict=False):
        if here["depth"] == after["depth"] == 1 and here["op"] not in (
                "CALL", "STATICCALL", "DELEGATECALL", "CREATE2"):
            assert after["gas"] == here["gas"] - here["gasCost"], (here, after)
    calls = [i for i, entry in enumerate(logs) if entry["op"] == "CALL" and entry["depth"] == 1]
    call = logs[calls[0]]
    forwarded = logs[calls[0] + 1]["gas"]  # the callee's first opcode sees what it was given
    assert logs[calls[0] + 1]["depth"] == 2 and call["gasCost"] >= forwarded - 2300
    create2 = next(entry for entry in logs if entry["op"] == "CREATE2")
    assert 32_000 < create2["gasCost"] < 40_000  # as geth: without the gas it forwards
    sstore = next(entry for entry in logs if entry["op"] == "SSTORE")
    assert sstore["storage"] == {f"{0:064x}": f"{1:064x}"}  # counter 0 -> 1
    assert sstore["stack"][-1] == "0x0" and sstore["stack"][-2] == "0x1"
    assert logs[-1]["op"] == "RETURN" and logs[-1]["depth"] == 1


def test_struct_logger_options(node: Any, chain: dict[str, Any]) -> None:
    slim = trace(node.url, chain["run"], {"disableStack": True, "disableStorage": True,
                                          "limit": 50})
    assert len(slim["structLogs"]) == 50
    assert all("stack" not in e and "storage" not in e for e in slim["structLogs"])
    full = trace(node.url, chain["run"], {"enableMemory": True, "enableReturnData": True})
    mstore = [e for e in full["structLogs"] if e["op"] == "MSTORE"]
    assert mstore[0]["memory"] == [] and mstore[1]["memory"][2] == f"{0x80:064x}"
    assert any(e.get("returnData") == "0x" + f"{14:064x}" for e in full["structLogs"])
    boom = trace(node.url, chain["boom"])
    assert boom["failed"] is True
    assert boom["returnValue"] == error_string_data("probe says no")[2:]
    assert boom["structLogs"][-1]["op"] == "REVERT"


def test_prestate_tracer(node: Any, chain: dict[str, Any]) -> None:
    receipt, probe, child = chain["run"], chain["probe"], chain["child"]
    pre = trace(node.url, receipt, {"tracer": "prestateTracer"})
    assert list(pre) == sorted(pre)
    block = int(receipt["blockNumber"], 16) - 1
    for address, account in pre.items():
        assert account["balance"] == rpc(node.url, "eth_getBalance", address, hex(block))
        code = rpc(node.url, "eth_getCode", address, hex(block))
        assert account.get("code", "0x") == code
        if code != "0x":
            assert account["codeHash"] == "0x" + keccak(bytes.fromhex(code[2:])).hex()
        else:
            assert "codeHash" not in account
        nonce = int(rpc(node.url, "eth_getTransactionCount", address, hex(block)), 16)
        assert account.get("nonce", 0) == nonce
    assert pre[probe]["storage"] == {"0x" + f"{0:064x}": "0x" + f"{0:064x}",
                                     "0x" + f"{1:064x}": "0x" + f"{int(child, 16):064x}"}
    assert chain["sender"] in pre and child in pre
    slim = trace(node.url, receipt, {"tracer": "prestateTracer", "tracerConfig": {
        "disableCode": True, "disableStorage": True}})
    assert slim[probe] == {"balance": "0x0", "codeHash": pre[probe]["codeHash"], "nonce": 2}
    diff = trace(node.url, receipt, {"tracer": "prestateTracer",
                                     "tracerConfig": {"diffMode": True}})
    assert list(diff) == ["post", "pre"]
    assert diff["post"][probe]["storage"] == {"0x" + f"{0:064x}": "0x" + f"{1:064x}"}
    assert diff["post"][child]["balance"] == "0x5"
    assert diff["post"][child]["storage"] == {"0x" + f"{0:064x}": "0x" + f"{7:064x}"}
    assert "storage" not in diff["pre"][probe]  # counter was 0, and empty slots are left out
    assert diff["pre"][chain["sender"]]["nonce"] + 1 == diff["post"][chain["sender"]]["nonce"]
    created = [a for a in diff["post"] if a not in diff["pre"]]
    assert len(created) == 1 and diff["post"][created[0]]["nonce"] == 1


def test_trace_block(node: Any, chain: dict[str, Any]) -> None:
    receipt = chain["run"]
    block = rpc(node.url, "eth_getBlockByNumber", receipt["blockNumber"], False)
    by_number = rpc(node.url, "debug_traceBlockByNumber", receipt["blockNumber"], CALL_TRACER)
    by_hash = rpc(node.url, "debug_traceBlockByHash", block["hash"], CALL_TRACER)
    assert by_number == by_hash
    assert [entry["txHash"] for entry in by_number] == block["transactions"]
    assert by_number[0]["result"] == trace(node.url, receipt, CALL_TRACER)
    assert list(by_number[0]) == ["txHash", "result"]
    structs = rpc(node.url, "debug_traceBlockByNumber", receipt["blockNumber"])
    assert structs[0]["result"]["gas"] == int(receipt["gasUsed"], 16)
    late = rpc(node.url, "debug_traceBlockByNumber", receipt["blockNumber"], {"timeout": "1ns"})
    assert late == [{"txHash": receipt["transactionHash"], "error": "execution timeout"}]
    rpc_error(node.url, "debug_traceBlockByNumber", ["0x0"], -32000, "genesis is not traceable")
    rpc_error(node.url, "debug_traceBlockByNumber", ["0xffffff"], -32000, "header not found")
    rpc_error(node.url, "debug_traceBlockByHash", ["0x" + "ab" * 32], -32000,
              f"block 0x{'ab' * 32} not found")


def test_trace_call(node: Any, chain: dict[str, Any]) -> None:
    request = {"from": chain["sender"], "to": chain["probe"], "value": "0x5",
               "gas": hex(1_000_000), "data": calldata("run(uint256)", ["uint256"], [3])}
    top = rpc(node.url, "debug_traceCall", request, "latest", CALL_TRACER)
    assert [c["type"] for c in top["calls"]] == [
        "CALL", "STATICCALL", "STATICCALL", "DELEGATECALL", "CREATE2"]
    assert top["gas"] == hex(1_000_000) and top["to"] == chain["probe"]
    structs = rpc(node.url, "debug_traceCall", request, "latest")
    assert structs["failed"] is False and structs["structLogs"][0]["op"] == "PUSH1"
    code = "0x602a60005260206000f3"  # mstore(0, 42); return(0, 32)
    target = "0x0000000000000000000000000000000000001234"
    overridden = rpc(node.url, "debug_traceCall", {"to": target}, "latest",
                     {"tracer": "callTracer", "stateOverrides": {target: {"code": code}}})
    assert overridden["output"] == "0x" + f"{42:064x}"
    plain = rpc(node.url, "debug_traceCall", {"to": target}, "latest", CALL_TRACER)
    assert "output" not in plain and plain["gasUsed"] == hex(21_000)  # no code: nothing ran


def test_timeout_and_errors(node: Any, chain: dict[str, Any]) -> None:
    loop = {"data": LOOP, "gas": hex(30_000_000)}
    rpc_error(node.url, "debug_traceCall", [loop, "latest", {"timeout": "50ms"}], -32000,
              "execution timeout")
    rpc_error(node.url, "debug_traceCall", [loop, "latest", {"tracer": "callTracer",
                                                             "timeout": "0.05s"}],
              -32000, "execution timeout")
    quick = rpc(node.url, "debug_traceCall", {"data": LOOP, "gas": hex(60_000)}, "latest",
                {"timeout": "1m30s"})
    assert quick["failed"] is True and quick["structLogs"][-1]["error"] == "out of gas"
    poor = "0x00000000000000000000000000000000000000ee"
    rpc_error(node.url, "debug_traceCall", [{"from": poor, "to": poor, "value": "0x10"},
                                            "latest", CALL_TRACER], -32000,
              prefix=f"insufficient funds for gas * price + value: address {poor} have 0")
    rpc_error(node.url, "debug_traceTransaction", ["0x" + "ab" * 32], -32000,
              f"transaction {'ab' * 32} not found")  # as Blockscout expects it
    rpc_error(node.url, "debug_traceTransaction", [chain["run"]["transactionHash"],
                                                   {"tracer": "fourByteTracer"}],
              -32602, prefix="invalid argument 1: tracer not found: fourByteTracer")
    rpc_error(node.url, "debug_traceTransaction", [chain["run"]["transactionHash"],
                                                   {"timeout": "5 parsecs"}],
              -32602, 'invalid argument 1: time: invalid duration "5 parsecs"')
    rpc_error(node.url, "debug_traceTransaction", ["0x12"], -32602,
              prefix="invalid argument 0:")
