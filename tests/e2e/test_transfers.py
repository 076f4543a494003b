"""CMT transfers between dev accounts over HTTP, as a wallet makes them.

Each transaction type a wallet can produce (node-signed eth_sendTransaction, signed EIP-1559,
legacy EIP-155 and EIP-2930) must move exactly `value` to the recipient, take exactly
`value + gasUsed * effectiveGasPrice` from the sender, and pay the whole fee into the staking
contract's pool, which shares it with the block's award among the validator set: CMT does not burn
the base fee.
"""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from web3 import Web3

from tests.e2e.helpers import (
    AWARD,
    CMT,
    DEV_BALANCE,
    GWEI,
    STAKING,
    block_fees,
    dev_account,
    fee,
    fresh_address,
    receipt,
    send_signed,
)
from tests.nodeproc import CHAIN_ID

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def check_transfer(w3: Web3, rcpt: Any, sender: str, recipient: str, value: int) -> None:
    """Assert the balance changes a mined transfer must cause, using state before/after it."""
    assert rcpt["status"] == 1
    number = rcpt["blockNumber"]
    block = w3.eth.get_block(number)
    miner = block["miner"]
    assert miner != ZERO_ADDRESS
    assert miner not in (sender, recipient)
    txs_from_sender = [h for h in block["transactions"]
                       if w3.eth.get_transaction(h)["from"] == sender]
    assert txs_from_sender == [rcpt["transactionHash"]]

    def delta(address: str) -> int:
        return (w3.eth.get_balance(address, number)
                - w3.eth.get_balance(address, number - 1))

    assert delta(recipient) == value
    assert delta(sender) == -(value + fee(rcpt))
    # The staking pool receives every fee of the block, base fee included: nothing is burned;
    # the validator's share (all of it, on the one-validator dev chain) compounds into its stake.
    assert delta(STAKING) == block_fees(w3, number) + AWARD
    assert block_fees(w3, number) >= fee(rcpt) > 0
    assert delta(miner) == 0


def test_dev_accounts_are_funded(w3: Web3) -> None:
    assert w3.eth.chain_id == CHAIN_ID
    accounts = w3.eth.accounts
    assert accounts[:3] == [dev_account(i).address for i in range(3)]
    for address in accounts[:3]:
        assert w3.eth.get_balance(address, 0) == DEV_BALANCE


def test_send_transaction_with_unlocked_dev_account(w3: Web3) -> None:
    sender, recipient = w3.eth.accounts[0], fresh_address()
    value = 3 * CMT + 17
    before = w3.eth.get_balance(sender)
    tx_hash = w3.eth.send_transaction({"from": sender, "to": recipient, "value": value})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["from"] == sender and rcpt["to"] == recipient
    assert rcpt["gasUsed"] == 21_000
    check_transfer(w3, rcpt, sender, recipient, value)
    assert w3.eth.get_balance(recipient) == value
    assert w3.eth.get_balance(sender) == before - value - fee(rcpt)
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["hash"] == tx_hash and tx["value"] == value and tx["chainId"] == CHAIN_ID


def test_send_transaction_with_gas_price_is_legacy(w3: Web3) -> None:
    sender, recipient = w3.eth.accounts[7], fresh_address()
    rcpt = receipt(w3, w3.eth.send_transaction({"from": sender, "to": recipient, "value": 5,
                                                "gasPrice": 3 * GWEI}))
    assert rcpt["type"] == 0
    assert rcpt["effectiveGasPrice"] == 3 * GWEI
    check_transfer(w3, rcpt, sender, recipient, 5)


def test_send_transaction_with_access_list_is_eip2930(w3: Web3) -> None:
    """geth: gasPrice plus accessList (or type 0x1) in eth_sendTransaction makes a type-1 tx."""
    sender, recipient = w3.eth.accounts[8], fresh_address()
    access_list = [{"address": recipient, "storageKeys": ["0x" + "00" * 31 + "02"]}]
    tx_hash = w3.eth.send_transaction({"from": sender, "to": recipient, "value": 9,
                                       "gasPrice": 3 * GWEI, "accessList": access_list})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["type"] == 1, "the access list was dropped: a legacy transaction was sent"
    assert rcpt["gasUsed"] == 21_000 + 2_400 + 1_900
    assert rcpt["effectiveGasPrice"] == 3 * GWEI
    check_transfer(w3, rcpt, sender, recipient, 9)
    tx = w3.eth.get_transaction(tx_hash)
    assert [(e["address"], e["storageKeys"]) for e in tx["accessList"]] == [
        (recipient, access_list[0]["storageKeys"])]


