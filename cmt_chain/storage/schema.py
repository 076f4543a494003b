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
ADDRESS_TXS = "address_txs"    # address ++ number (8 BE) ++ tx index (4 BE) -> b"" (Otterscan)
SENDER_NONCE = "sender_nonce"  # sender ++ nonce (8 BE) -> tx hash
# address ++ number (8 BE) ++ tx index (4 BE) ++ block hash[:8] -> b"": addresses reached by
# internal calls, found by re-execution after the block; the hash part tells stale entries of a
# block that left the chain (evm_revert) from current ones
INTERNAL_TXS = "internal_txs"

COLUMN_FAMILIES = (HEADERS, BODIES, RECEIPTS, CANONICAL, TX_INDEX, STATE, SEALS, META,
                   ADDRESS_TXS, SENDER_NONCE, INTERNAL_TXS)

# keys in META
HEAD_KEY = b"head"                  # -> hash of the canonical head block
GENESIS_KEY = b"genesis"            # -> hash of block 0
CHAIN_ID_KEY = b"chain_id"          # -> chain id, 8 bytes BE
VERSION_KEY = b"schema_version"     # -> SCHEMA_VERSION, 4 bytes BE
VALIDATORS_KEY = b"validators"      # -> RLP [address, ...] of the genesis validator set
CHAIN_SPEC_KEY = b"chain_spec"      # -> JSON: a geth genesis `config` (an imported chain's forks)
ADDRESS_INDEX_KEY = b"address_index"  # -> 8 bytes BE: the last block in ADDRESS_TXS/SENDER_NONCE
INTERNAL_INDEX_KEY = b"internal_index"  # -> number (8 BE): the last block in INTERNAL_TXS


def number_key(number: int) -> bytes:
    """Return the key of a block number: 8 bytes big-endian."""
    return number.to_bytes(8, "big")


def tx_location_value(block_hash: bytes, index: int) -> bytes:
    return block_hash + index.to_bytes(4, "big")


def parse_tx_location(value: bytes) -> tuple[bytes, int]:
    return value[:32], int.from_bytes(value[32:36], "big")


def address_tx_key(address: bytes, number: int, index: int) -> bytes:
    """Return the key of one (address, block, transaction) entry of the address index."""
    return address + number.to_bytes(8, "big") + index.to_bytes(4, "big")


def parse_address_tx_key(key: bytes) -> tuple[int, int]:
    """Return the (block number, transaction index) of an address-index key."""
    return int.from_bytes(key[20:28], "big"), int.from_bytes(key[28:32], "big")


def sender_nonce_key(sender: bytes, nonce: int) -> bytes:
    return sender + nonce.to_bytes(8, "big")


def internal_tx_key(address: bytes, number: int, index: int, block_hash: bytes) -> bytes:
    """Return the key of one internal-call entry of the address index."""
    return address_tx_key(address, number, index) + block_hash[:8]


def internal_mark_key(number: int) -> bytes:
    """Return the META key that holds the hash of block `number` as the internal index saw it."""
    return b"internal_index/" + number.to_bytes(8, "big")
