"""The state column family as the mapping py-evm's trie reads and writes.

`StateView` is read-only over RocksDB: calls and RPC reads use it at any past state root (archive).
`StateOverlay` collects a block's new trie nodes and code in memory on top of the view, so that the
chain writes them in the same atomic batch as the block itself. Both are plain mappings; only
`execution/` hands them to py-evm.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from . import schema
from .kv import Store


class StateView(MutableMapping[bytes, bytes]):
    """Read-only access to state trie nodes and code; a write is a bug and raises."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getitem__(self, key: bytes) -> bytes:
        value = self._store.get(schema.STATE, key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and self._store.get(schema.STATE, key) is not None

    def exists(self, key: bytes) -> bool:
        return key in self

    def __setitem__(self, key: bytes, value: bytes) -> None:
        raise TypeError("state view is read-only")

    def __delitem__(self, key: bytes) -> None:
        raise TypeError("state view is read-only")

    def __iter__(self) -> Iterator[bytes]:
        raise TypeError("state is not iterable")

    def __len__(self) -> int:
        raise TypeError("state has no length")


class StateOverlay(StateView):
    """New state written by one block build, held in memory until the block is stored."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.writes: dict[bytes, bytes] = {}

    def __getitem__(self, key: bytes) -> bytes:
        value = self.writes.get(key)
        return value if value is not None else super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        return key in self.writes or super().__contains__(key)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def __delitem__(self, key: bytes) -> None:
        # An archive node never deletes trie nodes: old state roots stay readable.
        pass
