"""Dev-mode cheats as anvil and Hardhat serve them: state cheats visible at once and carried into
the next block, impersonation, dropping pooled transactions, fee and coinbase setters, and
evm_snapshot / evm_revert moving the chain head back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from tests.nodeproc import NodeProcess
from tests.rpc.helpers import (
    GWEI,
    dynamic_tx,
    legacy_tx,
    rpc,
    rpc_error,
    wait_receipt,
    word,
)

RETURN_SLOT_1 = "0x60015460005260206000f3"  # mstore(0, sload(1)); return(0, 32)
RETURN_SELFBALANCE = "0x4760005260206000f3"


def fresh() -> tuple[str, str]:
    """Return (key, address) of a new account that holds nothing."""
    account = Account.create()
    return "0x" + bytes(account.key).hex(), account.address.lower()


def head_number(url: str) -> int:
    return int(rpc(url, "eth_blockNumber"), 16)


@pytest.mark.parametrize("prefix, answer", [("anvil_", None), ("hardhat_", True)])
def test_set_balance_is_visible_at_once_and_spendable(node: Any, w3: Web3, prefix: str,
                                                      answer: Any) -> None:
    key, address = fresh()
    before = head_number(node.url)
    assert rpc(node.url, f"{prefix}setBalance", address, hex(10**18)) is answer
    assert head_number(node.url) == before  # nothing was mined
    assert w3.eth.get_balance(Web3.to_checksum_address(address)) == 10**18
    assert rpc(node.url, "eth_getBalance", address, hex(before)) == hex(10**18)  # the head
    # eth_call sees it too, and the pool accepts a transaction it pays for
    assert rpc(node.url, "eth_call", {"to": address}, "latest",
               {address: {"code": RETURN_SELFBALANCE}}) == word(10**18)
    raw, tx_hash = dynamic_tx(key, 0, "0x" + "11" * 20, value=10**17, max_fee=3 * GWEI, tip=GWEI)
    assert rpc(node.url, "eth_sendRawTransaction", raw) == tx_hash
    receipt = wait_receipt(node.url, tx_hash)
    assert receipt["status"] == "0x1"
    price = int(receipt["effectiveGasPrice"], 16)
    assert w3.eth.get_balance(Web3.to_checksum_address(address)) == (
        10**18 - 10**17 - 21_000 * price)


def test_set_nonce_code_and_storage(node: Any, w3: Web3) -> None:
    key, address = fresh()
    rpc(node.url, "anvil_setBalance", address, "0x0de0b6b3a7640000")  # leading zero, as anvil
    assert rpc(node.url, "hardhat_setNonce", address, "0x5") is True
    assert rpc(node.url, "eth_getTransactionCount", address, "latest") == "0x5"
    assert rpc(node.url, "eth_getTransactionCount", address, "pending") == "0x5"
    low, _ = legacy_tx(key, 4, address)
    rpc_error(node.url, "eth_sendRawTransaction", [low], -32000, prefix="nonce too low")
    raw, tx_hash = legacy_tx(key, 5, address)
    rpc(node.url, "eth_sendRawTransaction", raw)
    assert wait_receipt(node.url, tx_hash)["status"] == "0x1"
    assert rpc(node.url, "eth_getTransactionCount", address, "latest") == "0x6"
    rpc_error(node.url, "hardhat_setNonce", [address, "0x2"], -32602,
              "New nonce (2) must not be smaller than the existing nonce (6)")
    assert rpc(node.url, "anvil_setNonce", address, "0x2") is None  # anvil lets it fall
    assert rpc(node.url, "eth_getTransactionCount", address, "pending") == "0x2"

    _, contract = fresh()
    assert rpc(node.url, "anvil_setCode", contract, RETURN_SLOT_1) is None
    assert rpc(node.url, "anvil_setStorageAt", contract, "0x1", word(77)) is None
    assert rpc(node.url, "hardhat_setStorageAt", contract, "0x2", word(5)) is True
    assert rpc(node.url, "eth_getCode", contract, "latest") == RETURN_SLOT_1
    assert rpc(node.url, "eth_getStorageAt", contract, "0x1", "latest") == word(77)
    assert rpc(node.url, "eth_call", {"to": contract}, "latest") == word(77)
    rpc(node.url, "anvil_setStorageAt", contract, "0x1", word(78))  # a later write wins
    assert w3.eth.call({"to": Web3.to_checksum_address(contract)}) == (78).to_bytes(32, "big")
    rpc(node.url, "evm_mine")
    mined = hex(head_number(node.url))
    assert rpc(node.url, "eth_getCode", contract, mined) == RETURN_SLOT_1  # the block holds it
    assert rpc(node.url, "eth_getStorageAt", contract, "0x2", mined) == word(5)
    assert rpc(node.url, "eth_getStorageValues", {contract: [word(1), word(2)]}, mined) == {
        contract: [word(78), word(5)]}
    rpc_error(node.url, "anvil_setStorageAt", [contract, "0x1", "0x05"], -32602,
              prefix="invalid argument 2:")
    rpc_error(node.url, "anvil_setBalance", ["0x1234", "0x1"], -32602,
              prefix="invalid argument 0:")


def test_impersonated_account_sends_without_a_key(node: Any, w3: Web3) -> None:
    _, stranger = fresh()
    sender = Web3.to_checksum_address(stranger)
    request = {"from": sender, "to": sender, "value": 1}
    rpc_error(node.url, "eth_sendTransaction", [{**request, "value": "0x1"}], -32000,
              "unknown account")
    rpc(node.url, "anvil_setBalance", stranger, hex(10**18))
    assert rpc(node.url, "anvil_impersonateAccount", stranger) is None
    tx_hash = w3.eth.send_transaction(request)  # type: ignore[arg-type]
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=20)
    assert receipt["status"] == 1 and receipt["from"] == sender
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == sender and tx["hash"] == tx_hash
    raw = rpc(node.url, "debug_getRawTransaction", tx_hash.to_0x_hex())
    assert Web3.keccak(hexstr=raw) == tx_hash  # the hash is the hash of what is stored
    legacy = w3.eth.send_transaction({**request, "gasPrice": 3 * GWEI})  # type: ignore[arg-type]
    assert w3.eth.wait_for_transaction_receipt(legacy, timeout=20)["status"] == 1
    assert legacy != tx_hash
    assert rpc(node.url, "hardhat_stopImpersonatingAccount", stranger) is True
    rpc_error(node.url, "eth_sendTransaction", [{**request, "value": "0x1"}], -32000,
              "unknown account")


def test_drop_transaction(node: Any) -> None:
    sender = rpc(node.url, "eth_accounts")[1]
    rpc(node.url, "evm_setAutomine", False)
    try:
        first = rpc(node.url, "eth_sendTransaction", {"from": sender, "to": sender})
        second = rpc(node.url, "eth_sendTransaction",
                     {"from": sender, "to": sender, "value": "0x1"})
        assert rpc(node.url, "anvil_dropTransaction", first) == first
        assert rpc(node.url, "anvil_dropTransaction", first) is None
        assert rpc(node.url, "hardhat_dropTransaction", second) is True
        assert rpc(node.url, "hardhat_dropTransaction", second) is False
        assert rpc(node.url, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
        assert rpc(node.url, "eth_getTransactionByHash", first) is None
    finally:
        rpc(node.url, "evm_setAutomine", True)


def test_next_base_fee_min_gas_price_and_coinbase(node: Any) -> None:
    rpc(node.url, "evm_mine")
    assert rpc(node.url, "anvil_setNextBlockBaseFeePerGas", hex(7 * GWEI)) is None
    assert rpc(node.url, "eth_baseFee") == hex(7 * GWEI)
    rpc(node.url, "evm_mine")
    block = rpc(node.url, "eth_getBlockByNumber", "latest", False)
    assert block["baseFeePerGas"] == hex(7 * GWEI)
    rpc(node.url, "evm_mine")  # only that block: the next one follows the EIP-1559 rule
    assert int(rpc(node.url, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16) < (
        7 * GWEI)

    key, address = fresh()
    rpc(node.url, "anvil_setBalance", address, hex(10**18))
    # above the free lane's gas cap, so a price under the minimum is refused outright
    cheap, cheap_hash = legacy_tx(key, 0, address, gas=600_000, gas_price=GWEI)
    rpc_error(node.url, "eth_sendRawTransaction", [cheap], -32000, contains="underpriced")
    try:
        assert rpc(node.url, "hardhat_setMinGasPrice", hex(GWEI)) is True
        rpc(node.url, "hardhat_setNextBlockBaseFeePerGas", hex(GWEI))
        assert rpc(node.url, "eth_sendRawTransaction", cheap) == cheap_hash
        receipt = wait_receipt(node.url, cheap_hash)
        assert receipt["effectiveGasPrice"] == hex(GWEI)
    finally:
        rpc(node.url, "anvil_setMinGasPrice", hex(2 * GWEI))

    validator = rpc(node.url, "eth_coinbase")
    _, recipient = fresh()
    try:
        assert rpc(node.url, "anvil_setCoinbase", recipient) is None
        assert rpc(node.url, "eth_coinbase") == recipient
        rpc(node.url, "evm_mine")
        assert rpc(node.url, "eth_getBlockByNumber", "latest", False)["miner"] == recipient
    finally:
        rpc(node.url, "hardhat_setCoinbase", validator)
    rpc(node.url, "evm_mine")
    assert rpc(node.url, "eth_getBlockByNumber", "latest", False)["miner"] == validator


def test_snapshot_and_revert(node: Any, w3: Web3) -> None:
    sender, receiver = rpc(node.url, "eth_accounts")[2:4]
    _, patched = fresh()
    start = head_number(node.url)
    start_hash = rpc(node.url, "eth_getBlockByNumber", hex(start), False)["hash"]
    balance = rpc(node.url, "eth_getBalance", receiver, "latest")
    snapshot = rpc(node.url, "evm_snapshot")
    assert int(snapshot, 16) > 0
    tx = rpc(node.url, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x7"})
    receipt = wait_receipt(node.url, tx)
    rpc(node.url, "evm_mine")
    rpc(node.url, "anvil_setBalance", patched, "0x99")  # a cheat after the snapshot
    assert head_number(node.url) == start + 2
    assert int(rpc(node.url, "eth_getBalance", receiver, "latest"), 16) == int(balance, 16) + 7

    assert rpc(node.url, "evm_revert", snapshot) is True
    assert head_number(node.url) == start
    assert rpc(node.url, "eth_getBlockByNumber", "latest", False)["hash"] == start_hash
    assert rpc(node.url, "eth_getTransactionByHash", tx) is None
    assert rpc(node.url, "eth_getTransactionReceipt", tx) is None
    assert rpc(node.url, "eth_getBlockByNumber", receipt["blockNumber"], False) is None
    assert rpc(node.url, "eth_getBalance", receiver, "latest") == balance
    assert rpc(node.url, "eth_getBalance", patched, "latest") == "0x0"
    assert rpc(node.url, "eth_getTransactionCount", sender, "pending") == hex(
        int(rpc(node.url, "eth_getTransactionCount", sender, "latest"), 16))
    assert rpc(node.url, "eth_getLogs", {"fromBlock": hex(start)}) == []
    assert rpc(node.url, "evm_revert", snapshot) is False  # a snapshot is used once

    # the chain goes on from the snapshot: the same sender and nonce again, a new block there
    again = w3.eth.send_transaction({"from": Web3.to_checksum_address(sender),
                                     "to": Web3.to_checksum_address(receiver), "value": 8})
    mined = w3.eth.wait_for_transaction_receipt(again, timeout=20)
    assert mined["blockNumber"] == start + 1 and mined["blockHash"].to_0x_hex() != (
        receipt["blockHash"])
    assert w3.eth.get_balance(Web3.to_checksum_address(receiver)) == int(balance, 16) + 8
    assert rpc(node.url, "evm_revert", "0x999") is False


def test_a_revert_and_impersonated_transactions_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = NodeProcess(data, "--mining-mode", "instant")
    try:
        sender, receiver = rpc(process.url, "eth_accounts")[:2]
        _, stranger = fresh()
        rpc(process.url, "anvil_setBalance", stranger, hex(10**18))
        rpc(process.url, "anvil_impersonateAccount", stranger)
        kept = rpc(process.url, "eth_sendTransaction", {"from": stranger, "to": receiver})
        wait_receipt(process.url, kept)
        snapshot = rpc(process.url, "evm_snapshot")
        start = head_number(process.url)
        tx = rpc(process.url, "eth_sendTransaction", {"from": sender, "to": receiver})
        wait_receipt(process.url, tx)
        assert rpc(process.url, "evm_revert", snapshot) is True
    finally:
        assert process.stop() == 0
    process = NodeProcess(data, "--mining-mode", "instant")
    try:
        assert head_number(process.url) == start
        stored = rpc(process.url, "eth_getTransactionByHash", kept)
        assert stored["hash"] == kept and stored["from"] == stranger
        assert rpc(process.url, "eth_getTransactionReceipt", kept)["from"] == stranger
        assert rpc(process.url, "eth_getTransactionByHash", tx) is None
        assert rpc(process.url, "eth_getBlockByNumber", hex(start + 1), False) is None
        again = rpc(process.url, "eth_sendTransaction", {"from": sender, "to": receiver})
        assert int(wait_receipt(process.url, again)["blockNumber"], 16) == start + 1
    finally:
        process.stop()
