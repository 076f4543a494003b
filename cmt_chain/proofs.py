"""EIP-1186 Merkle proofs of an account and its storage slots, read from the state trie.

`account_proof` walks the account trie (keyed by keccak(address)) and the account's storage trie
(keyed by keccak(slot)) in the node's RocksDB state column with the `trie` package, and returns
the nodes on each path as eth_getProof serves them. Called by `node.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rlp
from eth_hash.auto import keccak
from trie import HexaryTrie

from .block import EMPTY_TRIE_ROOT
from .storage.kv import Store
from .storage.state import StateView

EMPTY_CODE_HASH = keccak(b"")


@dataclass(frozen=True, slots=True)
class StorageProof:
    slot: int
    value: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class AccountProof:
    address: bytes
    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes
    proof: tuple[bytes, ...]
    storage: tuple[StorageProof, ...]


def account_proof(store: Store, state_root: bytes, address: bytes,
                  slots: tuple[int, ...]) -> AccountProof:
    """Return the proof of `address` and of each slot in `slots` at `state_root`."""
    view: Any = StateView(store)
    accounts = HexaryTrie(view, state_root)
    key = keccak(address)
    encoded = accounts.get(key)
    if encoded:
        nonce, balance, storage_root, code_hash = rlp.decode(encoded)
        nonce, balance = _int(nonce), _int(balance)
    else:
        nonce, balance, storage_root, code_hash = 0, 0, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH
    storage_trie = HexaryTrie(view, storage_root)
    storage = []
    for slot in slots:
        slot_key = keccak(slot.to_bytes(32, "big"))
        raw = storage_trie.get(slot_key)
        value = _int(rlp.decode(raw)) if raw else 0
        path = _encoded(storage_trie.get_proof(slot_key)) if encoded else ()
        storage.append(StorageProof(slot, value, path))
    return AccountProof(address, nonce, balance, storage_root, code_hash,
                        _encoded(accounts.get_proof(key)), tuple(storage))


def _int(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _encoded(nodes: tuple[Any, ...]) -> tuple[bytes, ...]:
    """Return the RLP of each node on a path, leaving out nodes embedded in their parent.

    A node shorter than 32 bytes is stored inside its parent rather than by hash, so (as geth)
    the proof carries it only as part of that parent; the root always comes first.
    """
    out = []
    for index, node in enumerate(nodes):
        raw = rlp.encode(node)
        if index == 0 or len(raw) >= 32:
            out.append(raw)
    return tuple(out)

