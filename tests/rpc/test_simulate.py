"""eth_simulateV1 on the node's own dev chain: blocks of calls on top of the head, as geth serves
them (state carried between calls and blocks, block hashes BLOCKHASH sees, transfer logs,
geth's error codes), and nothing written to the chain."""

from __future__ import annotations

import hashlib
from typing import Any

from eth_utils import keccak

from tests.rpc.helpers import address_of, dev_key, rpc, rpc_error, word

SENDER = "0xc000000000000000000000000000000000000000"
TARGET = "0x0000000000000000000000000000000000001234"
OTHER = "0x0000000000000000000000000000000000005678"
RETURN_SELFBALANCE = "0x4760005260206000f3"  # mstore(0, selfbalance); return(0, 32)
RETURN_PARENT_HASH = "0x6001430340" + "60005260206000f3"  # blockhash(number - 1)
REVERT_WITH_DATA = "0x61abcd6000526002601efd"  # mstore(0, 0xabcd); revert(30, 2)
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def simulate(node: Any, blocks: list[dict[str, Any]], tag: str = "latest",
             **options: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = rpc(node.url, "eth_simulateV1",
                                       {"blockStateCalls": blocks, **options}, tag)
    return result


def funded(amount: int = 10**18) -> dict[str, Any]:
    return {SENDER: {"balance": hex(amount)}}


def test_blocks_follow_the_head_and_carry_state(node: Any) -> None:
    head = rpc(node.url, "eth_getBlockByNumber", "latest", False)
    blocks = simulate(node, [
        {"stateOverrides": funded(),
         "calls": [{"from": SENDER, "to": TARGET, "value": "0x3e8"}]},
        {"stateOverrides": {TARGET: {"code": RETURN_SELFBALANCE}},
         "calls": [{"from": SENDER, "to": TARGET}]},
    ])
    assert [int(b["number"], 16) for b in blocks] == [int(head["number"], 16) + 1,
                                                      int(head["number"], 16) + 2]
    assert [int(b["timestamp"], 16) for b in blocks] == [int(head["timestamp"], 16) + 12,
                                                         int(head["timestamp"], 16) + 24]
    assert blocks[0]["parentHash"] == head["hash"]
    assert blocks[1]["parentHash"] == blocks[0]["hash"]
    first, second = blocks[0]["calls"][0], blocks[1]["calls"][0]
    assert first == {"returnData": "0x", "logs": [], "gasUsed": "0x5208",
                     "maxUsedGas": "0x5208", "status": "0x1"}
    assert second["returnData"] == word(1000)  # the first block's transfer is there
    assert blocks[0]["gasUsed"] == "0x5208" and blocks[0]["baseFeePerGas"] == "0x0"
    assert len(blocks[0]["transactions"]) == 1
    # Nothing was stored.
    assert rpc(node.url, "eth_blockNumber") == head["number"]
    assert rpc(node.url, "eth_getBalance", TARGET, "latest") == "0x0"


def test_blockhash_sees_the_simulated_parent(node: Any) -> None:
    blocks = simulate(node, [
        {}, {"stateOverrides": {TARGET: {"code": RETURN_PARENT_HASH}},
             "calls": [{"from": SENDER, "to": TARGET}]}])
    assert blocks[1]["calls"][0]["returnData"] == blocks[0]["hash"]


def test_gaps_are_filled_and_overrides_apply(node: Any) -> None:
    head = int(rpc(node.url, "eth_blockNumber"), 16)
    blocks = simulate(node, [{"blockOverrides": {
        "number": hex(head + 4), "time": "0xffffffff", "gasLimit": "0x1000000",
        "feeRecipient": OTHER, "prevRandao": word(7), "baseFeePerGas": "0x9"}}])
    assert [int(b["number"], 16) for b in blocks] == [head + 1, head + 2, head + 3, head + 4]
    last = blocks[-1]
    assert (last["timestamp"], last["gasLimit"], last["miner"], last["mixHash"],
            last["baseFeePerGas"]) == ("0xffffffff", "0x1000000", OTHER, word(7), "0x9")
    assert [b["parentHash"] for b in blocks[1:]] == [b["hash"] for b in blocks[:-1]]


def test_trace_transfers_full_transactions_and_logs(node: Any) -> None:
    blocks = simulate(node, [{"stateOverrides": funded(), "calls": [
        {"from": SENDER, "to": TARGET, "value": "0x64"}]}],
        traceTransfers=True, returnFullTransactions=True)
    block = blocks[0]
    log = block["calls"][0]["logs"][0]
    assert log["address"] == "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    assert log["topics"] == [TRANSFER_TOPIC, "0x" + SENDER[2:].rjust(64, "0"),
                             "0x" + TARGET[2:].rjust(64, "0")]
    assert log["data"] == word(100)
    assert log["blockHash"] == block["hash"] and log["logIndex"] == "0x0"
    tx = block["transactions"][0]
    assert tx["from"] == SENDER and tx["to"] == TARGET and tx["type"] == "0x2"
    assert log["transactionHash"] == tx["hash"]
    # Transfers are not real logs: the block's bloom does not hold them.
    assert block["logsBloom"] == "0x" + "00" * 256


