"""Headers, raw encodings, fee and fork queries, eth_getProof and eth_getStorageValues.

Proofs are checked the way a light client would: with py-trie against the state root of the
block header, never through the node's own code.
"""

from __future__ import annotations

import zlib
from typing import Any

import rlp
from eth_utils import keccak
from trie import HexaryTrie
from web3 import Web3

from tests.rpc.helpers import check_header, rpc, rpc_error, wait_receipt, word

# initcode: sstore(0, 42); sstore(5, 7); stop (the contract keeps no code, only storage)
STORE_INITCODE = "0x602a60005560076005550000"
ABSENT = "0x00000000000000000000000000000000000000ab"
EMPTY_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
EMPTY_CODE_HASH = "0x" + keccak(b"").hex()


def deploy_store(url: str) -> tuple[str, dict[str, Any]]:
    sender = rpc(url, "eth_accounts")[0]
    tx = rpc(url, "eth_sendTransaction", {"from": sender, "data": STORE_INITCODE})
    receipt = wait_receipt(url, tx)
    assert receipt["status"] == "0x1"
    return receipt["contractAddress"], receipt


def test_headers_match_blocks(node: Any, w3: Web3) -> None:
    _, receipt = deploy_store(node.url)
    number = receipt["blockNumber"]
    block = rpc(node.url, "eth_getBlockByNumber", number, False)
    header = rpc(node.url, "eth_getHeaderByNumber", number)
    check_header(header)
    assert header == {k: v for k, v in block.items()
                      if k not in ("size", "uncles", "transactions", "withdrawals",
                                   "totalDifficulty")}
    assert rpc(node.url, "eth_getHeaderByHash", block["hash"]) == header
    assert rpc(node.url, "eth_getHeaderByNumber", "latest")["hash"] == w3.eth.get_block(
        "latest")["hash"].to_0x_hex()
    assert rpc(node.url, "eth_getHeaderByNumber", "0xffffff") is None
    assert rpc(node.url, "eth_getHeaderByHash", "0x" + "ab" * 32) is None
    rpc_error(node.url, "eth_getHeaderByNumber", ["2"], -32602,
              "invalid argument 0: hex string without 0x prefix")


def test_raw_encodings(node: Any) -> None:
    _, receipt = deploy_store(node.url)
    number = receipt["blockNumber"]
    block = rpc(node.url, "eth_getBlockByNumber", number, False)
    raw_header = bytes.fromhex(rpc(node.url, "debug_getRawHeader", number)[2:])
    assert "0x" + keccak(raw_header).hex() == block["hash"]
    raw_block = bytes.fromhex(rpc(node.url, "debug_getRawBlock", block["hash"])[2:])
    items = rlp.decode(raw_block)
    assert rlp.encode(items[0]) == raw_header
    assert len(items[1]) == len(block["transactions"]) and items[2] == [] and items[3] == []
    assert int(block["size"], 16) == len(raw_block)
    raw_tx = rpc(node.url, "debug_getRawTransaction", receipt["transactionHash"])
    assert "0x" + keccak(bytes.fromhex(raw_tx[2:])).hex() == receipt["transactionHash"]
    receipts = rpc(node.url, "debug_getRawReceipts", number)
    trie = HexaryTrie({})
    for index, encoded in enumerate(receipts):
        trie[rlp.encode(index)] = bytes.fromhex(encoded[2:])
    assert "0x" + trie.root_hash.hex() == block["receiptsRoot"]
    assert rpc(node.url, "debug_getRawReceipts", "0x0") == []
    assert rpc(node.url, "debug_getRawTransaction", "0x" + "ab" * 32) is None
    rpc_error(node.url, "debug_getRawBlock", ["2"], -32602,
              "invalid argument 0: hex string without 0x prefix")
    rpc_error(node.url, "debug_getRawHeader", ["0xffffff"], -32000, "header not found")


def test_fee_and_fork_queries(node: Any) -> None:
    head = rpc(node.url, "eth_getBlockByNumber", "latest", False)
    history = rpc(node.url, "eth_feeHistory", "0x1", "latest", [])
    assert rpc(node.url, "eth_baseFee") == history["baseFeePerGas"][-1]  # the next block's
    assert rpc(node.url, "eth_blobBaseFee") == "0x1"
    config = rpc(node.url, "eth_config")
    assert config["next"] is None and config["last"] is None
    current = config["current"]
    genesis = rpc(node.url, "eth_getBlockByNumber", "0x0", False)["hash"]
    assert current["forkId"] == f"0x{zlib.crc32(bytes.fromhex(genesis[2:])):08x}"
    assert current["chainId"] == rpc(node.url, "eth_chainId")
    assert current["activationTime"] == 0 and int(head["timestamp"], 16) > 0
    assert current["blobSchedule"] == {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716}
    assert current["precompiles"]["ECREC"] == "0x" + "00" * 19 + "01"
    assert len(current["precompiles"]) == 17
    assert current["systemContracts"]["HISTORY_STORAGE_ADDRESS"] == (
        "0x0000f90827f1c53a10cb7a02335b175320002935")


