"""Dev-mode state cheats as anvil and Hardhat offer them: the pending account patch, impersonated
senders and chain snapshots.

A cheat (`setBalance`, `setNonce`, `setCode`, `setStorageAt`) does not write the chain: it joins
the *pending patch*, account overrides laid over the head state. `node.py` lays the patch over
reads at the head, over calls and over the pool's nonce and balance checks, so a cheat is visible
at once; the producer hands it to the next block build, which applies it before the first
transaction, and drops it once that block is stored. Impersonated senders send transactions
without a key: they carry a placeholder signature that encodes the sender (so the hash is stable
and unique) and are never recovered. Called by `node.py`, `producer.py` and `rpc/methods/dev.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from eth_account._utils.signing import (
    encode_transaction,
    serializable_unsigned_transaction_from_dict,
)
from eth_account.typed_transactions import TypedTransaction

from .calls import AccountOverride
from .transaction import Transaction, decode_transaction

Patch = tuple[tuple[bytes, AccountOverride], ...]


class PatchedReader:
    """An account reader at the head with the pending patch laid over it."""

    def __init__(self, base: Any, patch: dict[bytes, AccountOverride]) -> None:
        self._base = base
        self._patch = patch

    def balance(self, address: bytes) -> int:
        override = self._patch.get(address)
        if override is not None and override.balance is not None:
            return override.balance
        return int(self._base.balance(address))

    def nonce(self, address: bytes) -> int:
        override = self._patch.get(address)
        if override is not None and override.nonce is not None:
            return override.nonce
        return int(self._base.nonce(address))

    def code(self, address: bytes) -> bytes:
        override = self._patch.get(address)
        if override is not None and override.code is not None:
            return override.code
        return bytes(self._base.code(address))

    def storage(self, address: bytes, slot: int) -> int:
        override = self._patch.get(address)
        if override is not None:
            for written, value in override.state_diff:
                if written == slot:
                    return value
        return int(self._base.storage(address, slot))


@dataclass
class Snapshot:
    head_number: int
    head_hash: bytes
    patch: dict[bytes, AccountOverride]


@dataclass
class Cheats:
    """The dev-mode cheat state of one node."""

    patch: dict[bytes, AccountOverride] = field(default_factory=dict)
    impersonated: set[bytes] = field(default_factory=set)
    snapshots: dict[int, Snapshot] = field(default_factory=dict)
    next_snapshot: int = 1

    # --- the pending patch --------------------------------------------------------------------

    def set_account(self, address: bytes, **changes: Any) -> None:
        """Set balance, nonce or code of an account in the pending patch."""
        self.patch[address] = replace(self.patch.get(address, AccountOverride()), **changes)

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        current = self.patch.get(address, AccountOverride())
        diff = tuple((s, v) for s, v in current.state_diff if s != slot) + ((slot, value),)
        self.patch[address] = replace(current, state_diff=diff)

    def overrides(self) -> Patch:
        """Return the pending patch as call/build overrides (a frozen copy)."""
        return tuple(self.patch.items())

    def applied(self, patch: Patch) -> None:
        """Drop the entries a stored block applied (unless a cheat changed them since)."""
        for address, override in patch:
            if self.patch.get(address) is override:
                del self.patch[address]

    def account_state(self, address: bytes, nonce: int, balance: int) -> tuple[int, int]:
        """Return (nonce, balance) of an account with the patch over the head's values."""
        override = self.patch.get(address)
        if override is None:
            return nonce, balance
        return (override.nonce if override.nonce is not None else nonce,
                override.balance if override.balance is not None else balance)

    # --- snapshots ----------------------------------------------------------------------------

    def snapshot(self, head_number: int, head_hash: bytes) -> int:
        """Remember the head and the pending patch; return the snapshot id."""
        snapshot_id = self.next_snapshot
        self.next_snapshot += 1
        self.snapshots[snapshot_id] = Snapshot(head_number, head_hash, dict(self.patch))
        return snapshot_id

    def take_snapshot(self, snapshot_id: int) -> Snapshot | None:
        """Return a snapshot and forget it and every later one (each can be reverted to once)."""
        snapshot = self.snapshots.get(snapshot_id)
        if snapshot is not None:
            for later in [i for i in self.snapshots if i >= snapshot_id]:
                del self.snapshots[later]
            self.patch = dict(snapshot.patch)
        return snapshot


def impersonated_transaction(fields: dict[str, Any], sender: bytes) -> Transaction:
    """Return a transaction sent by `sender` without its key (anvil_impersonateAccount).

    The signature is a placeholder (r = 2**160 + sender, s = 1, parity 0) that no key made: it
    keeps the encoding valid and makes the hash unique to the sender. The sender is recorded,
    never recovered, as for every transaction the node stores.
    """
    unsigned = serializable_unsigned_transaction_from_dict(fields)
    v = 0 if isinstance(unsigned, TypedTransaction) else 35 + 2 * fields["chainId"]
    raw = encode_transaction(unsigned, vrs=(v, 2**160 + int.from_bytes(sender, "big"), 1))
    return decode_transaction(bytes(raw), sender=sender)
