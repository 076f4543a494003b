"""RocksDB through rocksdict: opening the database with its column families and atomic batches.

`open_store(path)` is called once by `node.py`; `Store.write` applies one batch of puts across
column families atomically (and, when configured, synced to disk), which is how a block and all
its indexes land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import rocksdict

from ..errors import DataDirError
from . import schema

Put = tuple[str, bytes, bytes]  # (column family, key, value)


class Store:
    """An open RocksDB database with the node's column families.

    With `secondary_path` it is a read-only secondary instance of a database another process
    writes (the block executor's view); `catch_up` then brings in the primary's latest writes.
    """

    def __init__(self, path: Path, sync_writes: bool = True,
                 secondary_path: Path | None = None) -> None:
        options = _options()
        families = {name: _options() for name in schema.COLUMN_FAMILIES}
        access = None
        if secondary_path is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            options.set_max_open_files(-1)  # RocksDB requires it of secondary instances
            access = rocksdict.AccessType.secondary(str(secondary_path))
        try:
            self._db = rocksdict.Rdict(str(path), options, column_families=families,
                                       access_type=access or rocksdict.AccessType.read_write())
        except Exception as exc:  # rocksdict raises a bare Exception carrying RocksDB's status
            if "lock" in str(exc).lower():
                raise DataDirError(f"{path} is in use by another running node") from None
            raise DataDirError(f"{path}: cannot open the database: {exc}") from None
        self._families = {name: self._db.get_column_family(name) for name in families}
        self._handles = {name: self._db.get_column_family_handle(name) for name in families}
        self._write_options = rocksdict.WriteOptions()
        self._write_options.sync = sync_writes

    def catch_up(self) -> None:
        """Read the primary's newest writes (secondary instances only)."""
        self._db.try_catch_up_with_primary()

    def get(self, family: str, key: bytes) -> bytes | None:
        return self._families[family].get(key)

    def write(self, puts: Iterable[Put], deletes: Iterable[tuple[str, bytes]] = ()) -> None:
        """Apply all puts (and deletes) atomically: after a crash all of them or none are there."""
        batch = rocksdict.WriteBatch(raw_mode=True)
        for family, key, value in puts:
            batch.put(key, value, self._handles[family])
        for family, key in deletes:
            batch.delete(key, self._handles[family])
        self._db.write(batch, self._write_options)

    def iterate_from(self, family: str, start: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Yield (key, value) pairs of a column family in key order from `start`."""
        it = self._families[family].iter()
        it.seek(start)
        while it.valid():
            yield it.key(), it.value()
            it.next()

    def iterate_back_from(self, family: str, start: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Yield (key, value) pairs of a column family in reverse key order from `start`."""
        it = self._families[family].iter()
        it.seek_for_prev(start)
        while it.valid():
            yield it.key(), it.value()
            it.prev()

    def close(self) -> None:
        # Column family views hold the database open: close them before the database itself.
        for family in self._families.values():
            family.close()
        self._families.clear()
        self._handles.clear()
        self._db.close()


MEMTABLE_BYTES = 16 << 20  # per column family, before it is flushed to disk
ALL_MEMTABLES_BYTES = 64 << 20  # the whole database's memtables, all families together


def _options() -> rocksdict.Options:
    options = rocksdict.Options(raw_mode=True)
    options.create_if_missing(True)
    options.create_missing_column_families(True)
    # RocksDB's defaults let each of the dozen families hold up to 2 x 64 MiB of memtables, in
    # the node and again in the executor's secondary view: a long, busy run then grows by
    # hundreds of MiB. These caps keep memory flat; flushes are sequential writes, cheap.
    options.set_write_buffer_size(MEMTABLE_BYTES)
    options.set_db_write_buffer_size(ALL_MEMTABLES_BYTES)
    return options


def open_store(path: Path, sync_writes: bool = True) -> Store:
    """Open (or create) the node's database at `path`."""
    return Store(path, sync_writes)


def open_secondary(path: Path, secondary_path: Path) -> Store:
    """Open a read-only view of the database at `path` that another process writes."""
    secondary_path.mkdir(parents=True, exist_ok=True)
    return Store(path, secondary_path=secondary_path)
