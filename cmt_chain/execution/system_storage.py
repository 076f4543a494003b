"""How the system contracts keep their records in EVM storage: one layout, used by all of them.

A system contract's state is one byte string (its RLP record): slot 0 holds its length, slots
1.. hold it in 32-byte words. Being storage, it is part of the state root and reverts with the
transaction that changed it. Called by `system_staking.py` and `system_sponsor.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_typing import Address


def blob_slots(raw: bytes) -> tuple[tuple[int, int], ...]:
    """Return the (slot, value) pairs that store `raw` (genesis writes them directly)."""
    words = [int.from_bytes(raw[i:i + 32].ljust(32, b"\0"), "big")
             for i in range(0, len(raw), 32)]
    return ((0, len(raw)), *((i + 1, w) for i, w in enumerate(words)))


def read_blob(get_storage: Callable[[int], int]) -> bytes | None:
    """Return the stored bytes, or None if the contract holds no record (feature off)."""
    length = get_storage(0)
    if not length:
        return None
    words = (get_storage(i + 1).to_bytes(32, "big") for i in range((length + 31) // 32))
    return b"".join(words)[:length]


def load_blob(vm_state: Any, address: bytes) -> bytes | None:
    """Return the record a contract holds in a py-evm state."""
    return read_blob(lambda slot: vm_state.get_storage(Address(address), slot))


def save_blob(vm_state: Any, address: bytes, raw: bytes) -> None:
    """Write a record, touching only the words that changed and clearing what a shorter one left."""
    target = Address(address)
    old_words = (vm_state.get_storage(target, 0) + 31) // 32
    slots = blob_slots(raw)
    for slot, value in slots:
        if vm_state.get_storage(target, slot) != value:  # most words survive a block unchanged
            vm_state.set_storage(target, slot, value)
    for slot in range(len(slots), old_words + 1):
        vm_state.set_storage(target, slot, 0)
