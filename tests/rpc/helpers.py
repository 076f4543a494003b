"""Raw JSON-RPC helpers for the request -> response tests: exact bytes over HTTP (stdlib urllib),
signed transactions, and checks of geth's JSON shapes (hex quantities, fields per object).

The tests post hand-written JSON so they see exactly what the node answers; web3.py would hide
malformed responses behind its own formatting.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from tests.nodeproc import CHAIN_ID, DEV_KEYS

GWEI = 10**9
BASE_FEE = 2 * GWEI
CHAIN_ID_HEX = hex(CHAIN_ID)
MNEMONIC = "test test test test test test test test test test test junk"
ZERO_HASH = "0x" + "00" * 32
UNKNOWN_HASH = "0x" + "ab" * 32

QUANTITY = re.compile(r"0x(0|[1-9a-f][0-9a-f]*)")
DATA = re.compile(r"0x([0-9a-f]{2})*")
HASH = re.compile(r"0x[0-9a-f]{64}")
ADDRESS = re.compile(r"0x[0-9a-f]{40}")
BLOOM = re.compile(r"0x[0-9a-f]{512}")

Account.enable_unaudited_hdwallet_features()
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def dev_key(index: int) -> str:
    """Return the private key of dev account `index` (m/44'/60'/0'/0/index of the test mnemonic)."""
    if index < len(DEV_KEYS):
        return DEV_KEYS[index]
    account = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return "0x" + bytes(account.key).hex()


def address_of(key: str) -> str:
    return Account.from_key(key).address.lower()


# --- transport -------------------------------------------------------------------------------


def post(url: str, body: bytes | str | Any, content_type: str = "application/json",
         timeout: float = 30.0) -> tuple[int, bytes]:
    """POST `body` (bytes/str as is, anything else JSON-encoded); return (status, body)."""
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
    request = urllib.request.Request(url, data=raw, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post_json(url: str, body: bytes | str | Any) -> Any:
    """POST and decode the JSON answer (HTTP 200 expected)."""
    status, raw = post(url, body)
    assert status == 200, (status, raw[:500])
    return json.loads(raw)


def request(method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:  # noqa: A002
    out: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        out["params"] = params
    return out


def call(url: str, method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:  # noqa: A002
    """Send one request; return the whole response object after checking its envelope."""
    response = post_json(url, request(method, params, id))
    assert isinstance(response, dict), response
    assert response.get("jsonrpc") == "2.0", response
    assert response.get("id") == id, response
    assert ("result" in response) != ("error" in response), response
    return response


def rpc(url: str, method: str, *params: Any) -> Any:
    """Call and return the result; fail on an error response."""
    response = call(url, method, list(params))
    assert "error" not in response, f"{method}{list(params)} -> {response['error']}"
    return response["result"]


def assert_alive(url: str) -> None:
    """Check that the node still answers a normal request."""
    assert call(url, "eth_chainId", [], id="alive")["result"] == CHAIN_ID_HEX


def rpc_error(url: str, method: str, params: Any, code: int, message: str | None = None, *,
              prefix: str | None = None, contains: str | None = None) -> dict[str, Any]:
    """Call, assert an error with `code` and the message (exact, prefix or substring), then
    check that the node still answers; return the error object."""
    response = call(url, method, params)
    assert "error" in response, f"{method}{params} -> result {response.get('result')!r}"
    error = response["error"]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message, error
    if prefix is not None:
        assert error["message"].startswith(prefix), error
    if contains is not None:
        assert contains in error["message"], error
    assert_alive(url)
    return error


def wait_receipt(url: str, tx_hash: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            return receipt
        time.sleep(0.02)
    raise AssertionError(f"no receipt for {tx_hash} after {timeout}s")


# --- transactions ----------------------------------------------------------------------------


def nonce_of(url: str, address: str, tag: str = "pending") -> int:
    return int(rpc(url, "eth_getTransactionCount", address, tag), 16)


def sign(key: str, **fields: Any) -> tuple[str, str]:
    """Sign a transaction (fields as eth_account takes them); return (raw hex, hash hex)."""
    fields.setdefault("chainId", CHAIN_ID)
    fields.setdefault("value", 0)
    fields.setdefault("data", b"")
    if fields.get("chainId") is None:
        del fields["chainId"]
    if isinstance(fields.get("to"), str):
        fields["to"] = to_checksum_address(fields["to"])
    signed = Account.sign_transaction(fields, key)
    return "0x" + bytes(signed.raw_transaction).hex(), "0x" + bytes(signed.hash).hex()


def legacy_tx(key: str, nonce: int, to: str | None, gas: int = 21_000,
              gas_price: int = BASE_FEE, **extra: Any) -> tuple[str, str]:
    fields: dict[str, Any] = {"nonce": nonce, "gas": gas, "gasPrice": gas_price, **extra}
    if to is not None:
        fields["to"] = _checksum(to)
    return sign(key, **fields)


def access_list_tx(key: str, nonce: int, to: str, gas: int = 30_000,
                   gas_price: int = BASE_FEE, access_list: list | None = None,
                   **extra: Any) -> tuple[str, str]:
    return sign(key, type=1, nonce=nonce, gas=gas, gasPrice=gas_price, to=_checksum(to),
                accessList=access_list or [], **extra)


def dynamic_tx(key: str, nonce: int, to: str | None, gas: int = 21_000,
               max_fee: int = 3 * GWEI, tip: int = GWEI, **extra: Any) -> tuple[str, str]:
    fields: dict[str, Any] = {"type": 2, "nonce": nonce, "gas": gas, "maxFeePerGas": max_fee,
                              "maxPriorityFeePerGas": tip, **extra}
    if to is not None:
        fields["to"] = _checksum(to)
    return sign(key, **fields)


def _checksum(address: str) -> str:
    return to_checksum_address(address)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def calldata(signature: str, types: list[str] | None = None, args: list[Any] | None = None,
             ) -> str:
    return "0x" + (selector(signature) + encode(types or [], args or [])).hex()


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def word(value: int) -> str:
    return f"0x{value:064x}"


def error_string_data(reason: str) -> str:
    """Return the ABI revert payload of `Error(reason)` as hex."""
    return "0x" + (selector("Error(string)") + encode(["string"], [reason])).hex()


# --- shapes ----------------------------------------------------------------------------------

HEADER_FIELDS = (
    "hash", "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot",
    "receiptsRoot", "logsBloom", "difficulty", "number", "gasLimit", "gasUsed", "timestamp",
    "extraData", "mixHash", "nonce", "baseFeePerGas", "withdrawalsRoot", "blobGasUsed",
    "excessBlobGas", "parentBeaconBlockRoot", "requestsHash",
)
BLOCK_FIELDS = (*HEADER_FIELDS, "size", "uncles", "transactions", "withdrawals")
TX_COMMON_FIELDS = (
    "blockHash", "blockNumber", "from", "gas", "gasPrice", "hash", "input", "nonce", "to",
    "transactionIndex", "value", "type", "v", "r", "s",
)
TX_FIELDS_BY_TYPE = {
    "0x0": (*TX_COMMON_FIELDS, "chainId"),
    "0x1": (*TX_COMMON_FIELDS, "chainId", "accessList", "yParity"),
    "0x2": (*TX_COMMON_FIELDS, "chainId", "accessList", "yParity", "maxFeePerGas",
            "maxPriorityFeePerGas"),
}
TX_ABSENT_BY_TYPE = {
    "0x0": ("maxFeePerGas", "maxPriorityFeePerGas", "accessList", "yParity"),
    "0x1": ("maxFeePerGas", "maxPriorityFeePerGas"),
    "0x2": (),
}
RECEIPT_FIELDS = (
    "blockHash", "blockNumber", "contractAddress", "cumulativeGasUsed", "effectiveGasPrice",
    "from", "gasUsed", "logs", "logsBloom", "status", "to", "transactionHash",
    "transactionIndex", "type",
)
LOG_FIELDS = (
    "address", "topics", "data", "blockNumber", "transactionHash", "transactionIndex",
    "blockHash", "blockTimestamp", "logIndex", "removed",
)


def is_qty(value: Any) -> bool:
    return isinstance(value, str) and QUANTITY.fullmatch(value) is not None


def assert_qty(value: Any, what: str = "") -> int:
    assert is_qty(value), f"{what}: {value!r} is not a hex quantity without leading zeros"
    return int(value, 16)


def assert_data(value: Any, what: str = "") -> None:
    assert isinstance(value, str) and DATA.fullmatch(value), f"{what}: {value!r} is not hex data"


def assert_hash(value: Any, what: str = "") -> None:
    assert isinstance(value, str) and HASH.fullmatch(value), f"{what}: {value!r} is not a hash"


def assert_address(value: Any, what: str = "") -> None:
    assert isinstance(value, str) and ADDRESS.fullmatch(value), (
        f"{what}: {value!r} is not a lowercase address")


def assert_fields(obj: dict[str, Any], fields: tuple[str, ...], what: str) -> None:
    missing = [f for f in fields if f not in obj]
    assert not missing, f"{what} lacks {missing}: {sorted(obj)}"


def check_header(h: dict[str, Any], what: str = "header") -> None:
    assert_fields(h, HEADER_FIELDS, what)
    for name in ("hash", "parentHash", "sha3Uncles", "stateRoot", "transactionsRoot",
                 "receiptsRoot", "mixHash", "withdrawalsRoot", "parentBeaconBlockRoot",
                 "requestsHash"):
        assert_hash(h[name], f"{what}.{name}")
    assert_address(h["miner"], f"{what}.miner")
    assert isinstance(h["logsBloom"], str) and BLOOM.fullmatch(h["logsBloom"]), h["logsBloom"]
    for name in ("difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas",
                 "blobGasUsed", "excessBlobGas"):
        assert_qty(h[name], f"{what}.{name}")
    assert_data(h["extraData"], f"{what}.extraData")
    assert isinstance(h["nonce"], str) and re.fullmatch(r"0x[0-9a-f]{16}", h["nonce"]), h["nonce"]


def check_block(b: dict[str, Any], full: bool) -> None:
    assert_fields(b, BLOCK_FIELDS, "block")
    check_header(b, "block")
    assert_qty(b["size"], "block.size")
    assert b["uncles"] == []
    assert isinstance(b["withdrawals"], list)
    assert isinstance(b["transactions"], list)
    for index, tx in enumerate(b["transactions"]):
        if full:
            check_tx(tx)
            assert tx["blockHash"] == b["hash"] and tx["blockNumber"] == b["number"]
            assert tx["transactionIndex"] == hex(index)
        else:
            assert_hash(tx, "block.transactions[]")


def check_tx(tx: dict[str, Any], pending: bool = False) -> None:
    kind = tx.get("type")
    assert kind in TX_FIELDS_BY_TYPE, tx
    assert_fields(tx, TX_FIELDS_BY_TYPE[kind], f"type {kind} transaction")
    present = [f for f in TX_ABSENT_BY_TYPE[kind] if f in tx]
    assert not present, f"type {kind} transaction has fields geth leaves out: {present}"
    if pending:
        assert tx["blockHash"] is None and tx["blockNumber"] is None, tx
        assert tx["transactionIndex"] is None, tx
    else:
        assert_hash(tx["blockHash"], "tx.blockHash")
        assert_qty(tx["blockNumber"], "tx.blockNumber")
        assert_qty(tx["transactionIndex"], "tx.transactionIndex")
    assert_address(tx["from"], "tx.from")
    if tx["to"] is not None:
        assert_address(tx["to"], "tx.to")
    assert_hash(tx["hash"], "tx.hash")
    assert_data(tx["input"], "tx.input")
    for name in ("gas", "gasPrice", "nonce", "value", "v", "r", "s", "chainId",
                 "maxFeePerGas", "maxPriorityFeePerGas", "yParity"):
        if name in tx:
            assert_qty(tx[name], f"tx.{name}")
    if "accessList" in tx:
        assert isinstance(tx["accessList"], list)
    if "yParity" in tx:
        assert tx["yParity"] in ("0x0", "0x1") and tx["v"] == tx["yParity"], tx


def check_receipt(r: dict[str, Any]) -> None:
    assert_fields(r, RECEIPT_FIELDS, "receipt")
    assert_hash(r["blockHash"])
    assert_hash(r["transactionHash"])
    for name in ("blockNumber", "cumulativeGasUsed", "effectiveGasPrice", "gasUsed",
                 "transactionIndex", "type"):
        assert_qty(r[name], f"receipt.{name}")
    assert r["status"] in ("0x0", "0x1"), r["status"]
    assert_address(r["from"])
    assert r["to"] is None or ADDRESS.fullmatch(r["to"]), r["to"]
    assert r["contractAddress"] is None or ADDRESS.fullmatch(r["contractAddress"])
    assert BLOOM.fullmatch(r["logsBloom"]), r["logsBloom"]
    for entry in r["logs"]:
        check_log(entry)
        assert entry["transactionHash"] == r["transactionHash"]
        assert entry["blockHash"] == r["blockHash"]


def check_log(entry: dict[str, Any]) -> None:
    assert_fields(entry, LOG_FIELDS, "log")
    assert_address(entry["address"], "log.address")
    for t in entry["topics"]:
        assert_hash(t, "log.topics[]")
    assert_data(entry["data"], "log.data")
    for name in ("blockNumber", "transactionIndex", "logIndex", "blockTimestamp"):
        assert_qty(entry[name], f"log.{name}")
    assert_hash(entry["blockHash"])
    assert_hash(entry["transactionHash"])
    assert entry["removed"] is False
