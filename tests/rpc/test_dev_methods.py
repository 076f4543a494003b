"""Dev-mode mining and clock methods, and their absence outside dev mode."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.nodeproc import NodeProcess
from tests.rpc.helpers import rpc, rpc_error


def head(url: str) -> dict[str, Any]:
    return rpc(url, "eth_getBlockByNumber", "latest", False)


def test_mine_blocks_now_with_chosen_timestamps(node: Any) -> None:
    start = int(head(node.url)["number"], 16)
    assert rpc(node.url, "evm_mine") == "0x0"
    assert int(head(node.url)["number"], 16) == start + 1
    future = int(head(node.url)["timestamp"], 16) + 1000
    rpc(node.url, "evm_mine", hex(future))
    assert int(head(node.url)["timestamp"], 16) == future
    assert rpc(node.url, "anvil_mine", "0x5", "0xa") is None
    latest = head(node.url)
    assert int(latest["number"], 16) == start + 7
    # the first block one second after its parent (which is in the future), then 10 s apart
    assert int(latest["timestamp"], 16) == future + 1 + 40
    rpc(node.url, "hardhat_mine", "0x2")
    assert int(head(node.url)["number"], 16) == start + 9


def test_clock_moves_forward(node: Any) -> None:
    now = int(time.time())
    assert int(rpc(node.url, "evm_increaseTime", 3600), 16) >= 3600
    rpc(node.url, "evm_mine")
    assert int(head(node.url)["timestamp"], 16) >= now + 3600  # wall clock plus the shift
    target = int(head(node.url)["timestamp"], 16) + 777
    rpc(node.url, "evm_setNextBlockTimestamp", target)
    rpc(node.url, "evm_mine")
    assert int(head(node.url)["timestamp"], 16) == target
    rpc_error(node.url, "evm_setNextBlockTimestamp", [target], -32602, contains="not after")


def test_switching_between_automine_and_interval_mining(node: Any) -> None:
    sender = rpc(node.url, "eth_accounts")[0]
    rpc(node.url, "evm_setAutomine", False)
    tx = rpc(node.url, "eth_sendTransaction", {"from": sender, "to": sender, "value": "0x1"})
    time.sleep(0.5)
    assert rpc(node.url, "eth_getTransactionReceipt", tx) is None  # waits: nothing mines
    rpc(node.url, "evm_mine")
    assert rpc(node.url, "eth_getTransactionReceipt", tx)["status"] == "0x1"
    rpc(node.url, "evm_setIntervalMining", 1)
    first = int(head(node.url)["number"], 16)
    deadline = time.monotonic() + 10
    while int(head(node.url)["number"], 16) < first + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert int(head(node.url)["number"], 16) >= first + 2  # empty blocks every second
    rpc(node.url, "evm_setAutomine", True)
    tx = rpc(node.url, "eth_sendTransaction", {"from": sender, "to": sender, "value": "0x2"})
    deadline = time.monotonic() + 10
    while rpc(node.url, "eth_getTransactionReceipt", tx) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rpc(node.url, "eth_getTransactionReceipt", tx)["status"] == "0x1"


@pytest.fixture(scope="module")
def production_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    root = tmp_path_factory.mktemp("production")
    config = root / "production.toml"
    config.write_text("[network]\ndev = false\n")
    process = NodeProcess(root / "data", config=Path(config))
    yield process
    process.stop()


@pytest.mark.parametrize("name", ["evm_mine", "anvil_mine", "evm_setAutomine", "evm_increaseTime",
                                  "eth_sendTransaction", "eth_sign", "personal_sign",
                                  "anvil_setBalance", "hardhat_setBalance", "hardhat_setCode",
                                  "anvil_impersonateAccount", "anvil_dropTransaction",
                                  "hardhat_setCoinbase", "evm_snapshot", "evm_revert"])
def test_dev_methods_do_not_exist_outside_dev_mode(production_node: NodeProcess,
                                                  name: str) -> None:
    rpc_error(production_node.url, name, [], -32601,
              f"the method {name} does not exist/is not available")
    assert rpc(production_node.url, "eth_accounts") == []
