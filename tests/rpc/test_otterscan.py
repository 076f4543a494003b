"""Otterscan's ots_ methods (API level 8) and erigon_getHeaderByNumber through a real node:
block pages, address history from the index, contract creators (also made by a contract) and
the call traces Otterscan draws."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rpc.helpers import (
    check_header,
    check_receipt,
    check_tx,
    error_string_data,
    rpc,
    rpc_error,
    wait_receipt,
)
from tests.rpc.test_debug_trace import chain  # noqa: F401 (the module's fixture)

WATCHED = "0x00000000000000000000000000000000000c0ffe"


@pytest.fixture(scope="module")
def transfers(node: Any) -> list[dict[str, Any]]:
    """Five transfers to one address, each in its own block (instant mining)."""
    sender = rpc(node.url, "eth_accounts")[1]
    return [wait_receipt(node.url, rpc(node.url, "eth_sendTransaction", {
        "from": sender, "to": WATCHED, "value": hex(i + 1)})) for i in range(5)]


def numbers(page: dict[str, Any]) -> list[int]:
    return [int(tx["blockNumber"], 16) for tx in page["txs"]]


def test_api_level_header_and_code(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    assert rpc(node.url, "ots_getApiLevel") == 8
    number = int(chain["run"]["blockNumber"], 16)
    header = rpc(node.url, "erigon_getHeaderByNumber", number)
    check_header(header)
    assert header == rpc(node.url, "eth_getHeaderByNumber", hex(number))
    assert rpc(node.url, "erigon_getHeaderByNumber", "latest")["number"] == rpc(
        node.url, "eth_blockNumber")
    assert rpc(node.url, "erigon_getHeaderByNumber", 10**9) is None
    assert rpc(node.url, "ots_hasCode", chain["probe"], "latest") is True
    assert rpc(node.url, "ots_hasCode", chain["sender"], "latest") is False
    deployed_at = int(chain["deployed"]["blockNumber"], 16)
    assert rpc(node.url, "ots_hasCode", chain["probe"], deployed_at - 1) is False


def test_block_details_and_transactions(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    receipt = chain["run"]
    block = rpc(node.url, "eth_getBlockByNumber", receipt["blockNumber"], True)
    details = rpc(node.url, "ots_getBlockDetails", int(receipt["blockNumber"], 16))
    assert details == rpc(node.url, "ots_getBlockDetailsByHash", block["hash"])
    slim = details["block"]
    assert "transactions" not in slim and slim["logsBloom"] is None
    assert slim["transactionCount"] == 1 and slim["hash"] == block["hash"]
    assert details["issuance"] == {"blockReward": "0x0", "uncleReward": "0x0",
                                   "issuance": "0x0"}
    fee = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert details["totalFees"] == hex(fee)
    page = rpc(node.url, "ots_getBlockTransactions", int(receipt["blockNumber"], 16), 0, 10)
    full = page["fullblock"]
    assert full["transactionCount"] == 1 and full["logsBloom"] is None
    [tx] = full["transactions"]
    check_tx(tx)
    assert tx["hash"] == receipt["transactionHash"] and tx["input"] == block[
        "transactions"][0]["input"][:10]
    [slim_receipt] = page["receipts"]
    assert slim_receipt["logs"] is None and slim_receipt["logsBloom"] is None
    assert slim_receipt["gasUsed"] == receipt["gasUsed"]
    empty = rpc(node.url, "ots_getBlockTransactions", int(receipt["blockNumber"], 16), 1, 10)
    assert empty["fullblock"]["transactions"] == [] and empty["receipts"] == []
    assert rpc(node.url, "ots_getBlockDetails", 10**9) is None
    rpc_error(node.url, "ots_getBlockTransactions", [1, 0, 0], -32005,
              "query exceeds limit: page size must be 1..1000")


def test_search_pages(node: Any, transfers: list[dict[str, Any]]) -> None:
    blocks = [int(r["blockNumber"], 16) for r in transfers]
    first = rpc(node.url, "ots_searchTransactionsBefore", WATCHED, 0, 2)
    assert numbers(first) == blocks[::-1][:2] and first["firstPage"] and not first["lastPage"]
    for tx, entry in zip(first["txs"], first["receipts"], strict=True):
        check_tx(tx)
        check_receipt(entry)
        assert entry["transactionHash"] == tx["hash"] and entry["timestamp"].startswith("0x")
    second = rpc(node.url, "ots_searchTransactionsBefore", WATCHED, numbers(first)[-1], 2)
    assert numbers(second) == blocks[::-1][2:4] and not second["firstPage"]
    third = rpc(node.url, "ots_searchTransactionsBefore", WATCHED, numbers(second)[-1], 2)
    assert numbers(third) == blocks[:1] and third["lastPage"]
    oldest = rpc(node.url, "ots_searchTransactionsAfter", WATCHED, 0, 2)
    assert numbers(oldest) == blocks[:2][::-1] and oldest["lastPage"] and not oldest[
        "firstPage"]
    newer = rpc(node.url, "ots_searchTransactionsAfter", WATCHED, blocks[1], 10)
    assert numbers(newer) == blocks[2:][::-1] and newer["firstPage"]
    sender = first["txs"][0]["from"]
    assert numbers(rpc(node.url, "ots_searchTransactionsBefore", sender, 0, 25))[:5] == (
        blocks[::-1])
    nobody = rpc(node.url, "ots_searchTransactionsBefore", "0x" + "77" * 20, 0, 5)
    assert nobody == {"txs": [], "receipts": [], "firstPage": True, "lastPage": True}
    nonce = int(first["txs"][0]["nonce"], 16)
    assert rpc(node.url, "ots_getTransactionBySenderAndNonce", sender, nonce) == first[
        "txs"][0]["hash"]
    assert rpc(node.url, "ots_getTransactionBySenderAndNonce", sender, 10**6) is None


def test_contract_creator(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    direct = rpc(node.url, "ots_getContractCreator", chain["probe"])
    assert direct == {"hash": chain["deployed"]["transactionHash"],
                      "creator": chain["sender"]}
    internal = rpc(node.url, "ots_getContractCreator", chain["child"])
    assert internal == {"hash": chain["deployed"]["transactionHash"],
                        "creator": chain["probe"]}  # made by the probe's constructor
    trace = rpc(node.url, "ots_traceTransaction", chain["run"]["transactionHash"])
    create2 = trace[-1]["to"]
    assert rpc(node.url, "ots_getContractCreator", create2) == {
        "hash": chain["run"]["transactionHash"], "creator": chain["probe"]}
    assert rpc(node.url, "ots_getContractCreator", chain["sender"]) is None


def test_traces_operations_and_errors(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    trace = rpc(node.url, "ots_traceTransaction", chain["run"]["transactionHash"])
    assert [(t["type"], t["depth"]) for t in trace] == [
        ("CALL", 0), ("CALL", 1), ("STATICCALL", 1), ("STATICCALL", 1), ("DELEGATECALL", 1),
        ("CREATE2", 1)]
    assert trace[0] | {"output": None, "input": None} == {
        "type": "CALL", "depth": 0, "from": chain["sender"], "to": chain["probe"],
        "value": "0x5", "input": None, "output": None}
    assert trace[2]["value"] is None
    operations = rpc(node.url, "ots_getInternalOperations", chain["run"]["transactionHash"])
    assert operations == [
        {"type": 0, "from": chain["probe"], "to": chain["child"], "value": "0x5"},
        {"type": 3, "from": chain["probe"], "to": trace[-1]["to"], "value": "0x0"}]
    retire = rpc(node.url, "ots_getInternalOperations", chain["retire"]["transactionHash"])
    assert [op["type"] for op in retire] == [2, 0, 1]
    assert retire[2] == {"type": 1, "from": retire[0]["to"], "to": chain["sender"],
                         "value": "0x9"}
    assert rpc(node.url, "ots_getTransactionError", chain["boom"]["transactionHash"]) == (
        error_string_data("probe says no"))
    assert rpc(node.url, "ots_getTransactionError", chain["run"]["transactionHash"]) == "0x"
    assert rpc(node.url, "ots_traceTransaction", "0x" + "ab" * 32) is None
    rpc_error(node.url, "ots_searchTransactionsBefore", ["0x12", 0, 5], -32602,
              prefix="invalid argument 0:")


def test_internal_calls_are_searched(node: Any, chain: dict[str, Any]) -> None:  # noqa: F811
    """The child contract is only ever reached by the probe's calls: its history comes from the
    internal-call index, which forgets blocks that evm_revert removed."""
    child, run = chain["child"], chain["run"]
    history = rpc(node.url, "ots_searchTransactionsBefore", child, 0, 10)
    assert [tx["hash"] for tx in history["txs"]] == [
        run["transactionHash"], chain["deployed"]["transactionHash"]]
    assert history["firstPage"] and history["lastPage"]
    assert rpc(node.url, "ots_searchTransactionsAfter", child, 0, 10)["txs"] == history["txs"]
    made = rpc(node.url, "ots_traceTransaction", run["transactionHash"])[-1]["to"]
    assert [tx["hash"] for tx in rpc(node.url, "ots_searchTransactionsBefore", made, 0, 5)[
        "txs"]] == [run["transactionHash"]]
    snapshot = rpc(node.url, "evm_snapshot")
    again = wait_receipt(node.url, rpc(node.url, "eth_sendTransaction", {
        "from": chain["sender"], "to": chain["probe"], "gas": hex(1_000_000),
        "data": "0xa444f5e9" + f"{8:064x}"}))
    assert rpc(node.url, "ots_searchTransactionsBefore", child, 0, 10)["txs"][0]["hash"] == (
        again["transactionHash"])
    assert rpc(node.url, "evm_revert", snapshot) is True
    replaced = wait_receipt(node.url, rpc(node.url, "eth_sendTransaction", {
        "from": chain["sender"], "to": WATCHED, "value": "0x1"}))
    assert replaced["blockNumber"] == again["blockNumber"]  # the same height, another block
    assert rpc(node.url, "ots_searchTransactionsBefore", child, 0, 10) == history
