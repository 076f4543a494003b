"""Every read, call, send and sign method over raw HTTP JSON-RPC, checked against geth's answers.

One node per module. The `chain` fixture builds a small history first:
  block D: EventEmitter(7) deployed by dev0 (type 2 creation)
  block M: three txs from dev1 in one block (sent as one batch):
           type 0 transfer of 1 wei to dev2, type 1 set(42) with an access list, type 2 emitMany(3)
Later tests add blocks of their own; they never touch dev2 (so its balance is exact) and never
set the value back to 7.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import rlp
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak
from trie import HexaryTrie

from tests.rpc.helpers import (
    BASE_FEE,
    CHAIN_ID,
    GWEI,
    UNKNOWN_HASH,
    access_list_tx,
    address_of,
    assert_alive,
    assert_qty,
    call,
    calldata,
    check_block,
    check_log,
    check_receipt,
    check_tx,
    dev_key,
    dynamic_tx,
    error_string_data,
    legacy_tx,
    nonce_of,
    post_json,
    request,
    rpc,
    rpc_error,
    selector,
    topic,
    wait_receipt,
    word,
)

DEV_BALANCE = 10_000 * 10**18
VALUE_CHANGED = topic("ValueChanged(address,uint256,uint256)")
PING = topic("Ping(uint256)")
EMPTY_TRIE = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


@dataclass
class Chain:
    url: str
    contract: str
    deploy_hash: str
    deploy_block: dict[str, Any]
    multi_block: dict[str, Any]  # the block with the three dev1 transactions (hashes only)
    raws: list[str]  # raw transactions of multi_block, in order
    hashes: list[str]
    dev0: str
    dev1: str
    dev2: str


@pytest.fixture(scope="module")
def chain(node: Any, emitter_artifact: dict) -> Chain:
    url = node.url
    k0, k1 = dev_key(0), dev_key(1)
    dev0, dev1, dev2 = address_of(k0), address_of(k1), address_of(dev_key(2))

    deploy_raw, deploy_hash = dynamic_tx(
        k0, nonce_of(url, dev0), None, gas=1_000_000, max_fee=5 * GWEI, tip=GWEI,
        data=emitter_artifact["bytecode"] + word(7)[2:])
    assert rpc(url, "eth_sendRawTransaction", deploy_raw) == deploy_hash
    deploy_receipt = wait_receipt(url, deploy_hash)
    assert deploy_receipt["status"] == "0x1", deploy_receipt
    contract = deploy_receipt["contractAddress"]

    nonce = nonce_of(url, dev1)
    assert nonce == 0
    txs = [
        legacy_tx(k1, 0, dev2, value=1),
        access_list_tx(k1, 1, contract, gas=60_000,
                       data=calldata("set(uint256)", ["uint256"], [42]),
                       access_list=[{"address": contract, "storageKeys": [word(0)]}]),
        dynamic_tx(k1, 2, contract, gas=100_000, max_fee=5 * GWEI, tip=GWEI,
                   data=calldata("emitMany(uint256)", ["uint256"], [3])),
    ]
    batch = [request("eth_sendRawTransaction", [raw], id=i) for i, (raw, _) in enumerate(txs)]
    answers = post_json(url, batch)
    assert [a.get("result") for a in answers] == [h for _, h in txs], answers
    receipts = [wait_receipt(url, h) for _, h in txs]
    assert all(r["status"] == "0x1" for r in receipts), receipts
    assert len({r["blockHash"] for r in receipts}) == 1, "the batch should fill one block"
    return Chain(
        url=url, contract=contract, deploy_hash=deploy_hash,
        deploy_block=rpc(url, "eth_getBlockByHash", deploy_receipt["blockHash"], False),
        multi_block=rpc(url, "eth_getBlockByHash", receipts[0]["blockHash"], False),
        raws=[raw for raw, _ in txs], hashes=[h for _, h in txs],
        dev0=dev0, dev1=dev1, dev2=dev2,
    )


def header_rlp_fields(block: dict[str, Any]) -> list[Any]:
    def q(name: str) -> int:
        return int(block[name], 16)

    def b(name: str) -> bytes:
        return bytes.fromhex(block[name][2:])

    return [b("parentHash"), b("sha3Uncles"), b("miner"), b("stateRoot"), b("transactionsRoot"),
            b("receiptsRoot"), b("logsBloom"), q("difficulty"), q("number"), q("gasLimit"),
            q("gasUsed"), q("timestamp"), b("extraData"), b("mixHash"), b("nonce"),
            q("baseFeePerGas"), b("withdrawalsRoot"), q("blobGasUsed"), q("excessBlobGas"),
            b("parentBeaconBlockRoot"), b("requestsHash")]


def body_item(raw_hex: str) -> Any:
    raw = bytes.fromhex(raw_hex[2:])
    return rlp.decode(raw) if raw[0] >= 0xc0 else raw


# --- web3_ / net_ / simple eth_ ----------------------------------------------------------------


def test_web3_client_version(node: Any) -> None:
    version = rpc(node.url, "web3_clientVersion")
    assert isinstance(version, str) and version.startswith("cmt-chain/v"), version


def test_web3_sha3(node: Any) -> None:
    assert rpc(node.url, "web3_sha3", "0x68656c6c6f20776f726c64") == (
        "0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad")
    assert rpc(node.url, "web3_sha3", "0x") == (
        "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def test_net_methods(node: Any) -> None:
    assert call(node.url, "net_version", []) == {"jsonrpc": "2.0", "id": 1, "result": "1234"}
    assert call(node.url, "net_listening", []) == {"jsonrpc": "2.0", "id": 1, "result": True}
    assert call(node.url, "net_peerCount", []) == {"jsonrpc": "2.0", "id": 1, "result": "0x0"}


def test_chain_id_syncing_block_number(chain: Chain) -> None:
    assert call(chain.url, "eth_chainId", []) == {"jsonrpc": "2.0", "id": 1, "result": "0x4d2"}
    assert call(chain.url, "eth_chainId") == {"jsonrpc": "2.0", "id": 1, "result": "0x4d2"}
    assert rpc(chain.url, "eth_syncing") is False
    number = rpc(chain.url, "eth_blockNumber")
    assert assert_qty(number) >= int(chain.multi_block["number"], 16)
    assert rpc(chain.url, "eth_getBlockByNumber", "latest", False)["number"] == number


def test_accounts(node: Any) -> None:
    accounts = rpc(node.url, "eth_accounts")
    assert accounts == [address_of(dev_key(i)) for i in range(10)]


# --- state reads -------------------------------------------------------------------------------


def test_get_balance(chain: Chain) -> None:
    url = chain.url
    assert rpc(url, "eth_getBalance", chain.dev2, "latest") == hex(DEV_BALANCE + 1)
    assert rpc(url, "eth_getBalance", chain.dev2, "earliest") == hex(DEV_BALANCE)
    assert rpc(url, "eth_getBalance", chain.dev2, chain.deploy_block["number"]) == hex(DEV_BALANCE)
    assert rpc(url, "eth_getBalance", "0x" + "42" * 20, "latest") == "0x0"
    # dev1 paid 1 wei plus exactly gasUsed * effectiveGasPrice for each of its three txs
    spent = 1
    for tx_hash in chain.hashes:
        receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
        spent += int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert rpc(url, "eth_getBalance", chain.dev1, chain.multi_block["number"]) == hex(
        DEV_BALANCE - spent)


def test_get_transaction_count(chain: Chain) -> None:
    url = chain.url
    assert rpc(url, "eth_getTransactionCount", chain.dev1, chain.multi_block["number"]) == "0x3"
    assert rpc(url, "eth_getTransactionCount", chain.dev1, chain.deploy_block["number"]) == "0x0"
    assert rpc(url, "eth_getTransactionCount", chain.dev1, "earliest") == "0x0"
    assert rpc(url, "eth_getTransactionCount", chain.dev0, {"blockHash":
                                                             chain.deploy_block["hash"]}) == "0x1"
    assert rpc(url, "eth_getTransactionCount", "0x" + "42" * 20, "pending") == "0x0"


def test_get_code(chain: Chain, emitter_artifact: dict) -> None:
    url = chain.url
    assert rpc(url, "eth_getCode", chain.contract, "latest") == emitter_artifact[
        "deployedBytecode"]
    assert rpc(url, "eth_getCode", chain.contract, "earliest") == "0x"
    assert rpc(url, "eth_getCode", chain.dev0, "latest") == "0x"


def test_get_storage_at_every_block_reference(chain: Chain) -> None:
    url, c = chain.url, chain.contract
    deploy, multi = chain.deploy_block, chain.multi_block
    cases = [
        ("latest", 42), ("pending", 42), ("safe", 42), ("finalized", 42), ("earliest", 0),
        (deploy["number"], 7), (multi["number"], 42), (hex(int(deploy["number"], 16) - 1), 0),
        ({"blockHash": deploy["hash"]}, 7),
        ({"blockHash": multi["hash"]}, 42),
        ({"blockHash": deploy["hash"], "requireCanonical": True}, 7),
        ({"blockHash": deploy["hash"], "requireCanonical": False}, 7),
        ({"blockNumber": deploy["number"]}, 7),
        ({"blockNumber": "latest"}, 42),
        ({"blockNumber": "earliest"}, 0),
    ]
    for ref, expected in cases:
        assert rpc(url, "eth_getStorageAt", c, "0x0", ref) == word(expected), ref
    # no block argument: latest; an unused slot reads as a zero word
    assert rpc(url, "eth_getStorageAt", c, "0x0") == word(42)
    assert rpc(url, "eth_getStorageAt", c, "0x5", "latest") == word(0)


def test_get_storage_at_takes_32_byte_keys(chain: Chain) -> None:
    """geth decodes the slot as a storage key (up to 32 bytes, zero padding allowed), so the
    32-byte form that ethers, viem and block explorers send must work."""
    assert rpc(chain.url, "eth_getStorageAt", chain.contract, word(0), "latest") == word(42)
    assert rpc(chain.url, "eth_getStorageAt", chain.contract, "0x00", "latest") == word(42)


def test_get_storage_values_reads_many_slots_at_once(chain: Chain) -> None:
    c, deploy = chain.contract, chain.deploy_block
    other = "0x" + "c1" * 20
    assert rpc(chain.url, "eth_getStorageValues", {c: ["0x0", word(1)], other: [word(0)]}) == {
        c.lower(): [word(42), word(0)], other: [word(0)]}
    assert rpc(chain.url, "eth_getStorageValues", {c: ["0x0"]}, deploy["number"]) == {
        c.lower(): [word(7)]}
    rpc_error(chain.url, "eth_getStorageValues", [{}], -32602, contains="empty request")
    rpc_error(chain.url, "eth_getStorageValues", [{c: ["0x0"] * 1025}], -38026,
              contains="too many slots (max 1024)")


def test_block_hash_string_is_a_block_reference(chain: Chain) -> None:
    """geth's BlockNumberOrHash accepts a bare 32-byte hash string as well as the object form."""
    assert rpc(chain.url, "eth_getBalance", chain.dev2, chain.deploy_block["hash"]) == hex(
        DEV_BALANCE)


