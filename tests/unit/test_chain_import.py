"""Blocks built and sealed by one node import into another by re-execution; tampering is refused."""

import asyncio
import dataclasses
from pathlib import Path

import pytest
from eth_account import Account

from cmt_chain import consensus, errors
from cmt_chain.accounts import load_or_create_key
from cmt_chain.block import Block
from cmt_chain.config import Config
from cmt_chain.node import BlockRef, Node

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def open_node(tmp_path, name, key_file):
    config = Config().replace("storage", data_dir=str(tmp_path / name)).replace(
        "validator", key_file=str(key_file)).replace("mining", mode="instant")
    return Node.open(config)


@pytest.fixture
def producer_and_follower(tmp_path):
    key_file = tmp_path / "validator.key"
    producer, follower = open_node(tmp_path, "a", key_file), open_node(tmp_path, "b", key_file)
    yield producer, follower
    producer.store.close()
    follower.store.close()


def transfer(nonce, value=1):
    fields = {"nonce": nonce, "gas": 21_000, "to": TO, "value": value, "chainId": 1234,
              "maxFeePerGas": 5 * 10**9, "maxPriorityFeePerGas": 10**9, "type": 2}
    return bytes(Account.sign_transaction(fields, KEY).raw_transaction)


def produce_blocks(node, count):
    async def run():
        blocks = []
        for i in range(count):
            node.submit_raw(transfer(i, value=i + 1))
            blocks.append(await node.producer.produce())
        return blocks
    return asyncio.run(run())


def test_follower_imports_and_reaches_the_same_state(producer_and_follower):
    producer, follower = producer_and_follower
    assert follower.chain.genesis.hash == producer.chain.genesis.hash
    for block in produce_blocks(producer, 3):
        follower.chain.import_block(block, producer.chain.db.seal(block.hash))
    assert follower.chain.head == producer.chain.head
    to = bytes.fromhex(TO[2:])
    assert follower.state(BlockRef()).balance(to) == 10_000 * 10**18 + 1 + 2 + 3
    assert follower.chain.receipts(follower.chain.head.hash) == producer.chain.receipts(
        producer.chain.head.hash)


def test_bad_seal_and_tampered_blocks_are_refused(producer_and_follower):
    producer, follower = producer_and_follower
    (block,) = produce_blocks(producer, 1)
    seal = producer.chain.db.seal(block.hash)
    forged = Account.create().key
    key = load_or_create_key(Path(producer.config.validator.key_file))
    with pytest.raises(errors.InvalidBlock, match="not a validator"):
        follower.chain.import_block(block, consensus.seal(block.header, bytes(forged)))
    with pytest.raises(errors.InvalidBlock):
        follower.chain.import_block(block, seal[:64] + b"\x07")
    tampered = Block(block.header.with_changes(gas_used=block.header.gas_used + 1),
                     block.transactions, withdrawals=())
    with pytest.raises(errors.InvalidBlock):
        follower.chain.import_block(tampered, consensus.seal(tampered.header, key))
    dropped = dataclasses.replace(block, transactions=())
    with pytest.raises(errors.InvalidBlock, match="does not match"):
        follower.chain.import_block(dropped, consensus.seal(dropped.header, key))
    assert follower.chain.head.number == 0
    follower.chain.import_block(block, seal)
    assert follower.chain.head.hash == block.hash
