"""The node with the clients users actually run: ethers v6, viem 2, Foundry's cast and forge.

Each script in tests/js/ drives a real node (the module's `node` fixture, instant mining) through
one client's public API and exits non-zero with the failing step and the last JSON-RPC exchanges.
The clients come from npm, pinned in tests/js/package.json and package-lock.json; install them with

    npm ci --prefix tests/js

A missing install is a failure, not a skip: these tests are the proof that unmodified clients work.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.nodeproc import NodeProcess

JS = Path(__file__).resolve().parent.parent / "js"
INSTALL = "npm ci --prefix tests/js"
# per script, generous: each takes a few seconds; only so that a hung client fails the test
TIMEOUT = 120
REQUIRED = (
    "ethers/package.json",
    "viem/package.json",
    "solc/package.json",
    "@foundry-rs/cast-linux-amd64/bin/cast",
    "@foundry-rs/forge-linux-amd64/bin/forge",
)


def _require_clients() -> str:
    """Return the node executable, failing the test if node or the npm packages are missing."""
    node_bin = shutil.which("node")
    if node_bin is None:
        pytest.fail("node (Node.js >= 20) is not on PATH; the JS client tests need it")
    missing = [name for name in REQUIRED if not (JS / "node_modules" / name).exists()]
    if missing:
        pytest.fail(f"tests/js/node_modules lacks {', '.join(missing)}: run `{INSTALL}` first")
    return node_bin


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def _run_script(script: str, node: NodeProcess) -> None:
    node_bin = _require_clients()
    try:
        result = subprocess.run([node_bin, str(JS / script), node.url], cwd=JS, capture_output=True,
                                text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script} did not finish within {TIMEOUT} s; output so far:\n"
                    f"{_text(exc.stdout)}\n{_text(exc.stderr)}")
    if result.returncode != 0 or not result.stdout.rstrip().endswith("OK"):
        pytest.fail(f"{script} exited {result.returncode}\n--- stdout\n{result.stdout}\n"
                    f"--- stderr\n{result.stderr}", pytrace=False)


def test_ethers_v6(node: NodeProcess) -> None:
    """ethers v6: provider + Wallet, ContractFactory, events, reverts, JsonRpcSigner, WebSocket."""
    _run_script("ethers.mjs", node)


def test_viem(node: NodeProcess) -> None:
    """viem 2: clients on a custom chain, contracts, logs, filters, reverts, webSocket."""
    _run_script("viem.mjs", node)


def test_cast(node: NodeProcess) -> None:
    """cast: chain-id, balance, send (1559, legacy, --create, --unlocked), call, logs, run."""
    _run_script("cast.mjs", node)


def test_forge(node: NodeProcess) -> None:
    """forge: build offline with npm's solc, `forge create` and `forge script --broadcast`."""
    _run_script("forge.mjs", node)


def test_eth_call_state_overrides(node: NodeProcess) -> None:
    """viem `call({ stateOverride })` and `cast call --override-code` see the overridden code."""
    _run_script("overrides.mjs", node)


HARDHAT = ("hardhat/package.json", "@nomicfoundation/hardhat-ethers/package.json")


def test_hardhat(node: NodeProcess) -> None:
    """Hardhat 2 + hardhat-ethers on network `cmt`: `hardhat run` (transfer, deploy, call, events,
    revert reasons) and `hardhat test` of tests/js/hardhat-project/, compiled offline (npm solc)."""
    _require_clients()
    missing = [name for name in HARDHAT if not (JS / "node_modules" / name).exists()]
    if missing:
        pytest.fail(f"tests/js/node_modules lacks {', '.join(missing)}: run `{INSTALL}` first")
    _run_script("hardhat.mjs", node)