def test_signed_eip1559_transfer(w3: Web3) -> None:
    account, recipient = dev_account(1), fresh_address()
    value = CMT // 3
    tip = 1 * GWEI
    tx_hash = send_signed(w3, account, {
        "type": 2, "to": recipient, "value": value, "gas": 21_000,
        "maxFeePerGas": 50 * GWEI, "maxPriorityFeePerGas": tip})
    rcpt = receipt(w3, tx_hash)
    base_fee = w3.eth.get_block(rcpt["blockNumber"])["baseFeePerGas"]
    assert base_fee >= 2 * GWEI
    assert rcpt["type"] == 2
    assert rcpt["effectiveGasPrice"] == base_fee + tip
    check_transfer(w3, rcpt, account.address, recipient, value)
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["type"] == 2
    assert tx["maxFeePerGas"] == 50 * GWEI and tx["maxPriorityFeePerGas"] == tip


def test_signed_legacy_eip155_transfer(w3: Web3) -> None:
    account, recipient = dev_account(2), fresh_address()
    value = 12345 * GWEI
    gas_price = 3 * GWEI
    tx_hash = send_signed(w3, account, {
        "to": recipient, "value": value, "gas": 21_000, "gasPrice": gas_price})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["type"] == 0
    assert rcpt["effectiveGasPrice"] == gas_price
    check_transfer(w3, rcpt, account.address, recipient, value)
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["type"] == 0 and tx["gasPrice"] == gas_price
    assert tx["v"] in (CHAIN_ID * 2 + 35, CHAIN_ID * 2 + 36)  # EIP-155 replay protection


def test_signed_eip2930_transfer_with_access_list(w3: Web3) -> None:
    account, recipient = dev_account(3), fresh_address()
    value = 7 * CMT
    gas_price = 4 * GWEI
    access_list = [{"address": recipient, "storageKeys": ["0x" + "00" * 31 + "01"]}]
    tx_hash = send_signed(w3, account, {
        "type": 1, "to": recipient, "value": value, "gas": 30_000, "gasPrice": gas_price,
        "accessList": access_list})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["type"] == 1
    # 21000 + 2400 per listed address + 1900 per listed storage key
    assert rcpt["gasUsed"] == 21_000 + 2_400 + 1_900
    assert rcpt["effectiveGasPrice"] == gas_price
    check_transfer(w3, rcpt, account.address, recipient, value)
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["type"] == 1
    assert [(e["address"], [HexBytes(k).to_0x_hex() for k in e["storageKeys"]])
            for e in tx["accessList"]] == [(recipient, access_list[0]["storageKeys"])]


def test_transfer_between_dev_accounts_and_back(w3: Web3) -> None:
    a, b = dev_account(4), dev_account(5)
    start_a, start_b = w3.eth.get_balance(a.address), w3.eth.get_balance(b.address)
    r1 = receipt(w3, send_signed(w3, a, {
        "type": 2, "to": b.address, "value": 100 * CMT, "gas": 21_000,
        "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": 0}))
    check_transfer(w3, r1, a.address, b.address, 100 * CMT)
    r2 = receipt(w3, w3.eth.send_transaction({"from": b.address, "to": a.address,
                                               "value": 40 * CMT}))
    check_transfer(w3, r2, b.address, a.address, 40 * CMT)
    assert w3.eth.get_balance(a.address) == start_a - 60 * CMT - fee(r1)
    assert w3.eth.get_balance(b.address) == start_b + 60 * CMT - fee(r2)
    assert w3.eth.get_transaction_count(a.address) == 1
    assert w3.eth.get_transaction_count(b.address) == 1


def test_fees_of_a_block_go_to_the_staking_pool(w3: Web3) -> None:
    account = dev_account(6)
    blocks = []
    for gas_price in (2 * GWEI, 5 * GWEI):
        rcpt = receipt(w3, send_signed(w3, account, {
            "to": fresh_address(), "value": 1, "gas": 21_000, "gasPrice": gas_price}))
        assert rcpt["effectiveGasPrice"] == gas_price
        blocks.append(rcpt["blockNumber"])
    miners = {w3.eth.get_block(n)["miner"] for n in blocks}
    assert len(miners) == 1  # one dev validator seals every block
    (miner,) = miners
    for number in blocks:
        gained = w3.eth.get_balance(STAKING, number) - w3.eth.get_balance(STAKING, number - 1)
        assert gained == block_fees(w3, number) + AWARD
        assert w3.eth.get_balance(miner, number) == w3.eth.get_balance(miner, number - 1)
