"""EventEmitter through web3 contract objects: deploy, call, transact, events, logs, reverts, gas.

Everything a dApp does with a contract over HTTP: `value()` reads, `set` transactions, the
ValueChanged event from the receipt and from `get_logs` (address, topic and block-range filters),
50 events in one transaction with their log indexes, reverts surfacing as web3's
ContractLogicError with the reason, and estimate_gas followed by a send that succeeds.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError
from web3.utils.address import get_create_address

from tests.e2e.helpers import AWARD, CMT, GWEI, STAKING, dev_account, fee, receipt, send_signed
from tests.nodeproc import CHAIN_ID

VALUE_CHANGED = "0x" + keccak(text="ValueChanged(address,uint256,uint256)").hex()
PING = "0x" + keccak(text="Ping(uint256)").hex()


def topic_uint(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def topic_address(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


@pytest.fixture(scope="module")
def deployed(w3: Web3, emitter_artifact: dict) -> tuple[Contract, Any]:
    factory = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    tx_hash = factory.constructor(7).transact({"from": w3.eth.accounts[0]})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["status"] == 1
    assert rcpt["contractAddress"] is not None
    return w3.eth.contract(address=rcpt["contractAddress"], abi=emitter_artifact["abi"]), rcpt


@pytest.fixture(scope="module")
def emitter(deployed: tuple[Contract, Any]) -> Contract:
    return deployed[0]


def test_deploy_stores_runtime_code_and_constructor_value(
        w3: Web3, deployed: tuple[Contract, Any], emitter_artifact: dict) -> None:
    emitter, rcpt = deployed
    sender = w3.eth.accounts[0]
    assert rcpt["to"] is None
    assert rcpt["from"] == sender
    nonce = w3.eth.get_transaction(rcpt["transactionHash"])["nonce"]
    assert emitter.address == get_create_address(sender, nonce)
    code = w3.eth.get_code(emitter.address)
    assert code == HexBytes(emitter_artifact["deployedBytecode"])
    assert emitter.functions.value().call() == 7
    assert int.from_bytes(w3.eth.get_storage_at(emitter.address, 0), "big") == 7


def test_set_emits_value_changed_in_receipt(w3: Web3, emitter: Contract) -> None:
    sender = w3.eth.accounts[0]
    old = emitter.functions.value().call()
    rcpt = receipt(w3, emitter.functions.set(42).transact({"from": sender}))
    assert rcpt["status"] == 1
    assert emitter.functions.value().call() == 42
    assert emitter.functions.value().call(block_identifier=rcpt["blockNumber"] - 1) == old
    (event,) = emitter.events.ValueChanged().process_receipt(rcpt)
    assert event["event"] == "ValueChanged"
    assert event["args"]["who"] == sender
    assert event["args"]["oldValue"] == old
    assert event["args"]["newValue"] == 42
    assert event["address"] == emitter.address
    assert event["blockHash"] == rcpt["blockHash"]
    assert event["transactionHash"] == rcpt["transactionHash"]
    (raw,) = rcpt["logs"]
    assert raw["topics"] == [HexBytes(VALUE_CHANGED), HexBytes(topic_address(sender)),
                             HexBytes(topic_uint(old))]
    assert raw["data"] == HexBytes(topic_uint(42))
    block = w3.eth.get_block(rcpt["blockNumber"])
    assert block["logsBloom"] != HexBytes(b"\0" * 256)


def test_get_logs_with_address_topic_and_block_filters(w3: Web3, emitter: Contract) -> None:
    alice, bob = w3.eth.accounts[0], w3.eth.accounts[1]
    first = w3.eth.block_number + 1
    r1 = receipt(w3, emitter.functions.set(100).transact({"from": alice}))
    r2 = receipt(w3, emitter.functions.set(200).transact({"from": bob}))
    r3 = receipt(w3, emitter.functions.set(300).transact({"from": alice}))
    last = r3["blockNumber"]
    assert r1["blockNumber"] < r2["blockNumber"] < r3["blockNumber"]

    events = emitter.events.ValueChanged().get_logs(from_block=first, to_block=last)
    assert [e["args"]["newValue"] for e in events] == [100, 200, 300]
    assert [e["transactionHash"] for e in events] == [
        r1["transactionHash"], r2["transactionHash"], r3["transactionHash"]]

    by_bob = emitter.events.ValueChanged().get_logs(
        from_block=first, to_block="latest", argument_filters={"who": bob})
    assert [e["args"]["newValue"] for e in by_bob] == [200]

    # Indexed oldValue == 200 matches only the third set (200 -> 300).
    logs = w3.eth.get_logs({"address": emitter.address, "fromBlock": first, "toBlock": last,
                            "topics": [VALUE_CHANGED, None, topic_uint(200)]})
    assert [log["transactionHash"] for log in logs] == [r3["transactionHash"]]

    # Either-of topics: alice or bob.
    logs = w3.eth.get_logs({"address": emitter.address, "fromBlock": first, "toBlock": last,
                            "topics": [VALUE_CHANGED,
                                       [topic_address(alice), topic_address(bob)]]})
    assert len(logs) == 3

    # A block range holding only the second transaction.
    only_middle = w3.eth.get_logs({"address": emitter.address, "fromBlock": r2["blockNumber"],
                                   "toBlock": r2["blockNumber"]})
    assert [log["transactionHash"] for log in only_middle] == [r2["transactionHash"]]
    by_hash = w3.eth.get_logs({"blockHash": r2["blockHash"]})
    assert by_hash == only_middle

    # Nothing from other addresses or other events, nothing before the first set.
    assert w3.eth.get_logs({"address": w3.eth.accounts[2], "fromBlock": first,
                            "toBlock": last}) == []
    assert w3.eth.get_logs({"address": emitter.address, "fromBlock": first, "toBlock": last,
                            "topics": [PING]}) == []
    assert w3.eth.get_logs({"address": emitter.address, "fromBlock": 0,
                            "toBlock": first - 1, "topics": [VALUE_CHANGED, None,
                                                             topic_uint(100)]}) == []


def test_emit_many_log_indexes(w3: Web3, emitter: Contract) -> None:
    rcpt = receipt(w3, emitter.functions.emitMany(50).transact({"from": w3.eth.accounts[1]}))
    assert rcpt["status"] == 1
    block = w3.eth.get_block(rcpt["blockNumber"])
    # Log indexes are block-wide: those of earlier transactions in the block come first.
    earlier = sum(len(w3.eth.get_transaction_receipt(h)["logs"])
                  for h in block["transactions"][:rcpt["transactionIndex"]])
    logs = rcpt["logs"]
    assert len(logs) == 50
    assert [log["logIndex"] for log in logs] == list(range(earlier, earlier + 50))
    assert [log["topics"] for log in logs] == [
        [HexBytes(PING), HexBytes(topic_uint(i))] for i in range(50)]
    for log in logs:
        assert log["transactionHash"] == rcpt["transactionHash"]
        assert log["transactionIndex"] == rcpt["transactionIndex"]
        assert log["blockHash"] == rcpt["blockHash"]
        assert log["blockNumber"] == rcpt["blockNumber"]
        assert log["address"] == emitter.address
        assert log["removed"] is False
    pings = emitter.events.Ping().get_logs(from_block=rcpt["blockNumber"],
                                           to_block=rcpt["blockNumber"])
    assert [p["args"]["i"] for p in pings] == list(range(50))
    assert [p["logIndex"] for p in pings] == [log["logIndex"] for log in logs]
    some = emitter.events.Ping().get_logs(from_block=rcpt["blockNumber"],
                                          to_block=rcpt["blockNumber"],
                                          argument_filters={"i": 37})
    assert [(p["args"]["i"], p["logIndex"]) for p in some] == [(37, earlier + 37)]


def test_revert_reason_surfaces_as_contract_logic_error(w3: Web3, emitter: Contract) -> None:
    sender = w3.eth.accounts[0]
    with pytest.raises(ContractLogicError) as info:
        emitter.functions.fail("not today").call({"from": sender})
    assert "not today" in str(info.value)
    # transact() estimates gas first, so the revert surfaces before anything is sent.
    nonce = w3.eth.get_transaction_count(sender)
    with pytest.raises(ContractLogicError) as info:
        emitter.functions.fail("still no").transact({"from": sender})
    assert "still no" in str(info.value)
    with pytest.raises(ContractLogicError) as info:
        emitter.functions.fail("estimate").estimate_gas({"from": sender})
    assert "estimate" in str(info.value)
    assert w3.eth.get_transaction_count(sender) == nonce


def test_custom_error_and_panic(w3: Web3, emitter: Contract) -> None:
    with pytest.raises(ContractCustomError) as custom:
        emitter.functions.failCustom().call()
    selector = keccak(text="Nope(uint256)")[:4].hex()
    assert custom.value.data == "0x" + selector + topic_uint(42)[2:]
    with pytest.raises(ContractPanicError) as panic:
        emitter.functions.panic().call()
    assert "Assert evaluates to false" in str(panic.value)


def test_reverted_transaction_is_mined_with_status_zero(w3: Web3, emitter: Contract) -> None:
    sender = w3.eth.accounts[2]
    before = w3.eth.get_balance(sender)
    value_before = emitter.functions.value().call()
    tx_hash = emitter.functions.fail("on chain").transact({"from": sender, "gas": 100_000})
    rcpt = receipt(w3, tx_hash)
    assert rcpt["status"] == 0
    assert rcpt["logs"] == []
    assert 21_000 < rcpt["gasUsed"] < 100_000
    assert w3.eth.get_balance(sender) == before - fee(rcpt)
    assert emitter.functions.value().call() == value_before


def test_estimate_gas_then_send(w3: Web3, emitter: Contract) -> None:
    sender = w3.eth.accounts[0]
    for n in (1, 5, 20):
        gas = emitter.functions.burn(n).estimate_gas({"from": sender})
        rcpt = receipt(w3, emitter.functions.burn(n).transact({"from": sender, "gas": gas}))
        assert rcpt["status"] == 1, f"burn({n}) ran out of the estimated {gas} gas"
        assert rcpt["gasUsed"] <= gas
    gas = emitter.functions.set(77).estimate_gas({"from": sender})
    rcpt = receipt(w3, emitter.functions.set(77).transact({"from": sender, "gas": gas}))
    assert rcpt["status"] == 1 and rcpt["gasUsed"] <= gas
    assert emitter.functions.value().call() == 77


def test_build_transaction_sign_and_send_raw(w3: Web3, emitter: Contract) -> None:
    account = dev_account(3)
    tx = emitter.functions.set(555).build_transaction({
        "from": account.address, "nonce": w3.eth.get_transaction_count(account.address)})
    assert tx["chainId"] == CHAIN_ID
    signed = account.sign_transaction(tx)
    rcpt = receipt(w3, w3.eth.send_raw_transaction(signed.raw_transaction))
    assert rcpt["status"] == 1
    assert rcpt["transactionHash"] == signed.hash
    (event,) = emitter.events.ValueChanged().process_receipt(rcpt)
    assert event["args"]["who"] == account.address and event["args"]["newValue"] == 555


def test_payable_deposit_and_receive(w3: Web3, emitter: Contract) -> None:
    account = dev_account(4)
    balance = w3.eth.get_balance(emitter.address)
    rcpt = receipt(w3, emitter.functions.deposit().transact({"from": account.address,
                                                             "value": 2 * CMT}))
    (event,) = emitter.events.Deposited().process_receipt(rcpt)
    assert event["args"]["from"] == account.address and event["args"]["amount"] == 2 * CMT
    rcpt = receipt(w3, send_signed(w3, account, {
        "to": emitter.address, "value": CMT, "gas": 60_000,
        "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI}))
    (event,) = emitter.events.Deposited().process_receipt(rcpt)
    assert event["args"]["amount"] == CMT
    assert w3.eth.get_balance(emitter.address) == balance + 3 * CMT


def test_log_indexes_run_across_the_transactions_of_a_block(w3: Web3,
                                                            emitter: Contract) -> None:
    """Two transactions in one block: the second one's log indexes continue the first one's."""
    account = dev_account(5)
    nonce = w3.eth.get_transaction_count(account.address)
    fees = {"maxFeePerGas": 20 * GWEI, "maxPriorityFeePerGas": GWEI, "gas": 200_000,
            "chainId": CHAIN_ID, "to": emitter.address}
    second = account.sign_transaction({**fees, "nonce": nonce + 1,
                                       "data": emitter.encode_abi("set", args=[31337])})
    first = account.sign_transaction({**fees, "nonce": nonce,
                                      "data": emitter.encode_abi("emitMany", args=[3])})
    # The later nonce waits in the pool for the gap to close, so both go into one block.
    w3.eth.send_raw_transaction(second.raw_transaction)
    w3.eth.send_raw_transaction(first.raw_transaction)
    r1, r2 = receipt(w3, first.hash), receipt(w3, second.hash)
    assert r1["blockHash"] == r2["blockHash"]
    assert (r1["transactionIndex"], r2["transactionIndex"]) == (0, 1)
    assert [log["logIndex"] for log in r1["logs"]] == [0, 1, 2]
    assert [log["logIndex"] for log in r2["logs"]] == [3]
    assert r2["cumulativeGasUsed"] == r1["gasUsed"] + r2["gasUsed"]
    block_logs = w3.eth.get_logs({"blockHash": r1["blockHash"]})
    assert [(log["transactionIndex"], log["logIndex"]) for log in block_logs] == [
        (0, 0), (0, 1), (0, 2), (1, 3)]
    receipts = w3.eth.get_block_receipts(r1["blockNumber"])
    assert [r["transactionHash"] for r in receipts] == [first.hash, second.hash]
    assert receipts[1]["logs"] == r2["logs"]
    # Both fees (and the block's award) go to the staking pool the validator set shares.
    gained = (w3.eth.get_balance(STAKING, r1["blockNumber"])
              - w3.eth.get_balance(STAKING, r1["blockNumber"] - 1))
    assert gained == fee(r1) + fee(r2) + AWARD
