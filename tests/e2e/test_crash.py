"""kill -9 (and Ctrl-C) in the middle of a transaction burst, then restart on the same data folder.

With interval mining, a background thread sends a few hundred signed transfers from several
accounts and records every receipt it obtains; the node is SIGKILLed mid-burst. After a restart the
chain must be whole (every block up to the head served, parent hashes chaining, every transaction
in it with its receipt, nonces and balances agreeing with the blocks), every receipt seen before the
kill must still be there in the same block, and new transactions must go in at the right nonces.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3RPCError

from tests.e2e.helpers import DEV_BALANCE, GWEI, dev_account, fresh_address, receipt, wait_for
from tests.nodeproc import CHAIN_ID, NodeProcess

SENDERS = 6
TXS_PER_SENDER = 60
IN_FLIGHT = 16  # per sender: stay within the pool's guaranteed account slots
KILL_AFTER_RECEIPTS = 120
VALUE = 1_000
FLAGS = ("--mining-mode", "interval", "--block-time", "0.2")


class Burst(threading.Thread):
    """Sends signed transfers round-robin from several accounts and records receipts."""

    def __init__(self, url: str, accounts: list[LocalAccount], sink: str) -> None:
        super().__init__(daemon=True)
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
        self.accounts = accounts
        self.sink = sink
        self.lock = threading.Lock()
        self.sent: dict[str, list[HexBytes]] = defaultdict(list)
        self.receipts: dict[HexBytes, Any] = {}
        self.raw: dict[HexBytes, bytes] = {}
        self.stop_reason: BaseException | None = None
        self.finished = False

    def run(self) -> None:
        waiting: dict[str, deque[HexBytes]] = {a.address: deque() for a in self.accounts}
        try:
            while True:
                progressed = False
                for account in self.accounts:
                    queue = waiting[account.address]
                    nonce = len(self.sent[account.address])
                    if nonce < TXS_PER_SENDER and len(queue) < IN_FLIGHT:
                        signed = account.sign_transaction({
                            "chainId": CHAIN_ID, "nonce": nonce, "to": self.sink,
                            "value": VALUE, "gas": 21_000, "maxFeePerGas": 20 * GWEI,
                            "maxPriorityFeePerGas": GWEI})
                        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                        assert tx_hash == signed.hash
                        self.sent[account.address].append(tx_hash)
                        self.raw[tx_hash] = bytes(signed.raw_transaction)
                        queue.append(tx_hash)
                        progressed = True
                    while queue:
                        try:
                            rcpt = self.w3.eth.get_transaction_receipt(queue[0])
                        except TransactionNotFound:
                            break
                        with self.lock:
                            self.receipts[queue.popleft()] = rcpt
                        progressed = True
                if not any(waiting.values()) and all(
                        len(self.sent[a.address]) == TXS_PER_SENDER for a in self.accounts):
                    self.finished = True
                    return
                if not progressed:
                    threading.Event().wait(0.02)
        except BaseException as exc:  # the node was killed under us: expected
            self.stop_reason = exc

    def receipt_count(self) -> int:
        with self.lock:
            return len(self.receipts)


def interrupted_burst(data_dir: Path, accounts: list[LocalAccount], sink: str,
                      how: str) -> tuple[Burst, int | None]:
    """Run a burst and stop the node mid-way (`kill`: SIGKILL, `stop`: Ctrl-C)."""
    process = NodeProcess(data_dir, *FLAGS)
    code = None
    try:
        burst = Burst(process.url, accounts, sink)
        burst.start()
        wait_for(lambda: burst.receipt_count() >= KILL_AFTER_RECEIPTS or not burst.is_alive(),
                 timeout=120, what="receipts of the burst")
        assert burst.is_alive() and not burst.finished, (
            f"the burst ended before the node was stopped: {burst.stop_reason!r}")
        if how == "kill":
            process.kill()
        else:
            code = process.stop()
    finally:
        if process.proc.poll() is None:
            process.kill()
    burst.join(30)
    assert not burst.is_alive()
    assert not burst.finished, "the whole burst was mined before the node stopped"
    return burst, code


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_burst_interrupted_then_restart(tmp_path: Path, how: str) -> None:
    data_dir = tmp_path / "data"
    accounts = [dev_account(i) for i in range(3, 3 + SENDERS)]
    sink = fresh_address()
    burst, code = interrupted_burst(data_dir, accounts, sink, how)
    if how == "stop":
        assert code == 0, "Ctrl-C during a burst must still exit cleanly"
    with burst.lock:
        seen = dict(burst.receipts)
    sent = {address: list(hashes) for address, hashes in burst.sent.items()}
    assert len(seen) >= KILL_AFTER_RECEIPTS

    process = NodeProcess(data_dir, *FLAGS)
    try:
        w3 = Web3(Web3.HTTPProvider(process.url, request_kwargs={"timeout": 30}))
        check_after_restart(w3, accounts, sink, seen, sent, burst.raw)
        assert process.stop() == 0
    finally:
        if process.proc.poll() is None:
            process.kill()


def check_after_restart(w3: Web3, accounts: list[LocalAccount], sink: str,
                        seen: dict[HexBytes, Any], sent: dict[str, list[HexBytes]],
                        raw: dict[HexBytes, bytes]) -> None:
    head = w3.eth.get_block("latest")
    seen_max = max(r["blockNumber"] for r in seen.values())
    assert head["number"] >= seen_max

    # The chain is whole: every block served, parent hashes chaining, every tx with a receipt.
    per_sender: dict[str, list[Any]] = defaultdict(list)
    parent = None
    for number in range(head["number"] + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        assert block["number"] == number
        if parent is not None:
            assert block["parentHash"] == parent["hash"], f"block {number} does not chain"
            assert block["timestamp"] > parent["timestamp"]
        assert w3.eth.get_block(block["hash"])["number"] == number
        for index, tx in enumerate(block["transactions"]):
            rcpt = w3.eth.get_transaction_receipt(tx["hash"])
            assert rcpt["blockHash"] == block["hash"] and rcpt["transactionIndex"] == index
            assert rcpt["status"] == 1
            per_sender[tx["from"]].append((tx, rcpt))
        parent = block
    assert parent is not None and parent["hash"] == head["hash"]
    # Blocks are only being added after the restart; the head we walked to must still be there.
    assert w3.eth.get_block(head["number"])["hash"] == head["hash"]

    # Every receipt reported before the kill is still there, in the same block.
    for tx_hash, before in seen.items():
        after = w3.eth.get_transaction_receipt(tx_hash)
        assert after["blockHash"] == before["blockHash"], f"receipt of {tx_hash.hex()} moved"
        assert after["blockNumber"] == before["blockNumber"]
        assert after["transactionIndex"] == before["transactionIndex"]
        assert after["gasUsed"] == before["gasUsed"]
        assert after["cumulativeGasUsed"] == before["cumulativeGasUsed"]
        assert w3.eth.get_block(before["blockNumber"])["hash"] == before["blockHash"]

    # State agrees with the blocks: nonces run 0..n-1, balances paid exactly value + fees.
    number = head["number"]
    included_total = 0
    for account in accounts:
        mined = per_sender[account.address]
        assert [tx["nonce"] for tx, _ in mined] == list(range(len(mined)))
        common = min(len(mined), len(sent[account.address]))
        assert [tx["hash"] for tx, _ in mined][:common] == sent[account.address][:common]
        assert len(mined) >= sum(1 for h in sent[account.address] if h in seen)
        assert w3.eth.get_transaction_count(account.address, number) == len(mined)
        spent = sum(VALUE + r["gasUsed"] * r["effectiveGasPrice"] for _, r in mined)
        assert w3.eth.get_balance(account.address, number) == DEV_BALANCE - spent
        included_total += len(mined)
    assert w3.eth.get_balance(sink, number) == VALUE * included_total

    # A wallet rebroadcasts what it sent but never saw mined: it goes in at its own nonces.
    rebroadcast = []
    for account in accounts:
        for tx_hash in sent[account.address][len(per_sender[account.address]):]:
            try:
                assert w3.eth.send_raw_transaction(raw[tx_hash]) == tx_hash
            except Web3RPCError as exc:  # a node that journals its pool still holds it
                assert "already known" in str(exc), exc
            rebroadcast.append(tx_hash)
    for tx_hash in rebroadcast:
        assert receipt(w3, tx_hash)["status"] == 1
    expected_nonce = {a.address: max(len(sent[a.address]), len(per_sender[a.address]))
                      for a in accounts}
    for account in accounts:
        assert w3.eth.get_transaction_count(account.address) == expected_nonce[account.address]

    # The node takes new transactions at the right nonces.
    new_hashes = []
    for account in accounts:
        nonce = w3.eth.get_transaction_count(account.address, "pending")
        assert nonce == expected_nonce[account.address]
        signed = account.sign_transaction({
            "chainId": CHAIN_ID, "nonce": nonce, "to": sink, "value": VALUE, "gas": 21_000,
            "maxFeePerGas": 20 * GWEI, "maxPriorityFeePerGas": GWEI})
        assert w3.eth.send_raw_transaction(signed.raw_transaction) == signed.hash
        new_hashes.append((account, nonce, signed.hash))
    for account, nonce, tx_hash in new_hashes:
        rcpt = receipt(w3, tx_hash)
        assert rcpt["status"] == 1
        assert w3.eth.get_transaction(tx_hash)["nonce"] == nonce
        assert w3.eth.get_transaction_count(account.address) == nonce + 1
