"""Dev cheats, snapshots and newer standard methods driven by Foundry's cast, as a user types it.

`cast rpc` sends the anvil_/hardhat_/evm_ methods; cast's own commands (balance, nonce,
send --unlocked, code, storage, call, block, proof) read the effects. The cast binary comes from npm
(`npm ci --prefix tests/js`); a missing install fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from tests.nodeproc import NodeProcess

CAST = (Path(__file__).resolve().parent.parent / "js" / "node_modules" / "@foundry-rs"
        / "cast-linux-amd64" / "bin" / "cast")
STRANGER = "0x00000000000000000000000000000000c0ffee01"
RECIPIENT = "0x00000000000000000000000000000000c0ffee02"
CONTRACT = "0x00000000000000000000000000000000c0ffee03"
RETURN_SLOT_1 = "0x60015460005260206000f3"


def cast(node: NodeProcess, sub: str, *args: str, fails: bool = False) -> str:
    """Run `cast <sub> --rpc-url <node> args...`; return stdout (or stderr if it must fail)."""
    if not CAST.exists():
        pytest.fail(f"{CAST} is missing: run `npm ci --prefix tests/js`")
    env = {**os.environ, "NO_COLOR": "1", "FOUNDRY_DISABLE_NIGHTLY_WARNING": "1"}
    result = subprocess.run([str(CAST), sub, "--rpc-url", node.url, *args], capture_output=True,
                            text=True, timeout=60, env=env, check=False)
    if fails:
        assert result.returncode != 0, f"cast {sub} {args} should fail: {result.stdout}"
        return result.stderr
    assert result.returncode == 0, f"cast {sub} {args}: {result.stderr}"
    return result.stdout.strip()


def cast_rpc(node: NodeProcess, method: str, *params: str) -> Any:
    return json.loads(cast(node, "rpc", method, *params))


def test_cheats_with_cast(node: NodeProcess) -> None:
    assert cast_rpc(node, "anvil_setBalance", STRANGER, "0x0de0b6b3a7640000") is None
    assert cast(node, "balance", STRANGER) == str(10**18)
    assert cast_rpc(node, "hardhat_setNonce", STRANGER, "0x3") is True
    assert cast(node, "nonce", STRANGER) == "3"

    assert cast_rpc(node, "anvil_impersonateAccount", STRANGER) is None
    sent = json.loads(cast(node, "send", "--unlocked", "--from", STRANGER, RECIPIENT,
                           "--value", "1000", "--json"))
    assert sent["status"] == "0x1" and sent["from"].lower() == STRANGER
    assert cast(node, "balance", RECIPIENT) == "1000"
    assert cast(node, "nonce", STRANGER) == "4"
    cast_rpc(node, "anvil_stopImpersonatingAccount", STRANGER)
    cast(node, "send", "--unlocked", "--from", STRANGER, RECIPIENT, fails=True)

    assert cast_rpc(node, "anvil_setCode", CONTRACT, RETURN_SLOT_1) is None
    assert cast_rpc(node, "hardhat_setStorageAt", CONTRACT, "0x1", f"0x{42:064x}") is True
    assert cast(node, "code", CONTRACT) == RETURN_SLOT_1
    assert int(cast(node, "storage", CONTRACT, "1"), 16) == 42
    assert int(cast(node, "call", CONTRACT), 16) == 42

    cast_rpc(node, "anvil_setNextBlockBaseFeePerGas", hex(5 * 10**9))
    assert cast_rpc(node, "eth_baseFee") == hex(5 * 10**9)
    cast_rpc(node, "evm_mine")
    assert json.loads(cast(node, "block", "latest", "--json"))["baseFeePerGas"] == hex(5 * 10**9)
    proof = json.loads(cast(node, "proof", CONTRACT, "1"))
    assert proof["storageProof"][0]["value"] == "0x2a" and proof["accountProof"]


def test_snapshot_and_revert_with_cast(node: NodeProcess) -> None:
    snapshot = cast_rpc(node, "evm_snapshot")
    head = int(cast(node, "block-number"))
    before = cast(node, "balance", RECIPIENT)
    sender = cast_rpc(node, "eth_accounts")[4]
    sent = json.loads(cast(node, "send", "--unlocked", "--from", sender, RECIPIENT,
                           "--value", "5", "--json"))
    assert int(cast(node, "balance", RECIPIENT)) == int(before) + 5
    assert cast_rpc(node, "evm_revert", snapshot) is True
    assert int(cast(node, "block-number")) == head
    assert cast(node, "balance", RECIPIENT) == before
    assert cast_rpc(node, "eth_getTransactionByHash", sent["transactionHash"]) is None
    assert cast_rpc(node, "evm_revert", snapshot) is False
    raw = cast_rpc(node, "debug_getRawHeader", "latest")
    header_hash = "0x" + keccak(bytes.fromhex(raw[2:])).hex()
    assert header_hash == json.loads(cast(node, "block", "latest", "--json"))["hash"]
