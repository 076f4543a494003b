"""Resource limits a public node needs: call timeouts, filter expiry, subscriptions per socket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.nodeproc import NodeProcess
from tests.rpc.helpers import rpc, rpc_error, wait_receipt

# JUMPDEST PUSH1 0 JUMP: loops until the gas runs out. The init code returns it as runtime code.
LOOP_RUNTIME = "5b600056"
LOOP_INIT = "0x6004600c60003960046000f3" + LOOP_RUNTIME


@pytest.fixture(scope="module")
def limited_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    root = tmp_path_factory.mktemp("limits")
    config = root / "limits.toml"
    config.write_text("[rpc]\nevm_timeout = 1.0\nfilter_timeout = 1.0\nmax_subscriptions = 2\n"
                      "gas_cap = 1000000000\n[genesis]\ngas_limit = 1000000000\n")
    process = NodeProcess(root / "data", "--mining-mode", "instant", config=Path(config))
    yield process
    process.stop()


def deploy_loop(url: str) -> str:
    sender = rpc(url, "eth_accounts")[0]
    tx_hash = rpc(url, "eth_sendTransaction", {"from": sender, "data": LOOP_INIT, "gas": "0x186a0"})
    receipt = wait_receipt(url, tx_hash)
    assert receipt["status"] == "0x1"
    return receipt["contractAddress"]


def test_endless_call_is_cut_off_at_the_configured_timeout(limited_node: NodeProcess) -> None:
    loop = deploy_loop(limited_node.url)
    assert rpc(limited_node.url, "eth_getCode", loop, "latest") == "0x" + LOOP_RUNTIME
    started = time.monotonic()
    rpc_error(limited_node.url, "eth_call", [{"to": loop}, "latest"], -32000,
              "execution aborted (timeout = 1s)")
    assert time.monotonic() - started < 30  # stopped long before a billion gas of looping
    rpc_error(limited_node.url, "eth_estimateGas", [{"to": loop}], -32000,
              "execution aborted (timeout = 1s)")


def test_endless_simulation_is_cut_off_at_the_configured_timeout(
        limited_node: NodeProcess) -> None:
    loop = "0x000000000000000000000000000000000000100f"
    started = time.monotonic()
    rpc_error(limited_node.url, "eth_simulateV1", [{"blockStateCalls": [
        {"stateOverrides": {loop: {"code": "0x" + LOOP_RUNTIME}}, "calls": [{"to": loop}]},
        {"calls": [{"to": loop}]}]}, "latest"], -32000, "execution aborted (timeout = 1s)")
    assert time.monotonic() - started < 30


def test_idle_filters_expire(limited_node: NodeProcess) -> None:
    kept = rpc(limited_node.url, "eth_newBlockFilter")
    dropped = rpc(limited_node.url, "eth_newBlockFilter")
    for _ in range(3):
        time.sleep(0.5)
        assert rpc(limited_node.url, "eth_getFilterChanges", kept) is not None
    rpc_error(limited_node.url, "eth_getFilterChanges", [dropped], -32000, "filter not found")
    assert rpc(limited_node.url, "eth_uninstallFilter", kept) is True


def test_subscriptions_per_socket_are_capped(limited_node: NodeProcess) -> None:
    async def run() -> dict:
        async with websockets.connect(limited_node.ws_url) as socket:
            replies = []
            for i in range(3):
                await socket.send(json.dumps({"jsonrpc": "2.0", "id": i,
                                              "method": "eth_subscribe", "params": ["newHeads"]}))
                replies.append(json.loads(await socket.recv()))
            assert all("result" in reply for reply in replies[:2])
            return replies[2]

    third = asyncio.run(run())
    assert third["error"]["code"] == -32005
    assert "too many subscriptions" in third["error"]["message"]
