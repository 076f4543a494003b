"""Interval mining: blocks over time, empty ones included by default; none while idle with
`--no-empty-blocks`, yet transactions still get mined."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from tests.e2e.helpers import receipt, wait_for
from tests.nodeproc import NodeProcess

BLOCK_TIME = "0.2"
IDLE_SECONDS = 1.5  # several block times with nothing to mine


def start(tmp_path: Path, *flags: str) -> Iterator[tuple[NodeProcess, Web3]]:
    process = NodeProcess(tmp_path / "data", "--mining-mode", "interval",
                          "--block-time", BLOCK_TIME, *flags)
    try:
        yield process, Web3(Web3.HTTPProvider(process.url, request_kwargs={"timeout": 30}))
        assert process.stop() == 0
    finally:
        if process.proc.poll() is None:
            process.kill()


@pytest.fixture
def interval_node(tmp_path: Path) -> Iterator[tuple[NodeProcess, Web3]]:
    yield from start(tmp_path)


@pytest.fixture
def no_empty_node(tmp_path: Path) -> Iterator[tuple[NodeProcess, Web3]]:
    yield from start(tmp_path, "--no-empty-blocks")


def test_interval_mining_produces_empty_blocks(interval_node: tuple[NodeProcess, Web3]) -> None:
    _, w3 = interval_node
    start_number = w3.eth.block_number
    wait_for(lambda: w3.eth.block_number >= start_number + 5, what="five interval blocks")
    head = w3.eth.get_block("latest")
    parent = w3.eth.get_block(0)
    for number in range(1, head["number"] + 1):
        block = w3.eth.get_block(number)
        assert block["parentHash"] == parent["hash"]
        assert block["timestamp"] > parent["timestamp"]
        assert block["transactions"] == []
        assert block["gasUsed"] == 0
        parent = block

    # A transaction sent meanwhile goes into one of the next blocks.
    sender, recipient = w3.eth.accounts[:2]
    rcpt = receipt(w3, w3.eth.send_transaction({"from": sender, "to": recipient, "value": 1}))
    assert rcpt["status"] == 1 and rcpt["blockNumber"] > head["number"]
    number = rcpt["blockNumber"]
    wait_for(lambda: w3.eth.block_number >= number + 2, what="empty blocks after a transaction")
    assert w3.eth.get_block(number + 1)["transactions"] == []


def test_no_empty_blocks_while_idle(no_empty_node: tuple[NodeProcess, Web3]) -> None:
    _, w3 = no_empty_node
    assert w3.eth.block_number == 0
    time.sleep(IDLE_SECONDS)
    assert w3.eth.block_number == 0, "an idle node with --no-empty-blocks made blocks"

    sender, recipient = w3.eth.accounts[:2]
    rcpt = receipt(w3, w3.eth.send_transaction({"from": sender, "to": recipient, "value": 1}))
    assert rcpt["status"] == 1
    assert rcpt["blockNumber"] == 1
    assert w3.eth.get_block(1)["transactions"] == [rcpt["transactionHash"]]

    time.sleep(IDLE_SECONDS)
    assert w3.eth.block_number == 1, "blocks were made after the pool emptied"