def test_state_at_unknown_block(chain: Chain) -> None:
    url = chain.url
    rpc_error(url, "eth_getBalance", [chain.dev0, "0xffffff"], -32000, "header not found")
    rpc_error(url, "eth_getStorageAt", [chain.contract, "0x0", {"blockNumber": "0xffffff"}],
              -32000, "header not found")
    rpc_error(url, "eth_call", [{"to": chain.contract, "data": calldata("value()")}, "0xffffff"],
              -32000, "header not found")


def test_state_at_unknown_block_hash(chain: Chain) -> None:
    rpc_error(chain.url, "eth_getCode", [chain.contract, {"blockHash": UNKNOWN_HASH}], -32000,
              "header for hash not found")


def test_eip1898_object_with_hash_and_number_is_refused(chain: Chain) -> None:
    rpc_error(chain.url, "eth_getBalance",
              [chain.dev0, {"blockHash": chain.deploy_block["hash"], "blockNumber": "0x1"}],
              -32602, "invalid argument 1: cannot specify both BlockHash and BlockNumber, "
                      "choose one or the other")
    rpc_error(chain.url, "eth_getBalance", [chain.dev0, {}], -32602,
              "invalid argument 1: must specify either BlockHash or BlockNumber")


# --- fees ----------------------------------------------------------------------------------------


