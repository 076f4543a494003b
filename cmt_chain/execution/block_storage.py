"""Contract storage for block building: each storage trie updated in one pass per block.

py-evm's `StorageLookup` writes every changed slot into the account's storage trie one by one when
the block's root is computed, re-encoding and re-hashing the path to the root for each slot: an
ERC-20 block changes two slots of one token's trie per transfer. `BatchStorageLookup` keeps the
changes and applies them together through `patricia.update_trie` the first time anything needs
the trie (a read of an uncached slot, the new root, a commit, a storage wipe). Reads go through
`NodeCachingTrie`. The result is the same trie (tests/unit/test_execution_equivalence.py).
Used by `block_state.BlockAccountDB`.
"""

from __future__ import annotations

from typing import Any

from eth.db.batch import BatchDB
from eth.db.cache import CacheDB
from eth.db.journal import JournalDB
from eth.db.storage import AccountStorageDB, StorageLookup

from ..patricia import update_trie
from .node_cache import NodeCachingTrie


class BatchStorageLookup(StorageLookup):
    """A `StorageLookup` that defers slot writes and applies them to the trie together."""

    def __init__(self, db: Any, storage_root: Any, address: Any) -> None:
        self._pending: dict[bytes, bytes | None] = {}
        super().__init__(db, storage_root, address)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._get_write_trie()  # from now on the storage has a changed root
        self._pending[self._decode_key(key)] = value

    def __delitem__(self, key: bytes) -> None:
        self._get_write_trie()
        self._pending[self._decode_key(key)] = None

    def _flush(self) -> None:
        """Apply the pending writes to the write trie in one pass."""
        if not self._pending:
            return
        trie = self._get_write_trie()
        root, writes = update_trie(trie.db.__getitem__, trie.root_hash, self._pending)
        for node_hash, encoded in writes.items():
            trie.db[node_hash] = encoded
        trie.root_hash = root
        self._pending = {}

    def __getitem__(self, key: bytes) -> bytes:
        self._flush()
        return super().__getitem__(key)

    def _exists(self, key: bytes) -> bool:
        self._flush()
        return super()._exists(key)

    def get_changed_root(self) -> Any:
        self._flush()
        return super().get_changed_root()

    def commit_to(self, db: Any) -> None:
        self._flush()
        super().commit_to(db)

    def new_trie(self) -> int:
        self._flush()  # the writes so far belong to the trie being set aside
        return super().new_trie()

    def rollback_trie(self, trie_index: int) -> None:
        self._pending = {}  # they belonged to the trie being thrown away
        super().rollback_trie(trie_index)

    def _get_write_trie(self) -> Any:
        if self._trie_nodes_batch is None:
            self._trie_nodes_batch = BatchDB(self._db, read_through_deletes=True)
        if self._write_trie is None:
            self._write_trie = NodeCachingTrie(self._trie_nodes_batch,
                                               root_hash=self._starting_root_hash, prune=True)
        return self._write_trie

    def _get_read_trie(self) -> Any:
        if self._write_trie is not None:
            return self._write_trie
        return NodeCachingTrie(self._db, root_hash=self._starting_root_hash)


class BlockStorageDB(AccountStorageDB):
    """An account's storage over a `BatchStorageLookup`."""

    def __init__(self, db: Any, storage_root: Any, address: Any) -> None:
        super().__init__(db, storage_root, address)
        # py-evm's chain of storage layers, rebuilt over the batching lookup
        self._storage_lookup = BatchStorageLookup(db, storage_root, address)
        self._storage_cache = CacheDB(self._storage_lookup)
        self._locked_changes = JournalDB(self._storage_cache)
        self._journal_storage = JournalDB(self._locked_changes)
