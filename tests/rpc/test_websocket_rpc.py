"""JSON-RPC over WebSocket: single requests, batches, notifications without answers, errors, and
eth_subscribe / eth_unsubscribe for newHeads, logs, newPendingTransactions and syncing.

Transactions that trigger notifications go in over HTTP; the socket only listens.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.rpc.helpers import (
    GWEI,
    address_of,
    assert_alive,
    calldata,
    check_header,
    check_log,
    check_tx,
    dev_key,
    dynamic_tx,
    nonce_of,
    request,
    rpc,
    topic,
    wait_receipt,
    word,
)

VALUE_CHANGED = topic("ValueChanged(address,uint256,uint256)")
PING = topic("Ping(uint256)")
INVALID = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}


class WsClient:
    """A WebSocket JSON-RPC client that sets notifications aside while it waits for answers."""

    def __init__(self, url: str) -> None:
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(url, proxy=None, max_size=None, open_timeout=10))
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 1000

    def close(self) -> None:
        self._stack.close()

    def send(self, payload: Any) -> None:
        self.ws.send(payload if isinstance(payload, str) else json.dumps(payload))

    def recv(self, timeout: float = 10.0) -> Any:
        return json.loads(self.ws.recv(timeout=timeout))

    def _is_notification(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("method") == "eth_subscription"

    def answer(self, request_id: Any = None, timeout: float = 10.0) -> Any:
        """Return the next message that is not a subscription notification."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if self._is_notification(message):
                self.notifications.append(message)
                continue
            if request_id is not None:
                assert isinstance(message, dict) and message.get("id") == request_id, message
            return message

    def request(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        self.send(request(method, params if params is not None else [], self._next_id))
        return self.answer(self._next_id)

    def subscribe(self, *params: Any) -> str:
        answer = self.request("eth_subscribe", list(params))
        assert set(answer) == {"jsonrpc", "id", "result"}, answer
        assert isinstance(answer["result"], str) and answer["result"].startswith("0x"), answer
        return answer["result"]

    def notification(self, sub_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Return the next notification of `sub_id` (the whole message)."""
        for index, message in enumerate(self.notifications):
            if message["params"]["subscription"] == sub_id:
                return self.notifications.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            assert self._is_notification(message), f"unexpected message {message}"
            if message["params"]["subscription"] == sub_id:
                return message
            self.notifications.append(message)

    def pending_for(self, sub_id: str) -> list[dict[str, Any]]:
        return [m for m in self.notifications if m["params"]["subscription"] == sub_id]


@pytest.fixture
def ws(node: Any) -> Iterator[WsClient]:
    client = WsClient(node.ws_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def contract(node: Any, emitter_artifact: dict) -> str:
    key = dev_key(0)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), None, gas=1_000_000,
                              max_fee=5 * GWEI, data=emitter_artifact["bytecode"] + word(7)[2:])
    assert rpc(node.url, "eth_sendRawTransaction", raw) == tx_hash
    return wait_receipt(node.url, tx_hash)["contractAddress"]


def send_call(url: str, contract: str, data: str, key_index: int = 1) -> str:
    key = dev_key(key_index)
    raw, tx_hash = dynamic_tx(key, nonce_of(url, address_of(key)), contract, gas=200_000,
                              max_fee=5 * GWEI, data=data)
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    return tx_hash


def check_envelope(message: dict[str, Any], sub_id: str) -> Any:
    assert set(message) == {"jsonrpc", "method", "params"}, message
    assert message["jsonrpc"] == "2.0" and message["method"] == "eth_subscription"
    assert set(message["params"]) == {"subscription", "result"}, message
    assert message["params"]["subscription"] == sub_id
    return message["params"]["result"]


# --- plain JSON-RPC over the socket ------------------------------------------------------------


def test_ws_single_request(ws: WsClient) -> None:
    ws.send('{"jsonrpc":"2.0","id":7,"method":"eth_chainId","params":[]}')
    assert ws.recv() == {"jsonrpc": "2.0", "id": 7, "result": "0x4d2"}
    ws.send('{"jsonrpc":"2.0","id":"x","method":"foo_bar","params":[]}')
    assert ws.recv() == {"jsonrpc": "2.0", "id": "x", "error": {
        "code": -32601, "message": "the method foo_bar does not exist/is not available"}}


def test_ws_batch(ws: WsClient) -> None:
    ws.send([
        request("eth_chainId", [], 1),
        {"jsonrpc": "2.0", "method": "eth_chainId"},  # notification: no answer
        request("net_version", [], 2),
        7,
        request("eth_getBalance", ["0x12", "latest"], 3),
    ])
    assert ws.recv() == [
        {"jsonrpc": "2.0", "id": 1, "result": "0x4d2"},
        {"jsonrpc": "2.0", "id": 2, "result": "1234"},
        INVALID,
        {"jsonrpc": "2.0", "id": 3, "error": {
            "code": -32602,
            "message": "invalid argument 0: hex string has length 2, want 40 for common.Address"}},
    ]


def test_ws_notifications_get_no_response(ws: WsClient) -> None:
    ws.send('{"jsonrpc":"2.0","method":"eth_chainId","params":[]}')
    ws.send('{"jsonrpc":"2.0","method":"foo_bar"}')
    ws.send('[{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","method":"net_version"}]')
    ws.send('{"jsonrpc":"2.0","id":"after","method":"eth_chainId"}')
    assert ws.recv() == {"jsonrpc": "2.0", "id": "after", "result": "0x4d2"}


def test_ws_errors(ws: WsClient) -> None:
    ws.send("{not json")
    assert ws.recv() == {"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32700, "message": "parse error"}}
    ws.send("[]")
    assert ws.recv() == {"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32600, "message": "empty batch"}}
    ws.send("42")
    assert ws.recv() == INVALID
    ws.send('{"jsonrpc":"2.0","id":5}')
    assert ws.recv() == {**INVALID, "id": 5}
    assert ws.request("eth_chainId")["result"] == "0x4d2"  # the socket stays open


def test_ws_batch_over_limit(ws: WsClient) -> None:
    ws.send([request("eth_chainId", [], i) for i in range(1, 1002)])
    assert ws.recv() == [
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "batch too large"}}]
    assert ws.request("eth_chainId")["result"] == "0x4d2"


# --- subscriptions -------------------------------------------------------------------------------


def test_new_heads(node: Any, ws: WsClient, contract: str) -> None:
    sub_id = ws.subscribe("newHeads")
    tx_hash = send_call(node.url, contract, calldata("set(uint256)", ["uint256"], [1]))
    receipt = wait_receipt(node.url, tx_hash)
    header = check_envelope(ws.notification(sub_id), sub_id)
    check_header(header, "newHeads")
    assert header["number"] == receipt["blockNumber"]
    assert header["hash"] == receipt["blockHash"]
    block = rpc(node.url, "eth_getBlockByHash", header["hash"], False)
    for name, value in header.items():
        assert block[name] == value, name
    assert "transactions" not in header  # a header, not a block


def test_logs_subscription_with_filter(node: Any, ws: WsClient, contract: str) -> None:
    sub_id = ws.subscribe("logs", {"address": contract, "topics": [VALUE_CHANGED]})
    send_call(node.url, contract, calldata("emitMany(uint256)", ["uint256"], [2]))  # not matched
    tx_hash = send_call(node.url, contract, calldata("set(uint256)", ["uint256"], [5]))
    receipt = wait_receipt(node.url, tx_hash)
    log = check_envelope(ws.notification(sub_id), sub_id)
    check_log(log)
    assert log == receipt["logs"][0]
    assert log["topics"][0] == VALUE_CHANGED and log["data"] == word(5)
    assert rpc(node.url, "eth_getLogs", {"blockHash": receipt["blockHash"]}) == [log]
    assert ws.request("eth_chainId")["result"] == "0x4d2"
    assert ws.pending_for(sub_id) == []


def test_logs_subscription_without_filter(node: Any, ws: WsClient, contract: str) -> None:
    sub_id = ws.subscribe("logs")
    tx_hash = send_call(node.url, contract, calldata("emitMany(uint256)", ["uint256"], [3]))
    receipt = wait_receipt(node.url, tx_hash)
    logs = [check_envelope(ws.notification(sub_id), sub_id) for _ in range(3)]
    assert logs == receipt["logs"]
    assert [entry["topics"] for entry in logs] == [[PING, word(i)] for i in range(3)]


def test_logs_subscription_topic_filter(node: Any, ws: WsClient, contract: str) -> None:
    sub_id = ws.subscribe("logs", {"topics": [PING, [word(1), word(3)]]})
    tx_hash = send_call(node.url, contract, calldata("emitMany(uint256)", ["uint256"], [4]))
    receipt = wait_receipt(node.url, tx_hash)
    logs = [check_envelope(ws.notification(sub_id), sub_id) for _ in range(2)]
    assert logs == [receipt["logs"][1], receipt["logs"][3]]


def test_new_pending_transactions(node: Any, ws: WsClient) -> None:
    hashes_sub = ws.subscribe("newPendingTransactions")
    full_sub = ws.subscribe("newPendingTransactions", True)
    key = dev_key(2)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), "0x" + "42" * 20,
                              value=3)
    assert rpc(node.url, "eth_sendRawTransaction", raw) == tx_hash
    assert check_envelope(ws.notification(hashes_sub), hashes_sub) == tx_hash
    full = check_envelope(ws.notification(full_sub), full_sub)
    check_tx(full, pending=True)
    assert full["hash"] == tx_hash and full["value"] == "0x3"
    wait_receipt(node.url, tx_hash)


def test_unsubscribe(node: Any, ws: WsClient, contract: str) -> None:
    gone = ws.subscribe("newHeads")
    kept = ws.subscribe("newHeads")
    assert ws.request("eth_unsubscribe", [gone]) == {"jsonrpc": "2.0", "id": ws._next_id,
                                                     "result": True}
    tx_hash = send_call(node.url, contract, calldata("set(uint256)", ["uint256"], [6]))
    receipt = wait_receipt(node.url, tx_hash)
    assert check_envelope(ws.notification(kept), kept)["hash"] == receipt["blockHash"]
    assert ws.request("eth_chainId")["result"] == "0x4d2"
    assert ws.pending_for(gone) == []
    # geth: unsubscribing an unknown (or already removed) id is an error
    assert ws.request("eth_unsubscribe", [gone]) == {"jsonrpc": "2.0", "id": ws._next_id, "error": {
        "code": -32000, "message": "subscription not found"}}
    assert ws.request("eth_unsubscribe", [kept])["result"] is True


def test_syncing_subscription_stays_silent_on_a_node_that_never_syncs(node: Any, ws: WsClient,
                                                                     contract: str) -> None:
    syncing = ws.subscribe("syncing")
    heads = ws.subscribe("newHeads")
    wait_receipt(node.url, send_call(node.url, contract, calldata("set(uint256)", ["uint256"],
                                                                  [3])))
    ws.notification(heads)
    assert ws.pending_for(syncing) == []
    assert ws.request("eth_unsubscribe", [syncing])["result"] is True


def test_subscribe_unknown_kind(ws: WsClient) -> None:
    assert ws.request("eth_subscribe", ["foo"])["error"] == {
        "code": -32601, "message": 'no "foo" subscription in eth namespace'}
    assert ws.request("eth_chainId")["result"] == "0x4d2"


def test_subscribe_without_name(ws: WsClient) -> None:
    assert ws.request("eth_subscribe", [])["error"] == {
        "code": -32602, "message": "expected subscription name as first argument"}
    assert ws.request("eth_chainId")["result"] == "0x4d2"


def test_subscribe_bad_option_names_the_argument(ws: WsClient) -> None:
    error = ws.request("eth_subscribe", ["logs", {"address": "0x12"}])["error"]
    assert error["code"] == -32602
    assert error["message"].startswith("invalid argument 1: "), error
    # geth: "invalid argument 1: invalid address: hex has invalid length 1 after decoding; ..."
    error = ws.request("eth_subscribe", ["newPendingTransactions", "yes"])["error"]
    assert error["code"] == -32602
    assert error["message"].startswith("invalid argument 1: "), error
    assert ws.request("eth_chainId")["result"] == "0x4d2"


def test_subscription_ids_are_quantities(ws: WsClient) -> None:
    ids = [ws.subscribe("newHeads") for _ in range(100)]
    bad = [sid for sid in ids if sid != hex(int(sid, 16))]
    for sid in ids:
        ws.request("eth_unsubscribe", [sid])
    assert not bad, f"subscription ids with leading zeros: {bad}"
    assert len(set(ids)) == len(ids)


def test_closing_a_socket_with_subscriptions(node: Any, contract: str) -> None:
    client = WsClient(node.ws_url)
    client.subscribe("newHeads")
    client.subscribe("logs", {"address": contract})
    client.subscribe("newPendingTransactions")
    client.close()
    tx_hash = send_call(node.url, contract, calldata("set(uint256)", ["uint256"], [8]))
    assert wait_receipt(node.url, tx_hash)["status"] == "0x1"
    assert_alive(node.url)
