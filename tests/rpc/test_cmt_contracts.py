"""cmt_getContracts over raw HTTP JSON-RPC: the preloaded commerce templates, their fixed addresses
and ABIs; the code at those addresses is what a deployment transaction with the same constructor
arguments leaves (immutables included); a node with `[templates] enabled = false` lists none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.nodeproc import NodeProcess
from tests.rpc.helpers import ADDRESS, address_of, dev_key, rpc, rpc_error, wait_receipt

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("Marketplace", "Escrow", "Disputes", "Reputation", "Identity", "TestToken")
ADDRESSES = {name: f"0x{0x2000 + i:040x}" for i, name in enumerate(NAMES)}


def artifact(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "contracts" / "artifacts" / f"{name}.json").read_text())


def test_lists_every_template_with_address_and_abi(node):
    contracts = rpc(node.url, "cmt_getContracts")
    assert [c["name"] for c in contracts] == list(NAMES)
    for entry in contracts:
        assert set(entry) == {"name", "address", "abi", "source"}
        assert ADDRESS.fullmatch(entry["address"])
        assert entry["address"] == ADDRESSES[entry["name"]]
        assert entry["abi"] == artifact(entry["name"])["abi"]
        assert entry["source"] == f"contracts/src/{entry['name']}.sol"
        assert rpc(node.url, "eth_getCode", entry["address"], "latest") != "0x"


def test_rejects_parameters(node):
    rpc_error(node.url, "cmt_getContracts", ["latest"], -32602)
    rpc_error(node.url, "cmt_getContracts", {"a": 1}, -32602)


def _deploy(url: str, name: str, types: list[str], args: list[Any]) -> str:
    sender = address_of(dev_key(0))
    data = artifact(name)["bytecode"] + encode(types, args).hex()
    tx_hash = rpc(url, "eth_sendTransaction", {"from": sender, "data": data, "gas": hex(8_000_000)})
    receipt = wait_receipt(url, tx_hash)
    assert receipt["status"] == "0x1", receipt
    return receipt["contractAddress"]


@pytest.mark.parametrize(("name", "types", "args"), [
    # owner and fee recipient: dev account 0; the escrow immutable: the genesis Escrow
    ("Marketplace", ["address", "address", "address", "uint16"],
     [ADDRESSES["Escrow"], "DEV0", "DEV0", 250]),
    ("Escrow", ["address"], ["DEV0"]),
    ("Disputes", ["address", "address", "(uint128,uint128,uint8,uint32,uint32,uint16)"],
     [ADDRESSES["Escrow"], "DEV0", (10**18, 10 * 10**18, 3, 259200, 432000, 1000)]),
    ("Reputation", ["address"], [ADDRESSES["Escrow"]]),
    ("Identity", ["address"], ["DEV0"]),
    ("TestToken", ["string", "string", "uint8", "address"], ["Test Token", "TST", 18, "DEV0"]),
])
def test_genesis_code_equals_a_real_deployment(node, name, types, args):
    dev0 = address_of(dev_key(0))
    args = [dev0 if a == "DEV0" else a for a in args]
    deployed = _deploy(node.url, name, types, args)
    assert rpc(node.url, "eth_getCode", deployed, "latest") == rpc(
        node.url, "eth_getCode", ADDRESSES[name], "latest")


def test_storage_matches_a_real_deployment_and_linking(node):
    """Escrow deployed and linked by transactions holds the same storage as the genesis one."""
    dev0 = address_of(dev_key(0))
    escrow = _deploy(node.url, "Escrow", ["address"], [dev0])
    for data in ("0x" + _selector("setMarket(address,bool)") + encode(
            ["address", "bool"], [ADDRESSES["Marketplace"], True]).hex(),
            "0x" + _selector("setResolver(address)") + encode(
            ["address"], [ADDRESSES["Disputes"]]).hex()):
        tx_hash = rpc(node.url, "eth_sendTransaction", {"from": dev0, "to": escrow, "data": data})
        assert wait_receipt(node.url, tx_hash)["status"] == "0x1"
    market_slot = _mapping_slot(ADDRESSES["Marketplace"], 2)
    for slot in ("0x0", "0x1", "0x2", "0x3", "0x4", market_slot):
        assert rpc(node.url, "eth_getStorageAt", escrow, slot, "latest") == rpc(
            node.url, "eth_getStorageAt", ADDRESSES["Escrow"], slot, "latest"), slot
    assert int(rpc(node.url, "eth_getStorageAt", escrow, market_slot, "latest"), 16) == 1
    assert int(rpc(node.url, "eth_getStorageAt", escrow, "0x3", "latest"), 16) == int(
        ADDRESSES["Disputes"], 16)


def _selector(signature: str) -> str:
    return keccak(text=signature)[:4].hex()


def _mapping_slot(key: str, slot: int) -> str:
    return "0x" + keccak(encode(["address", "uint256"], [key, slot])).hex()


@pytest.fixture(scope="module")
def plain_node(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plain")
    config = folder / "config.toml"
    config.write_text("[templates]\nenabled = false\n")
    process = NodeProcess(folder / "data", "--mining-mode", "instant", config=config)
    yield process
    process.stop()


def test_disabled_templates_list_nothing(plain_node):
    assert rpc(plain_node.url, "cmt_getContracts") == []
    assert rpc(plain_node.url, "eth_getCode", ADDRESSES["Marketplace"], "latest") == "0x"
