"""viem's test client (anvil and hardhat modes) drives the dev cheats, snapshots and pool control.

The script is tests/js/viem_test_client.mjs, run as the other client scripts are (see
`test_js_clients.py`): a missing npm install is a failure, not a skip.
"""

from __future__ import annotations

from tests.e2e.test_js_clients import _run_script
from tests.nodeproc import NodeProcess


def test_viem_test_client(node: NodeProcess) -> None:
    """createTestClient: setBalance/Nonce/Code/StorageAt, impersonation, snapshot/revert,
    dropTransaction, setNextBlockBaseFeePerGas, setCoinbase, setMinGasPrice, mine, setAutomine."""
    _run_script("viem_test_client.mjs", node)