def test_reverts_and_failures_are_per_call(node: Any) -> None:
    blocks = simulate(node, [{"stateOverrides": {TARGET: {"code": REVERT_WITH_DATA}}, "calls": [
        {"from": SENDER, "to": TARGET},
        {"from": SENDER, "to": TARGET, "gas": "0x5212"},  # 10 gas for the code: too little
        {"from": SENDER, "to": OTHER}]}])
    reverted, starved, fine = blocks[0]["calls"]
    assert reverted["status"] == "0x0" and reverted["returnData"] == "0x"
    assert reverted["error"] == {"message": "execution reverted", "code": 3, "data": "0xabcd"}
    assert starved["status"] == "0x0" and starved["error"]["code"] == -32015
    assert fine["status"] == "0x1"


def test_precompiles_can_move(node: Any) -> None:
    sha256 = "0x0000000000000000000000000000000000000002"
    moved = "0x0000000000000000000000000000000000abcdef"
    blocks = simulate(node, [{"stateOverrides": {sha256: {"movePrecompileToAddress": moved}},
                              "calls": [{"from": SENDER, "to": moved, "input": "0x1234"},
                                        {"from": SENDER, "to": sha256, "input": "0x1234"}]}])
    at_new, at_old = blocks[0]["calls"]
    assert at_new["returnData"] == "0x" + hashlib.sha256(bytes.fromhex("1234")).hexdigest()
    assert at_old["returnData"] == "0x"  # no code there any more
    rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": [{"stateOverrides": {
        OTHER: {"movePrecompileToAddress": moved}}}]}, "latest"], -32000,
        contains="is not a precompile")


def test_validation_checks_nonce_fees_and_funds(node: Any) -> None:
    dev = address_of(dev_key(0))
    nonce = int(rpc(node.url, "eth_getTransactionCount", dev, "latest"), 16)
    blocks = simulate(node, [{"calls": [
        {"from": dev, "to": TARGET, "maxFeePerGas": hex(10**11), "nonce": hex(nonce)}]}],
        validation=True)
    assert int(blocks[0]["baseFeePerGas"], 16) > 0  # the real next base fee
    assert blocks[0]["calls"][0]["status"] == "0x1"
    cases = [({"nonce": hex(nonce + 5), "maxFeePerGas": hex(10**11)}, -38011),
             ({"nonce": hex(max(nonce - 1, 0)), "maxFeePerGas": hex(10**11)},
              -38010 if nonce else None),
             ({}, -38012)]
    for extra, code in cases:
        if code is None:
            continue
        rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": [{"calls": [
            {"from": dev, "to": TARGET, **extra}]}], "validation": True}, "latest"], code)
    rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": [{"calls": [
        {"from": SENDER, "to": TARGET, "value": "0x1"}]}]}, "latest"], -38014,
        contains="insufficient funds for gas * price + value")