def test_gas_price_and_priority_fee(chain: Chain) -> None:
    price = assert_qty(rpc(chain.url, "eth_gasPrice"))
    tip = assert_qty(rpc(chain.url, "eth_maxPriorityFeePerGas"))
    assert price >= BASE_FEE
    assert price == BASE_FEE + tip  # base fee stays at the floor on this idle chain


def test_fee_history(chain: Chain) -> None:
    url = chain.url
    head = int(rpc(url, "eth_blockNumber"), 16)
    history = rpc(url, "eth_feeHistory", "0x2", "latest", [25, 75])
    assert set(history) >= {"oldestBlock", "baseFeePerGas", "gasUsedRatio", "reward",
                            "baseFeePerBlobGas", "blobGasUsedRatio"}
    assert history["oldestBlock"] == hex(head - 1)
    assert len(history["baseFeePerGas"]) == 3 and all(
        f == hex(BASE_FEE) for f in history["baseFeePerGas"])
    assert len(history["gasUsedRatio"]) == 2
    assert len(history["reward"]) == 2 and all(len(r) == 2 for r in history["reward"])
    for row in history["reward"]:
        for value in row:
            assert_qty(value)
    for number, ratio in zip(range(head - 1, head + 1), history["gasUsedRatio"], strict=True):
        block = rpc(url, "eth_getBlockByNumber", hex(number), False)
        assert ratio == pytest.approx(int(block["gasUsed"], 16) / int(block["gasLimit"], 16))

    # the block with the three dev1 txs: tips 0 (legacy, 2 gwei), 0 (type 1) and 1 gwei (type 2)
    multi = rpc(url, "eth_feeHistory", "0x1", chain.multi_block["number"], [0, 100])
    assert multi["oldestBlock"] == chain.multi_block["number"]
    assert multi["reward"] == [["0x0", hex(GWEI)]]
    # without percentiles geth leaves `reward` out
    assert "reward" not in rpc(url, "eth_feeHistory", "0x1", "latest")


def test_fee_history_block_count_as_number(chain: Chain) -> None:
    """geth reads blockCount as math.HexOrDecimal64: a JSON number (what web3.py sends) works."""
    by_hex = rpc(chain.url, "eth_feeHistory", "0x2", chain.multi_block["number"], [50])
    assert rpc(chain.url, "eth_feeHistory", 2, chain.multi_block["number"], [50]) == by_hex


# --- calls and estimates ---------------------------------------------------------------------


def test_create_access_list(chain: Chain) -> None:
    url, c = chain.url, chain.contract
    result = rpc(url, "eth_createAccessList", {"from": chain.dev0, "to": c,
                                               "data": calldata("value()")})
    # The recipient is warm anyway, so it is listed only for the storage slot value() reads.
    assert result["accessList"] == [{"address": c.lower(), "storageKeys": [word(0)]}]
    assert int(result["gasUsed"], 16) > 21_000 + 2_400 + 1_900 and "error" not in result
    transfer = rpc(url, "eth_createAccessList", {"from": chain.dev0, "to": chain.dev2,
                                                 "value": "0x1"}, "latest")
    assert transfer == {"accessList": [], "gasUsed": hex(21_000)}
    reverted = rpc(url, "eth_createAccessList", {"to": c, "data": "0xdeadbeef"})
    assert reverted["error"] == "execution reverted"


