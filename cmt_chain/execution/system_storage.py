"""How the system contracts keep their records in EVM storage: one layout, used by all of them.

A system contract's state is one byte string (its RLP record): slot 0 holds its length, slots
1.. hold it in 32-byte words, and slot 2**256 - 1 holds its keccak hash. Being storage, it is
part of the state root and reverts with the transaction that changed it. Records are read every
block, and a storage read costs a trie walk, so a process keeps the records it has seen by hash:
reading one back is two slot reads when the hash is known. Called by `system_staking.py` and
`system_sponsor.py`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from eth_hash.auto import keccak
from eth_typing import Address

HASH_SLOT = 2**256 - 1
_CACHE_SIZE = 32
_seen: OrderedDict[bytes, bytes] = OrderedDict()  # keccak(record) -> record
_lock = threading.Lock()


def _words(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i:i + 32].ljust(32, b"\0"), "big")
            for i in range(0, len(raw), 32)]


def blob_slots(raw: bytes) -> tuple[tuple[int, int], ...]:
    """Return the (slot, value) pairs that store `raw` (genesis writes them directly)."""
    return ((0, len(raw)), (HASH_SLOT, int.from_bytes(keccak(raw), "big")),
            *((i + 1, w) for i, w in enumerate(_words(raw))))


def _remember(raw: bytes) -> None:
    digest = keccak(raw)
    with _lock:  # blocks are built while RPC threads read
        _seen[digest] = raw
        _seen.move_to_end(digest)
        while len(_seen) > _CACHE_SIZE:
            _seen.popitem(last=False)


def read_blob(get_storage: Callable[[int], int]) -> bytes | None:
    """Return the stored bytes, or None if the contract holds no record (feature off)."""
    length = get_storage(0)
    if not length:
        return None
    digest = get_storage(HASH_SLOT).to_bytes(32, "big")
    with _lock:
        known = _seen.get(digest)
    if known is not None and len(known) == length:
        return known
    words = (get_storage(i + 1).to_bytes(32, "big") for i in range((length + 31) // 32))
    raw = b"".join(words)[:length]
    _remember(raw)
    return raw


def load_blob(vm_state: Any, address: bytes) -> bytes | None:
    """Return the record a contract holds in a py-evm state."""
    return read_blob(lambda slot: vm_state.get_storage(Address(address), slot))


def save_blob(vm_state: Any, address: bytes, raw: bytes, old: bytes | None = None) -> None:
    """Write a record, touching only the words that changed and clearing what a shorter one left.

    `old`, the record as loaded, spares reading every word back to compare.
    """
    target = Address(address)
    if old is None:
        old = load_blob(vm_state, address) or b""
    previous = dict(blob_slots(old))
    for slot, value in blob_slots(raw):
        if previous.get(slot, 0) != value:  # most words survive a block unchanged
            vm_state.set_storage(target, slot, value)
    for slot in range(len(_words(raw)) + 1, len(_words(old)) + 1):
        vm_state.set_storage(target, slot, 0)
    _remember(raw)
