"""WebSocket subscriptions with web3's AsyncWeb3 + WebSocketProvider, as a dApp listens for events.

A `logs` subscription must deliver the event of a transaction sent after subscribing (and only
matching logs); `newHeads` must deliver each new header, matching the block served over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes
from web3 import AsyncWeb3, Web3, WebSocketProvider
from web3.contract import Contract

from tests.e2e.helpers import receipt
from tests.nodeproc import NodeProcess

VALUE_CHANGED = HexBytes(keccak(text="ValueChanged(address,uint256,uint256)"))
PING = HexBytes(keccak(text="Ping(uint256)"))
DEADLINE = 30.0  # only so that a broken node fails instead of hanging


@pytest.fixture(scope="module")
def emitter(w3: Web3, emitter_artifact: dict) -> Contract:
    factory = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    rcpt = receipt(w3, factory.constructor(1).transact({"from": w3.eth.accounts[0]}))
    return w3.eth.contract(address=rcpt["contractAddress"], abi=emitter_artifact["abi"])


def run(body: Callable[[AsyncWeb3], Awaitable[Any]], ws_url: str) -> Any:
    async def main() -> Any:
        async with AsyncWeb3(WebSocketProvider(ws_url)) as aw3:
            return await asyncio.wait_for(body(aw3), DEADLINE)

    return asyncio.run(main())


async def collect(aw3: AsyncWeb3, count: int) -> list[dict[str, Any]]:
    """Return the next `count` subscription messages."""
    messages: list[dict[str, Any]] = []
    async for message in aw3.socket.process_subscriptions():
        messages.append(message)
        if len(messages) == count:
            break
    return messages


def test_logs_subscription_receives_event(node: NodeProcess, w3: Web3, emitter: Contract,
                                          emitter_artifact: dict) -> None:
    async def body(aw3: AsyncWeb3) -> tuple[str, list[dict[str, Any]], Any]:
        sub_id = await aw3.eth.subscribe("logs", {"address": emitter.address,
                                                  "topics": [VALUE_CHANGED]})
        contract = aw3.eth.contract(address=emitter.address, abi=emitter_artifact["abi"])
        sender = (await aw3.eth.accounts)[1]
        # A Ping from the same contract does not match the topic filter, so it must not arrive.
        await contract.functions.emitMany(3).transact({"from": sender})
        tx_hash = await contract.functions.set(99).transact({"from": sender})
        messages = await collect(aw3, 1)
        assert await aw3.eth.unsubscribe(sub_id)
        return sub_id, messages, tx_hash

    sub_id, messages, tx_hash = run(body, node.ws_url)
    (message,) = messages
    assert message["subscription"] == sub_id
    log = message["result"]
    assert log["transactionHash"] == tx_hash
    assert log["address"] == emitter.address
    assert log["topics"][0] == VALUE_CHANGED
    assert log["removed"] is False
    rcpt = receipt(w3, tx_hash)
    assert log["blockHash"] == rcpt["blockHash"]
    assert log["blockNumber"] == rcpt["blockNumber"]
    assert log["logIndex"] == rcpt["logs"][0]["logIndex"]
    (event,) = emitter.events.ValueChanged().process_receipt(rcpt)
    assert event["args"]["newValue"] == 99 and event["args"]["oldValue"] == 1


def test_logs_subscription_without_filter_gets_every_log(node: NodeProcess, w3: Web3,
                                                         emitter: Contract) -> None:
    async def body(aw3: AsyncWeb3) -> tuple[list[dict[str, Any]], Any]:
        await aw3.eth.subscribe("logs", {})
        sender = (await aw3.eth.accounts)[2]
        data = emitter.encode_abi("emitMany", args=[4])
        tx_hash = await aw3.eth.send_transaction({"from": sender, "to": emitter.address,
                                                  "data": data})
        return await collect(aw3, 4), tx_hash

    messages, tx_hash = run(body, node.ws_url)
    logs = [m["result"] for m in messages]
    assert [log["transactionHash"] for log in logs] == [tx_hash] * 4
    assert [log["topics"][0] for log in logs] == [PING] * 4
    assert [int.from_bytes(log["topics"][1], "big") for log in logs] == [0, 1, 2, 3]
    indexes = [log["logIndex"] for log in logs]
    assert indexes == list(range(indexes[0], indexes[0] + 4))


def test_new_heads_subscription(node: NodeProcess, w3: Web3) -> None:
    async def body(aw3: AsyncWeb3) -> tuple[str, list[dict[str, Any]], list[Any]]:
        sub_id = await aw3.eth.subscribe("newHeads")
        sender, recipient = (await aw3.eth.accounts)[:2]
        hashes = []
        for value in (1, 2):
            tx_hash = await aw3.eth.send_transaction({"from": sender, "to": recipient,
                                                      "value": value})
            await aw3.eth.wait_for_transaction_receipt(tx_hash, timeout=DEADLINE,
                                                       poll_latency=0.05)
            hashes.append(tx_hash)
        messages = await collect(aw3, 2)
        return sub_id, messages, hashes

    sub_id, messages, tx_hashes = run(body, node.ws_url)
    assert [m["subscription"] for m in messages] == [sub_id, sub_id]
    heads = [m["result"] for m in messages]
    assert heads[1]["number"] == heads[0]["number"] + 1
    assert heads[1]["parentHash"] == heads[0]["hash"]
    for head, tx_hash in zip(heads, tx_hashes, strict=True):
        block = w3.eth.get_block(head["number"])
        assert head["hash"] == block["hash"]
        assert head["parentHash"] == block["parentHash"]
        assert head["stateRoot"] == block["stateRoot"]
        assert head["miner"] == block["miner"]
        assert head["timestamp"] == block["timestamp"]
        assert tx_hash in block["transactions"]