def test_call(chain: Chain) -> None:
    url, c = chain.url, chain.contract
    value = calldata("value()")
    assert rpc(url, "eth_call", {"to": c, "data": value}, "latest") == word(42)
    assert rpc(url, "eth_call", {"to": c, "input": value}) == word(42)
    assert rpc(url, "eth_call", {"to": c, "data": value, "input": value}) == word(42)
    assert rpc(url, "eth_call", {"to": c, "data": value}, chain.deploy_block["number"]) == word(7)
    assert rpc(url, "eth_call", {"to": c, "data": value},
               {"blockHash": chain.deploy_block["hash"]}) == word(7)
    assert rpc(url, "eth_call", {"from": chain.dev0, "to": c, "data": value, "gas": "0x7a120",
                                 "gasPrice": hex(BASE_FEE), "value": "0x0"}) == word(42)
    assert rpc(url, "eth_call", {"to": chain.dev2}) == "0x"


def test_call_prefers_input_over_data(chain: Chain) -> None:
    """geth's eth_call takes "input" when both are set (TransactionArgs.data()); only the
    sending methods refuse a mismatch (setDefaults)."""
    assert rpc(chain.url, "eth_call", {"to": chain.contract, "data": "0x12345678",
                                       "input": calldata("value()")}) == word(42)


def test_send_transaction_refuses_data_input_mismatch(chain: Chain) -> None:
    rpc_error(chain.url, "eth_sendTransaction",
              [{"from": address_of(dev_key(3)), "to": chain.contract, "data": "0x01",
                "input": "0x02"}], -32000,
              'both "data" and "input" are set and not equal. Please use "input" to pass '
              'transaction call data')


def test_estimate_gas(chain: Chain) -> None:
    url, c = chain.url, chain.contract
    transfer = {"from": chain.dev0, "to": chain.dev2, "value": "0x1"}
    assert rpc(url, "eth_estimateGas", transfer) == "0x5208"
    assert rpc(url, "eth_estimateGas", transfer, "latest") == "0x5208"
    store = {"from": chain.dev0, "to": c, "data": calldata("set(uint256)", ["uint256"], [5])}
    gas = assert_qty(rpc(url, "eth_estimateGas", store))
    assert 26_000 < gas < 60_000
    assert rpc(url, "eth_call", {**store, "gas": hex(gas)}) == "0x"


@pytest.mark.parametrize("method", ["eth_call", "eth_estimateGas"])
def test_revert_with_reason(chain: Chain, method: str) -> None:
    data = calldata("fail(string)", ["string"], ["boom"])
    response = call(chain.url, method, [{"from": chain.dev0, "to": chain.contract, "data": data}])
    assert response == {"jsonrpc": "2.0", "id": 1, "error": {
        "code": 3, "message": "execution reverted: boom", "data": error_string_data("boom")}}
    assert_alive(chain.url)


@pytest.mark.parametrize("method", ["eth_call", "eth_estimateGas"])
def test_revert_with_custom_error(chain: Chain, method: str) -> None:
    response = call(chain.url, method, [{"to": chain.contract, "data": calldata("failCustom()")}])
    assert response["error"] == {
        "code": 3, "message": "execution reverted",
        "data": "0x" + (selector("Nope(uint256)") + encode(["uint256"], [42])).hex()}


def test_revert_with_panic(chain: Chain) -> None:
    """geth unpacks Panic(uint256) into its reason: 0x01 is "assert(false)"."""
    response = call(chain.url, "eth_call", [{"to": chain.contract, "data": calldata("panic()")}])
    assert response["error"] == {
        "code": 3, "message": "execution reverted: assert(false)",
        "data": "0x" + (selector("Panic(uint256)") + encode(["uint256"], [1])).hex()}


# --- transactions --------------------------------------------------------------------------------


def test_send_raw_transaction_returns_keccak_of_raw(chain: Chain) -> None:
    for raw, tx_hash in zip(chain.raws, chain.hashes, strict=True):
        assert "0x" + keccak(bytes.fromhex(raw[2:])).hex() == tx_hash


