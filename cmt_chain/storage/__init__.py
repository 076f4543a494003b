"""Persistent storage: RocksDB (rocksdict) column families, the key layout, and the chain database.

`schema` holds every key layout; `kv` opens RocksDB and applies atomic write batches; `chaindb`
reads and writes blocks, receipts, indexes and the head; `state` adapts the state column family
to the key-value interface that execution hands to py-evm.
"""