def test_request_errors(node: Any) -> None:
    head = int(rpc(node.url, "eth_blockNumber"), 16)

    def refused(blocks: list[dict[str, Any]], code: int, tag: str = "latest") -> None:
        rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": blocks}, tag], code)

    refused([], -32602)
    refused([{"blockOverrides": {"number": hex(head)}}], -38020)
    refused([{"blockOverrides": {"time": "0xffffffff"}},
             {"blockOverrides": {"time": "0xfffffff0"}}], -38021)
    refused([{"blockOverrides": {"number": hex(head + 300)}}], -38026)
    refused([{"calls": [{"from": SENDER, "to": TARGET, "gas": "0x1"}]}], -38013)
    refused([{"blockOverrides": {"gasLimit": "0x6000"}, "calls": [
        {"from": SENDER, "to": TARGET}, {"from": SENDER, "to": TARGET, "gas": "0x5208"}]}],
        -38015)
    refused([{}], -32000, hex(head + 10))  # header not found
    rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": "no"}, "latest"], -32602)


def test_blob_calls(node: Any) -> None:
    blob_hash = "0x01" + "ab" * 31
    return_blobhash = "0x5f4960005260206000f3"  # mstore(0, blobhash(0)); return(0, 32)
    blocks = simulate(node, [{
        "blockOverrides": {"blobBaseFee": "0x2"},
        "stateOverrides": {**funded(), TARGET: {"code": return_blobhash}},
        "calls": [{"from": SENDER, "to": TARGET, "maxFeePerBlobGas": "0x3",
                   "blobVersionedHashes": [blob_hash]}]}], returnFullTransactions=True)
    block = blocks[0]
    assert block["calls"][0]["returnData"] == blob_hash
    assert block["blobGasUsed"] == hex(2**17)
    tx = block["transactions"][0]
    assert tx["type"] == "0x3" and tx["blobVersionedHashes"] == [blob_hash]
    assert tx["maxFeePerBlobGas"] == "0x3"
    rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": [{
        "blockOverrides": {"blobBaseFee": "0x9"}, "stateOverrides": funded(),
        "calls": [{"from": SENDER, "to": TARGET, "maxFeePerBlobGas": "0x3",
                   "blobVersionedHashes": [blob_hash]}]}]}, "latest"], -32603,
        contains="max fee per blob gas less than block blob gas fee")


def test_overriding_a_precompile_replaces_it(node: Any) -> None:
    identity = "0x0000000000000000000000000000000000000004"
    moved = "0x0000000000000000000000000000000000abcdef"
    blocks = simulate(node, [{"stateOverrides": {identity: {"code": RETURN_SELFBALANCE}},
                              "calls": [{"from": SENDER, "to": identity, "input": "0x1234"}]}])
    assert blocks[0]["calls"][0]["returnData"] == word(0)  # the code ran, not the precompile
    rpc_error(node.url, "eth_simulateV1", [{"blockStateCalls": [{"stateOverrides": {
        identity: {"movePrecompileToAddress": moved}, moved: {"balance": "0x1"}}}]}, "latest"],
        -32000, contains="is already overridden")


def test_tips_go_to_the_fee_recipient(node: Any) -> None:
    reader = "0x0000000000000000000000000000000000009999"
    balance_of_other = "0x73" + OTHER[2:] + "31" + "60005260206000f3"  # balance(OTHER)
    blocks = simulate(node, [{
        "blockOverrides": {"feeRecipient": OTHER},
        "stateOverrides": {**funded(), reader: {"code": balance_of_other}},
        "calls": [{"from": SENDER, "to": TARGET, "maxFeePerGas": "0xa",
                   "maxPriorityFeePerGas": "0x3"},
                  {"from": SENDER, "to": reader}]}])
    assert blocks[0]["calls"][1]["returnData"] == word(3 * 21_000)


def test_real_logs_after_traced_transfers_stay_in_the_block(node: Any) -> None:
    emitter = "0x000000000000000000000000000000000000abcd"
    blocks = simulate(node, [{
        "stateOverrides": {**funded(), emitter: {"code": "0x60006000a000"}},  # log0(0, 0)
        "calls": [{"from": SENDER, "to": TARGET, "value": "0x1"},
                  {"from": SENDER, "to": emitter}]}], traceTransfers=True)
    block = blocks[0]
    transfer, emitted = block["calls"][0]["logs"], block["calls"][1]["logs"]
    assert [entry["logIndex"] for entry in transfer + emitted] == ["0x0", "0x1"]
    assert emitted[0]["address"] == emitter and emitted[0]["topics"] == []
    assert block["logsBloom"] != "0x" + "00" * 256  # the emitter's log is a real one