def test_transaction_by_hash_per_type(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    legacy, typed1, typed2 = (rpc(url, "eth_getTransactionByHash", h) for h in chain.hashes)
    for index, tx in enumerate((legacy, typed1, typed2)):
        check_tx(tx)
        assert tx["blockHash"] == block["hash"] and tx["blockNumber"] == block["number"]
        assert tx["transactionIndex"] == hex(index)
        assert tx["from"] == chain.dev1 and tx["nonce"] == hex(index)
        assert tx["chainId"] == hex(CHAIN_ID)
        assert tx["hash"] == chain.hashes[index]

    assert legacy["type"] == "0x0" and legacy["to"] == chain.dev2 and legacy["value"] == "0x1"
    assert legacy["gas"] == hex(21_000) and legacy["gasPrice"] == hex(BASE_FEE)
    assert legacy["input"] == "0x"
    assert legacy["v"] in (hex(CHAIN_ID * 2 + 35), hex(CHAIN_ID * 2 + 36))

    assert typed1["type"] == "0x1" and typed1["to"] == chain.contract
    assert typed1["input"] == calldata("set(uint256)", ["uint256"], [42])
    assert typed1["gasPrice"] == hex(BASE_FEE) and typed1["gas"] == hex(60_000)
    assert typed1["accessList"] == [{"address": chain.contract, "storageKeys": [word(0)]}]

    assert typed2["type"] == "0x2" and typed2["accessList"] == []
    assert typed2["maxFeePerGas"] == hex(5 * GWEI)
    assert typed2["maxPriorityFeePerGas"] == hex(GWEI)
    assert typed2["gasPrice"] == hex(BASE_FEE + GWEI)  # mined: the effective price

    # the signature fields recover the sender
    signed = Account.recover_transaction(chain.raws[2])
    assert signed.lower() == chain.dev1


def test_transaction_by_block_and_index(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    for index, tx_hash in enumerate(chain.hashes):
        expected = rpc(url, "eth_getTransactionByHash", tx_hash)
        assert rpc(url, "eth_getTransactionByBlockHashAndIndex", block["hash"],
                   hex(index)) == expected
        assert rpc(url, "eth_getTransactionByBlockNumberAndIndex", block["number"],
                   hex(index)) == expected
    assert call(url, "eth_getTransactionByBlockHashAndIndex", [block["hash"], "0x3"]) == {
        "jsonrpc": "2.0", "id": 1, "result": None}
    assert rpc(url, "eth_getTransactionByBlockNumberAndIndex", block["number"], "0x3") is None
    assert rpc(url, "eth_getTransactionByBlockHashAndIndex", UNKNOWN_HASH, "0x0") is None
    assert rpc(url, "eth_getTransactionByBlockNumberAndIndex", "0xffffff", "0x0") is None
    assert rpc(url, "eth_getTransactionByBlockNumberAndIndex", "earliest", "0x0") is None


def test_unknown_hashes_give_null(chain: Chain) -> None:
    for method in ("eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getBlockByHash",
                   "eth_getBlockTransactionCountByHash", "eth_getUncleCountByBlockHash"):
        params = [UNKNOWN_HASH, False] if method == "eth_getBlockByHash" else [UNKNOWN_HASH]
        assert call(chain.url, method, params) == {"jsonrpc": "2.0", "id": 1, "result": None}, (
            method)
    assert rpc(chain.url, "eth_getBlockReceipts", {"blockHash": UNKNOWN_HASH}) is None
    assert rpc(chain.url, "eth_getUncleByBlockHashAndIndex", UNKNOWN_HASH, "0x0") is None


def test_receipts(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    receipts = [rpc(url, "eth_getTransactionReceipt", h) for h in chain.hashes]
    cumulative = 0
    for index, receipt in enumerate(receipts):
        check_receipt(receipt)
        assert receipt["blockHash"] == block["hash"]
        assert receipt["blockNumber"] == block["number"]
        assert receipt["transactionIndex"] == hex(index)
        assert receipt["transactionHash"] == chain.hashes[index]
        assert receipt["from"] == chain.dev1
        assert receipt["type"] == hex(index)
        assert receipt["status"] == "0x1"
        assert receipt["contractAddress"] is None
        cumulative += int(receipt["gasUsed"], 16)
        assert receipt["cumulativeGasUsed"] == hex(cumulative)
    assert hex(cumulative) == block["gasUsed"]
    assert receipts[0]["gasUsed"] == hex(21_000)
    assert [r["effectiveGasPrice"] for r in receipts] == [
        hex(BASE_FEE), hex(BASE_FEE), hex(BASE_FEE + GWEI)]
    assert receipts[0]["to"] == chain.dev2 and receipts[0]["logs"] == []

    (changed,) = receipts[1]["logs"]
    assert changed["address"] == chain.contract
    assert changed["topics"] == [VALUE_CHANGED, "0x" + "00" * 12 + chain.dev1[2:], word(7)]
    assert changed["data"] == word(42)
    assert changed["logIndex"] == "0x0" and changed["transactionIndex"] == "0x1"
    pings = receipts[2]["logs"]
    assert [p["topics"] for p in pings] == [[PING, word(i)] for i in range(3)]
    assert [p["logIndex"] for p in pings] == ["0x1", "0x2", "0x3"]  # numbered across the block
    assert all(p["data"] == "0x" for p in pings)


def test_contract_creation_receipt(chain: Chain) -> None:
    receipt = rpc(chain.url, "eth_getTransactionReceipt", chain.deploy_hash)
    check_receipt(receipt)
    assert receipt["to"] is None and receipt["type"] == "0x2"
    expected = keccak(rlp.encode([bytes.fromhex(chain.dev0[2:]), 0]))[12:]
    assert receipt["contractAddress"] == "0x" + expected.hex() == chain.contract
    tx = rpc(chain.url, "eth_getTransactionByHash", chain.deploy_hash)
    check_tx(tx)
    assert tx["to"] is None


def test_block_receipts(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    expected = [rpc(url, "eth_getTransactionReceipt", h) for h in chain.hashes]
    assert rpc(url, "eth_getBlockReceipts", block["number"]) == expected
    assert rpc(url, "eth_getBlockReceipts", {"blockHash": block["hash"]}) == expected
    assert rpc(url, "eth_getBlockReceipts", {"blockNumber": block["number"]}) == expected
    assert rpc(url, "eth_getBlockReceipts", "earliest") == []
    assert rpc(url, "eth_getBlockReceipts", "0xffffff") is None
    latest = rpc(url, "eth_getBlockByNumber", "latest", False)
    assert len(rpc(url, "eth_getBlockReceipts", "latest")) == len(latest["transactions"])


# --- blocks --------------------------------------------------------------------------------------


def test_block_by_number_and_hash(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    check_block(block, full=False)
    assert block["transactions"] == chain.hashes
    assert rpc(url, "eth_getBlockByNumber", block["number"], False) == block
    assert rpc(url, "eth_getBlockByNumber", block["number"]) == block  # fullTx defaults to false
    full = rpc(url, "eth_getBlockByHash", block["hash"], True)
    check_block(full, full=True)
    assert full["transactions"] == [rpc(url, "eth_getTransactionByHash", h)
                                    for h in chain.hashes]
    assert {k: v for k, v in full.items() if k != "transactions"} == {
        k: v for k, v in block.items() if k != "transactions"}
    assert block["sha3Uncles"] == EMPTY_UNCLES and block["withdrawals"] == []
    assert block["withdrawalsRoot"] == EMPTY_TRIE
    assert block["gasLimit"] == hex(30_000_000) and block["baseFeePerGas"] == hex(BASE_FEE)
    parent = rpc(url, "eth_getBlockByNumber", hex(int(block["number"], 16) - 1), False)
    assert block["parentHash"] == parent["hash"]
    assert int(block["timestamp"], 16) > int(parent["timestamp"], 16)


def test_block_hash_size_and_roots_match_contents(chain: Chain) -> None:
    """The header fields served hash to the block hash; size and transactionsRoot match the body."""
    block = chain.multi_block
    assert "0x" + keccak(rlp.encode(header_rlp_fields(block))).hex() == block["hash"]
    items = [body_item(raw) for raw in chain.raws]
    assert int(block["size"], 16) == len(rlp.encode([header_rlp_fields(block), items, [], []]))
    trie = HexaryTrie({})
    for index, raw in enumerate(chain.raws):
        trie[rlp.encode(index)] = bytes.fromhex(raw[2:])
    assert block["transactionsRoot"] == "0x" + trie.root_hash.hex()
    genesis = rpc(chain.url, "eth_getBlockByNumber", "earliest", False)
    assert "0x" + keccak(rlp.encode(header_rlp_fields(genesis))).hex() == genesis["hash"]
    assert int(genesis["size"], 16) == len(rlp.encode([header_rlp_fields(genesis), [], [], []]))


def test_block_tags(chain: Chain) -> None:
    url = chain.url
    genesis = rpc(url, "eth_getBlockByNumber", "earliest", False)
    check_block(genesis, full=False)
    assert genesis["number"] == "0x0" and genesis["parentHash"] == "0x" + "00" * 32
    assert genesis["transactions"] == [] and genesis["transactionsRoot"] == EMPTY_TRIE
    assert rpc(url, "eth_getBlockByNumber", "0x0", False) == genesis
    head = rpc(url, "eth_getBlockByNumber", "latest", False)
    check_block(head, full=False)
    assert head["number"] == rpc(url, "eth_blockNumber")
    for tag in ("safe", "finalized"):
        assert rpc(url, "eth_getBlockByNumber", tag, False) == head, tag
    pending = rpc(url, "eth_getBlockByNumber", "pending", False)
    assert int(pending["number"], 16) >= int(head["number"], 16)
    assert call(url, "eth_getBlockByNumber", ["0xffffff", False]) == {
        "jsonrpc": "2.0", "id": 1, "result": None}


def test_block_transaction_counts(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    assert rpc(url, "eth_getBlockTransactionCountByHash", block["hash"]) == "0x3"
    assert rpc(url, "eth_getBlockTransactionCountByNumber", block["number"]) == "0x3"
    assert rpc(url, "eth_getBlockTransactionCountByNumber", "earliest") == "0x0"
    assert rpc(url, "eth_getBlockTransactionCountByNumber", "0xffffff") is None


def test_uncle_methods(chain: Chain) -> None:
    url, block = chain.url, chain.multi_block
    assert rpc(url, "eth_getUncleCountByBlockHash", block["hash"]) == "0x0"
    assert rpc(url, "eth_getUncleCountByBlockNumber", block["number"]) == "0x0"
    assert rpc(url, "eth_getUncleCountByBlockNumber", "latest") == "0x0"
    assert rpc(url, "eth_getUncleCountByBlockNumber", "0xffffff") is None
    assert rpc(url, "eth_getUncleByBlockHashAndIndex", block["hash"], "0x0") is None
    assert rpc(url, "eth_getUncleByBlockNumberAndIndex", block["number"], "0x0") is None
    assert rpc(url, "eth_getUncleByBlockNumberAndIndex", "latest", "0x1") is None


# --- logs ----------------------------------------------------------------------------------------


def test_get_logs(chain: Chain) -> None:
    url, c, block = chain.url, chain.contract, chain.multi_block
    receipts = [rpc(url, "eth_getTransactionReceipt", h) for h in chain.hashes]
    block_logs = receipts[1]["logs"] + receipts[2]["logs"]
    for entry in block_logs:
        check_log(entry)

    def logs(criteria: dict[str, Any]) -> list[dict[str, Any]]:
        return rpc(url, "eth_getLogs", criteria)

    assert logs({"blockHash": block["hash"]}) == block_logs
    assert logs({"fromBlock": block["number"], "toBlock": block["number"]}) == block_logs
    assert logs({"fromBlock": "earliest", "toBlock": block["number"], "address": c}) == block_logs
    assert logs({"fromBlock": "0x0", "address": [c, "0x" + "42" * 20],
                 "toBlock": block["number"]}) == block_logs
    assert logs({"blockHash": block["hash"], "topics": [PING]}) == block_logs[1:]
    assert logs({"blockHash": block["hash"], "topics": [[PING]]}) == block_logs[1:]
    assert logs({"blockHash": block["hash"], "topics": [[PING, VALUE_CHANGED]]}) == block_logs
    assert logs({"blockHash": block["hash"], "topics": [PING, word(1)]}) == [block_logs[2]]
    assert logs({"blockHash": block["hash"], "topics": [None, [word(0), word(2)]]}) == [
        block_logs[1], block_logs[3]]
    assert logs({"blockHash": block["hash"], "topics": [None, None, word(7)]}) == [block_logs[0]]
    assert logs({"blockHash": block["hash"], "address": "0x" + "42" * 20}) == []
    assert logs({"fromBlock": "0x0", "toBlock": chain.deploy_block["number"]}) == []


def test_get_logs_more_topics_than_the_log_has(chain: Chain) -> None:
    """geth's filterLogs: a filter listing more topic positions than a log has never matches it,
    even when the extra positions are null."""
    assert rpc(chain.url, "eth_getLogs", {"blockHash": chain.multi_block["hash"],
                                          "topics": [PING, None, None]}) == []


def test_get_logs_empty_topic_list_is_a_wildcard(chain: Chain) -> None:
    """geth: an empty array at a topic position matches anything ("empty rule set == wildcard")."""
    receipt = rpc(chain.url, "eth_getTransactionReceipt", chain.hashes[2])
    assert rpc(chain.url, "eth_getLogs", {"blockHash": chain.multi_block["hash"],
                                          "topics": [[], [word(2)]]}) == [receipt["logs"][2]]


def test_get_logs_unknown_block_hash(chain: Chain) -> None:
    rpc_error(chain.url, "eth_getLogs", [{"blockHash": UNKNOWN_HASH}], -32000, "unknown block")


def test_get_logs_too_many_topics(chain: Chain) -> None:
    rpc_error(chain.url, "eth_getLogs", [{"topics": [PING, None, None, None, None]}], -32602,
              "invalid argument 0: exceed max topics")


def test_get_logs_bad_range(chain: Chain) -> None:
    # geth returns this from the method itself as invalid params (-32602), no argument prefix
    rpc_error(chain.url, "eth_getLogs", [{"fromBlock": "0x2", "toBlock": "0x1"}], -32602,
              "invalid block range params")


def test_get_logs_errors(chain: Chain) -> None:
    url = chain.url
    rpc_error(url, "eth_getLogs", [{"blockHash": chain.multi_block["hash"], "fromBlock": "0x1"}],
              -32602, "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, "
                      "choose one or the other")
    # geth: "invalid argument 0: invalid address: hex has invalid length 2 after decoding; ..."
    rpc_error(url, "eth_getLogs", [{"address": "0x1234"}], -32602, prefix="invalid argument 0: ")


# --- signing (dev accounts) ---------------------------------------------------------------------


def test_send_transaction(chain: Chain) -> None:
    url = chain.url
    sender, receiver = address_of(dev_key(3)), address_of(dev_key(4))
    tx_hash = rpc(url, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x5"})
    receipt = wait_receipt(url, tx_hash)
    assert receipt["status"] == "0x1" and receipt["from"] == sender and receipt["to"] == receiver
    tx = rpc(url, "eth_getTransactionByHash", tx_hash)
    check_tx(tx)
    assert tx["type"] == "0x2" and tx["value"] == "0x5" and tx["chainId"] == hex(CHAIN_ID)
    assert tx["gas"] == hex(21_000)  # estimated

    legacy_hash = rpc(url, "eth_sendTransaction", {
        "from": sender, "to": receiver, "value": "0x6", "gas": "0x5208",
        "gasPrice": hex(BASE_FEE)})
    assert wait_receipt(url, legacy_hash)["status"] == "0x1"
    legacy = rpc(url, "eth_getTransactionByHash", legacy_hash)
    check_tx(legacy)
    assert legacy["type"] == "0x0" and legacy["gasPrice"] == hex(BASE_FEE)

    rpc_error(url, "eth_sendTransaction", [{"from": "0x" + "42" * 20, "to": receiver}], -32000,
              "unknown account")


def test_eth_sign_and_personal_sign(chain: Chain) -> None:
    url, signer = chain.url, chain.dev0
    message = b"hello cmt-chain"
    for method, params in (("eth_sign", [signer, "0x" + message.hex()]),
                           ("personal_sign", ["0x" + message.hex(), signer])):
        signature = rpc(url, method, *params)
        assert len(bytes.fromhex(signature[2:])) == 65, signature
        assert signature[-2:] in ("1b", "1c")  # v is 27 or 28, as geth returns it
        recovered = Account.recover_message(encode_defunct(primitive=message),
                                            signature=signature)
        assert recovered.lower() == signer, method
    rpc_error(url, "eth_sign", ["0x" + "42" * 20, "0x01"], -32000, "unknown account")


TYPED_DATA: dict[str, Any] = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": CHAIN_ID,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}


def test_sign_typed_data_v4(chain: Chain) -> None:
    signer = address_of(dev_key(1))
    for typed in (TYPED_DATA, json.dumps(TYPED_DATA)):
        signature = rpc(chain.url, "eth_signTypedData_v4", signer, typed)
        assert len(bytes.fromhex(signature[2:])) == 65
        recovered = Account.recover_message(encode_typed_data(full_message=TYPED_DATA),
                                            signature=signature)
        assert recovered.lower() == signer


# --- pending (queued) transactions ----------------------------------------------------------------


def test_queued_transaction_is_visible_by_hash(chain: Chain) -> None:
    url = chain.url
    key = dev_key(6)
    sender = address_of(key)
    nonce = nonce_of(url, sender, "latest")
    raw, tx_hash = dynamic_tx(key, nonce + 5, chain.dev0, max_fee=4 * GWEI, tip=GWEI, value=9)
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    tx = rpc(url, "eth_getTransactionByHash", tx_hash)
    check_tx(tx, pending=True)
    assert tx["gasPrice"] == hex(4 * GWEI)  # pending: the fee cap, as geth shows it
    assert tx["nonce"] == hex(nonce + 5) and tx["value"] == "0x9"
    assert rpc(url, "eth_getTransactionReceipt", tx_hash) is None
    assert nonce_of(url, sender, "pending") == nonce  # a gap: the next nonce is unchanged


# --- polling filters ------------------------------------------------------------------------------


def _set_value(url: str, key: str, contract: str, value: int) -> dict[str, Any]:
    sender = address_of(key)
    raw, tx_hash = dynamic_tx(key, nonce_of(url, sender), contract, gas=80_000,
                              max_fee=5 * GWEI, data=calldata("set(uint256)", ["uint256"], [value]))
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    return wait_receipt(url, tx_hash)


def test_block_filter(chain: Chain) -> None:
    url = chain.url
    filter_id = rpc(url, "eth_newBlockFilter")
    assert isinstance(filter_id, str) and filter_id.startswith("0x")
    assert rpc(url, "eth_getFilterChanges", filter_id) == []
    receipt = _set_value(url, dev_key(5), chain.contract, 100)
    assert rpc(url, "eth_getFilterChanges", filter_id) == [receipt["blockHash"]]
    assert rpc(url, "eth_getFilterChanges", filter_id) == []
    rpc_error(url, "eth_getFilterLogs", [filter_id], -32000, "filter not found")
    assert rpc(url, "eth_uninstallFilter", filter_id) is True
    assert rpc(url, "eth_uninstallFilter", filter_id) is False
    rpc_error(url, "eth_getFilterChanges", [filter_id], -32000, "filter not found")


def test_pending_transaction_filter(chain: Chain) -> None:
    url = chain.url
    filter_id = rpc(url, "eth_newPendingTransactionFilter")
    assert isinstance(filter_id, str) and filter_id.startswith("0x")
    receipt = _set_value(url, dev_key(5), chain.contract, 101)
    assert rpc(url, "eth_getFilterChanges", filter_id) == [receipt["transactionHash"]]
    assert rpc(url, "eth_getFilterChanges", filter_id) == []
    assert rpc(url, "eth_uninstallFilter", filter_id) is True


def test_log_filter(chain: Chain) -> None:
    url, c = chain.url, chain.contract
    filter_id = rpc(url, "eth_newFilter", {"address": c, "topics": [VALUE_CHANGED]})
    assert isinstance(filter_id, str) and filter_id.startswith("0x")
    ping_filter = rpc(url, "eth_newFilter", {"address": c, "topics": [PING]})
    assert rpc(url, "eth_getFilterChanges", filter_id) == []
    receipt = _set_value(url, dev_key(5), c, 102)
    changes = rpc(url, "eth_getFilterChanges", filter_id)
    assert changes == receipt["logs"] and changes[0]["data"] == word(102)
    assert rpc(url, "eth_getFilterChanges", filter_id) == []
    assert rpc(url, "eth_getFilterChanges", ping_filter) == []

    # getFilterLogs re-runs the whole query: the set(42) log is the only one whose oldValue is 7
    history = rpc(url, "eth_newFilter", {"fromBlock": "earliest", "address": c,
                                         "topics": [VALUE_CHANGED, None, word(7)]})
    set42 = rpc(url, "eth_getTransactionReceipt", chain.hashes[1])["logs"]
    assert rpc(url, "eth_getFilterLogs", history) == set42
    assert rpc(url, "eth_getFilterLogs", history) == set42
    for fid in (filter_id, ping_filter, history):
        assert rpc(url, "eth_uninstallFilter", fid) is True
    rpc_error(url, "eth_getFilterLogs", [history], -32000, "filter not found")


def test_new_filter_refuses_bad_range(chain: Chain) -> None:
    rpc_error(chain.url, "eth_newFilter", [{"fromBlock": "0x5", "toBlock": "0x1"}], -32602,
              "invalid block range params")


def test_filter_ids_are_quantities(chain: Chain) -> None:
    """geth's ids are hex quantities (rpc.NewID trims leading zeros), as are subscription ids."""
    ids = [rpc(chain.url, "eth_newBlockFilter") for _ in range(100)]
    try:
        bad = [fid for fid in ids if not (isinstance(fid, str) and fid.startswith("0x")
                                          and fid == hex(int(fid, 16)))]
        assert not bad, f"filter ids with leading zeros: {bad}"
        assert len(set(ids)) == len(ids)
    finally:
        for fid in ids:
            rpc(chain.url, "eth_uninstallFilter", fid)


def test_uninstall_unknown_filter(chain: Chain) -> None:
    assert call(chain.url, "eth_uninstallFilter", ["0x1234"]) == {
        "jsonrpc": "2.0", "id": 1, "result": False}
    rpc_error(chain.url, "eth_getFilterChanges", ["0x1234"], -32000, "filter not found")
    rpc_error(chain.url, "eth_getFilterLogs", ["0x1234"], -32000, "filter not found")

