"""Deterministic accounts and fast EIP-1559 signing for pre-signed loads.

`sign_1559` builds and signs a type-2 transaction with rlp + eth-keys (coincurve), about five
times faster than eth-account's `sign_transaction`; `check_signer()` proves on a sample that the
two give byte-identical raw transactions. ABI helpers cover the few BenchToken calls we make.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rlp
from eth_abi import encode
from eth_account import Account
from eth_keys import keys
from eth_utils import keccak, to_checksum_address

# m/44'/60'/0'/0/0 of "test test test test test test test test test test test junk": funded on
# cmt-chain's dev network and on anvil.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
CONTRACTS = Path(__file__).resolve().parent / "contracts"
TRANSFER_TOPIC = "0x" + keccak(b"Transfer(address,address,uint256)").hex()
NOTHING_TOPIC = "0x" + keccak(b"NothingEverEmitsThis()").hex()
SEL_TRANSFER = keccak(b"transfer(address,uint256)")[:4]
SEL_BALANCE_OF = keccak(b"balanceOf(address)")[:4]


@dataclass(frozen=True)
class Key:
    """A private key with its address (bytes and checksummed)."""

    secret: bytes
    address_bytes: bytes
    address: str
    _pk: Any  # eth_keys PrivateKey

    @classmethod
    def from_bytes(cls, secret: bytes) -> Key:
        pk = keys.PrivateKey(secret)
        raw = pk.public_key.to_canonical_address()
        return cls(secret, raw, to_checksum_address(raw), pk)


def derive(seed: str, kind: str, i: int) -> bytes:
    """Return 32 deterministic bytes for the i-th key/address of a kind."""
    return keccak(f"cmt-chain-bench/{seed}/{kind}/{i}".encode())


def derive_key(seed: str, kind: str, i: int) -> Key:
    return Key.from_bytes(derive(seed, kind, i))


def derive_address(seed: str, kind: str, i: int) -> bytes:
    return derive(seed, kind, i)[:20]


def dev_key() -> Key:
    return Key.from_bytes(bytes.fromhex(DEV_KEY[2:]))


def sign_1559(key: Key, chain_id: int, nonce: int, to: bytes | None, value: int, gas: int,
              max_fee: int, tip: int, data: bytes = b"") -> tuple[str, str]:
    """Sign a type-2 transaction; return ("0x" tx hash, "0x" raw)."""
    fields = [chain_id, nonce, tip, max_fee, gas, to or b"", value, data, []]
    sig = key._pk.sign_msg_hash(keccak(b"\x02" + rlp.encode(fields)))
    raw = b"\x02" + rlp.encode([*fields, sig.v, sig.r, sig.s])
    return "0x" + keccak(raw).hex(), "0x" + raw.hex()


def check_signer() -> None:
    """Assert that sign_1559 and eth-account produce the same raw transactions."""
    key = derive_key("self-check", "key", 0)
    for to, data in ((derive_address("self-check", "to", 0), b""),
                     (None, b"\x60\x00"), (derive_address("self-check", "to", 1), b"\xa9\x05")):
        ours = sign_1559(key, 1234, 7, to, 10**18, 60000, 3 * 10**9, 10**9, data)
        tx = {"type": 2, "chainId": 1234, "nonce": 7, "value": 10**18, "gas": 60000,
              "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "data": data}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        theirs = Account.sign_transaction(tx, key.secret)
        assert ours[1] == "0x" + theirs.raw_transaction.hex().removeprefix("0x"), "signer differs"
        assert ours[0] == "0x" + theirs.hash.hex().removeprefix("0x"), "tx hash differs"


@cache
def artifact(name: str) -> dict:
    return json.loads((CONTRACTS / f"{name}.json").read_text())


def token_creation_code(supply: int) -> bytes:
    return bytes.fromhex(artifact("BenchToken")["bytecode"][2:]) + encode(["uint256"], [supply])


def transfer_data(to: bytes, amount: int) -> bytes:
    return SEL_TRANSFER + encode(["address", "uint256"], [to, amount])


def balance_of_data(owner: bytes) -> str:
    return "0x" + (SEL_BALANCE_OF + encode(["address"], [owner])).hex()
