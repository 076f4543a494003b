"""Shared helpers for the end-to-end tests: dev keys, polling with a deadline, fee arithmetic.

Every wait here has a generous deadline only so that a broken node fails a test instead of hanging
it; no test asserts on how long anything took.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from tests.nodeproc import CHAIN_ID, DEV_KEYS, ROOT

MNEMONIC = "test test test test test test test test test test test junk"
CMT = 10**18
GWEI = 10**9
DEV_BALANCE = 10_000 * CMT
MIN_GAS_PRICE = 2 * GWEI
STAKING = "0x0000000000000000000000000000000000001000"  # the staking system contract
AWARD = 10**9 * CMT * 800 // (10_000 * 3_153_600)  # the default award minted by each block
T = TypeVar("T")

Account.enable_unaudited_hdwallet_features()


def dev_account(index: int) -> LocalAccount:
    """Return dev account `index` of the well-known test mnemonic (m/44'/60'/0'/0/index)."""
    account = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    if index < len(DEV_KEYS):
        assert account.key.to_0x_hex() == DEV_KEYS[index]
    return account


def fresh_address() -> str:
    """Return the checksum address of a brand-new key: an account with no history at all."""
    return Account.create().address


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05,
             what: str = "condition") -> T:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def receipt(w3: Web3, tx_hash: Any, timeout: float = 30.0) -> Any:
    """Wait for and return a transaction's receipt."""
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)


def fee(rcpt: Any) -> int:
    """Return what a receipt's transaction paid in gas: gasUsed * effectiveGasPrice."""
    return rcpt["gasUsed"] * rcpt["effectiveGasPrice"]


def block_fees(w3: Web3, block_number: int) -> int:
    """Return the sum of gas fees paid by every transaction of a block."""
    block = w3.eth.get_block(block_number)
    return sum(fee(w3.eth.get_transaction_receipt(h)) for h in block["transactions"])


def send_signed(w3: Web3, account: LocalAccount, tx: dict[str, Any]) -> Any:
    """Fill chainId/nonce if absent, sign `tx` locally and send it raw; return the hash."""
    fields = {"chainId": CHAIN_ID, "nonce": w3.eth.get_transaction_count(account.address,
                                                                         "pending"), **tx}
    signed = account.sign_transaction(fields)
    return w3.eth.send_raw_transaction(signed.raw_transaction)


SOLC = ROOT / "tests/js/node_modules/solc"
COMPILE = """
const fs = require('fs'); const solc = require(process.argv[1]);
const sources = {};
for (const f of process.argv.slice(2)) sources[f] = {content: fs.readFileSync(f, 'utf8')};
const out = JSON.parse(solc.compile(JSON.stringify({language: 'Solidity', sources, settings: {
  evmVersion: 'prague', outputSelection: {'*': {'*': ['abi', 'evm.bytecode.object']}}}})));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join('\\n')); process.exit(1);
}
const result = {}; for (const f in out.contracts) for (const n in out.contracts[f])
  result[n] = {abi: out.contracts[f][n].abi,
               bytecode: '0x' + out.contracts[f][n].evm.bytecode.object};
console.log(JSON.stringify(result));
"""


def compile_solidity(*files: str) -> dict[str, Any]:
    """Compile Solidity files (paths from the repository root) with the pinned npm solc."""
    if not (SOLC / "package.json").exists():
        raise AssertionError("tests/js/node_modules/solc is missing: run npm ci --prefix tests/js")
    done = subprocess.run(["node", "-e", COMPILE, str(SOLC), *files], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
