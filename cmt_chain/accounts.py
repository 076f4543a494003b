"""Dev accounts derived from a BIP-39 mnemonic, and the validator's node key.

`dev_accounts` derives m/44'/60'/0'/0/i as anvil and Hardhat do, so the well-known test keys fund
the dev chain. `load_or_create_key` keeps the validator key in a file (mode 0600) in the data
folder.
Called by `genesis.py` (prefunded addresses), `node.py` (unlocked signers in dev mode) and the CLI.
Keys are never logged; the CLI prints dev keys at start only because they are public test keys.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account

from .consensus import address_of

Account.enable_unaudited_hdwallet_features()


@dataclass(frozen=True)
class DevAccount:
    address: bytes
    private_key: bytes

    def __repr__(self) -> str:  # keep keys out of logs and tracebacks
        return f"DevAccount(0x{self.address.hex()})"


def dev_accounts(mnemonic: str, count: int) -> tuple[DevAccount, ...]:
    """Return the first `count` accounts of the mnemonic on m/44'/60'/0'/0/i."""
    accounts = []
    for index in range(count):
        local = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
        accounts.append(DevAccount(bytes.fromhex(local.address[2:]), bytes(local.key)))
    return tuple(accounts)


DEV_VALIDATOR_PATH = "m/44'/60'/1'/0/0"


def dev_validator_key(mnemonic: str) -> bytes:
    """Return the dev network's validator key: derived from the dev mnemonic, off the account
    path, so every dev data folder has the same genesis (and chain files move between them)."""
    return bytes(Account.from_mnemonic(mnemonic, account_path=DEV_VALIDATOR_PATH).key)


def load_or_create_key(path: Path) -> bytes:
    """Return the 32-byte key stored at `path`, creating a random one on first use."""
    if path.exists():
        text = path.read_text().strip().removeprefix("0x")
        key = bytes.fromhex(text)
        if len(key) != 32:
            raise ValueError(f"{path}: expected a 32-byte hex private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
    return key


def validator_address(key: bytes) -> bytes:
    return address_of(key)
