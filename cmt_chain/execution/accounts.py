"""Account state: reads at any state root (the node is an archive) and the genesis state.

Called by `chain.py` and `node.py` for reads, and by `genesis.py` to write the first state;
`apply_overrides` lays account overrides over an open state (calls, and dev cheats in a build).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth_typing import Address, Hash32

from ..calls import AccountOverride
from ..storage.kv import Store
from ..storage.state import StateOverlay, StateView
from .block_state import BlockAccountDB


class AccountReader:
    """Reads accounts at one state root (any past block: the node is an archive)."""

    def __init__(self, store: Store, state_root: bytes) -> None:
        # the block builder's account store: its trie reads decode each node once per process
        self._db = BlockAccountDB(AtomicDB(_as_db(StateView(store))), Hash32(state_root))

    def balance(self, address: bytes) -> int:
        return self._db.get_balance(Address(address))

    def nonce(self, address: bytes) -> int:
        return self._db.get_nonce(Address(address))

    def code(self, address: bytes) -> bytes:
        return self._db.get_code(Address(address))

    def storage(self, address: bytes, slot: int) -> int:
        return self._db.get_storage(Address(address), slot)


def apply_overrides(state: Any, accounts: tuple[tuple[bytes, AccountOverride], ...]) -> None:
    """Set the overridden balance, nonce, code and storage of each account in `state`."""
    for raw_address, override in accounts:
        address = Address(raw_address)
        if override.balance is not None:
            state.set_balance(address, override.balance)
        if override.nonce is not None:
            state.set_nonce(address, override.nonce)
        if override.code is not None:
            state.set_code(address, override.code)
        if override.state is not None:
            state.delete_storage(address)
        for slot, value in (override.state or ()) + override.state_diff:
            state.set_storage(address, slot, value)
    state.lock_changes()  # overrides are the starting point, not a transaction's own writes


def _as_db(mapping: StateView) -> Any:
    """Hand a storage mapping to py-evm, which duck-types its databases."""
    return mapping


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    address: bytes
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: tuple[tuple[int, int], ...] = ()


def genesis_state(store: Store, accounts: Iterable[GenesisAccount],
                  ) -> tuple[bytes, dict[bytes, bytes]]:
    """Write the genesis accounts into a new state; return its root and the writes to store."""
    overlay = StateOverlay(store)
    return write_accounts(overlay, accounts), overlay.writes


def write_accounts(overlay: StateOverlay, accounts: Iterable[GenesisAccount]) -> bytes:
    """Write accounts into an empty state held in `overlay`; return the state root."""
    account_db = AccountDB(AtomicDB(_as_db(overlay)), BLANK_ROOT_HASH)
    for account in accounts:
        address = Address(account.address)
        account_db.set_balance(address, account.balance)
        account_db.set_nonce(address, account.nonce)
        if account.code:
            account_db.set_code(address, account.code)
        for slot, value in account.storage:
            account_db.set_storage(address, slot, value)
    account_db.persist()
    return account_db.state_root