def _verify(state_root: str, proof: dict[str, Any]) -> None:
    """Check an eth_getProof answer against a state root with py-trie."""
    root = bytes.fromhex(state_root[2:])
    nodes = [rlp.decode(bytes.fromhex(n[2:])) for n in proof["accountProof"]]
    account = HexaryTrie.get_from_proof(root, keccak(bytes.fromhex(proof["address"][2:])), nodes)
    if account:
        nonce, balance, storage_root, code_hash = rlp.decode(account)
        assert int.from_bytes(nonce, "big") == int(proof["nonce"], 16)
        assert int.from_bytes(balance, "big") == int(proof["balance"], 16)
        assert "0x" + storage_root.hex() == proof["storageHash"]
        assert "0x" + code_hash.hex() == proof["codeHash"]
    else:
        assert proof["balance"] == "0x0" and proof["nonce"] == "0x0"
        assert proof["storageHash"] == EMPTY_ROOT and proof["codeHash"] == EMPTY_CODE_HASH
    for entry in proof["storageProof"]:
        if not entry["proof"]:
            assert not account and entry["value"] == "0x0"
            continue
        slot = int(entry["key"], 16).to_bytes(32, "big")
        value = HexaryTrie.get_from_proof(
            bytes.fromhex(proof["storageHash"][2:]), keccak(slot),
            [rlp.decode(bytes.fromhex(n[2:])) for n in entry["proof"]])
        assert (int.from_bytes(rlp.decode(value), "big") if value else 0) == int(
            entry["value"], 16)


def test_proofs_verify_against_the_state_root(node: Any) -> None:
    contract, receipt = deploy_store(node.url)
    block = rpc(node.url, "eth_getBlockByNumber", receipt["blockNumber"], False)
    proof = rpc(node.url, "eth_getProof", contract, ["0x00", word(5), "0x9"], block["hash"])
    assert proof["address"] == contract
    assert [(e["key"], e["value"]) for e in proof["storageProof"]] == [
        ("0x0", "0x2a"), (word(5), "0x7"), ("0x9", "0x0")]
    _verify(block["stateRoot"], proof)
    sender = receipt["from"]
    latest = rpc(node.url, "eth_getBlockByNumber", "latest", False)
    mine = rpc(node.url, "eth_getProof", sender, [])
    assert mine["balance"] == rpc(node.url, "eth_getBalance", sender, "latest")
    assert mine["storageHash"] == EMPTY_ROOT and mine["codeHash"] == EMPTY_CODE_HASH
    _verify(latest["stateRoot"], mine)
    absent = rpc(node.url, "eth_getProof", ABSENT, ["0x1"], "latest")
    assert absent["storageProof"] == [{"key": "0x1", "value": "0x0", "proof": []}]
    _verify(latest["stateRoot"], absent)
    # an older block proves the state of its time: the contract did not exist yet
    before = rpc(node.url, "eth_getBlockByNumber", hex(int(receipt["blockNumber"], 16) - 1),
                 False)
    old = rpc(node.url, "eth_getProof", contract, ["0x0"], before["number"])
    assert old["storageProof"][0]["value"] == "0x0" and old["codeHash"] == EMPTY_CODE_HASH
    _verify(before["stateRoot"], old)
    forged = {**proof, "storageProof": [{**proof["storageProof"][0], "value": "0x2b"}]}
    try:
        _verify(block["stateRoot"], forged)
    except AssertionError:
        pass
    else:
        raise AssertionError("a forged storage value passed verification")
    rpc_error(node.url, "eth_getProof", [contract, "0x0"], -32602, prefix="invalid argument 1:")
    rpc_error(node.url, "eth_getProof", [contract, [], "0xffffff"], -32000, "header not found")


def test_storage_values(node: Any) -> None:
    contract, receipt = deploy_store(node.url)
    values = rpc(node.url, "eth_getStorageValues",
                 {contract: [word(0), word(5), word(6)], ABSENT: [word(1)]})
    assert values == {contract: [word(42), word(7), word(0)], ABSENT: [word(0)]}
    before = hex(int(receipt["blockNumber"], 16) - 1)
    assert rpc(node.url, "eth_getStorageValues", {contract: [word(0)]}, before) == {
        contract: [word(0)]}
    rpc_error(node.url, "eth_getStorageValues", [{}, "latest"], -32602, "empty request")
    rpc_error(node.url, "eth_getStorageValues", [{contract: []}], -32602, "empty request")
    rpc_error(node.url, "eth_getStorageValues", [{contract: [word(i) for i in range(1025)]}],
              -38026, "too many slots (max 1024)")
    rpc_error(node.url, "eth_getStorageValues", [[contract]], -32602,
              prefix="invalid argument 0:")
