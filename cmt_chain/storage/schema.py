"""Every key layout of the node's database, in one place.

Column families, and within each the bytes of every key. Block numbers are 8-byte big-endian so
that RocksDB's byte order is numeric order. Read by `kv.py` (which column families exist) and
`chaindb.py` (what each key holds); nothing else builds a key.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# column family -> what it holds
HEADERS = "headers"        # block hash -> header RLP
BODIES = "bodies"          # block hash -> RLP [[tx bytes, sender], ...], uncles, withdrawals?]
RECEIPTS = "receipts"      # block hash -> RLP [receipt storage record, ...]
CANONICAL = "canonical"    # number (8 bytes BE) -> block hash
TX_INDEX = "tx_index"      # tx hash -> block hash ++ index (4 bytes BE)
STATE = "state"            # trie node hash / code hash -> node / code (py-evm's layout)
SEALS = "seals"            # block hash -> 65-byte validator signature over the block hash
META = "meta"              # fixed keys below

COLUMN_FAMILIES = (HEADERS, BODIES, RECEIPTS, CANONICAL, TX_INDEX, STATE, SEALS, META)

# keys in META
HEAD_KEY = b"head"                  # -> hash of the canonical head block
GENESIS_KEY = b"genesis"            # -> hash of block 0
CHAIN_ID_KEY = b"chain_id"          # -> chain id, 8 bytes BE
VERSION_KEY = b"schema_version"     # -> SCHEMA_VERSION, 4 bytes BE
VALIDATORS_KEY = b"validators"      # -> RLP [address, ...] of the genesis validator set
CHAIN_SPEC_KEY = b"chain_spec"      # -> JSON: a geth genesis `config` (an imported chain's forks)


def number_key(number: int) -> bytes:
    """Return the key of a block number: 8 bytes big-endian."""
    return number.to_bytes(8, "big")


def tx_location_value(block_hash: bytes, index: int) -> bytes:
    return block_hash + index.to_bytes(4, "big")


def parse_tx_location(value: bytes) -> tuple[bytes, int]:
    return value[:32], int.from_bytes(value[32:36], "big")
