"""Block headers and blocks as frozen dataclasses, with their standard Ethereum RLP encoding.

The header is the post-Prague Ethereum header; fields added by later forks are `None` on older
blocks and are left out of the encoding, as the forks define. Storage, consensus, the producer
and the RPC serializer use these types; execution converts them to py-evm's at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import rlp
from eth_hash.auto import keccak

from .transaction import Transaction

EMPTY_UNCLES_HASH = keccak(rlp.encode([]))
EMPTY_TRIE_ROOT = keccak(rlp.encode(b""))
ZERO_HASH = b"\x00" * 32
ZERO_ADDRESS = b"\x00" * 20

# Fields in wire order; the trailing optional ones appear from London, Shanghai, Cancun, Prague.
_BASE_FIELDS = (
    "parent_hash", "uncles_hash", "coinbase", "state_root", "transactions_root",
    "receipts_root", "logs_bloom", "difficulty", "number", "gas_limit", "gas_used",
    "timestamp", "extra_data", "mix_hash", "nonce",
)
_OPTIONAL_FIELDS = (
    "base_fee_per_gas", "withdrawals_root", "blob_gas_used", "excess_blob_gas",
    "parent_beacon_block_root", "requests_hash",
)
_INT_FIELDS = frozenset({
    "difficulty", "number", "gas_limit", "gas_used", "timestamp", "base_fee_per_gas",
    "blob_gas_used", "excess_blob_gas",
})


@dataclass(frozen=True, slots=True)
class Header:
    parent_hash: bytes
    coinbase: bytes
    state_root: bytes
    transactions_root: bytes
    receipts_root: bytes
    logs_bloom: bytes
    number: int
    gas_limit: int
    gas_used: int
    timestamp: int
    extra_data: bytes = b""
    uncles_hash: bytes = EMPTY_UNCLES_HASH
    difficulty: int = 0
    mix_hash: bytes = ZERO_HASH
    nonce: bytes = b"\x00" * 8
    base_fee_per_gas: int | None = None
    withdrawals_root: bytes | None = None
    blob_gas_used: int | None = None
    excess_blob_gas: int | None = None
    parent_beacon_block_root: bytes | None = None
    requests_hash: bytes | None = None
    hash: bytes = field(default=b"", compare=False)

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", keccak(self.encode()))

    def encode(self) -> bytes:
        """Return the header's RLP encoding (its hash is keccak of this)."""
        return rlp.encode(self.rlp_fields())

    def rlp_fields(self) -> list[Any]:
        values = [getattr(self, name) for name in _BASE_FIELDS]
        for name in _OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is None:
                break
            values.append(value)
        return values

    def with_changes(self, **changes: Any) -> Header:
        """Return a copy with fields changed and the hash recomputed."""
        return replace(self, hash=b"", **changes)

    @classmethod
    def decode(cls, data: bytes) -> Header:
        return cls.from_rlp_fields(rlp.decode(data), keccak(data))

    @classmethod
    def from_rlp_fields(cls, items: list[Any], header_hash: bytes = b"") -> Header:
        names = _BASE_FIELDS + _OPTIONAL_FIELDS
        if not len(_BASE_FIELDS) <= len(items) <= len(names):
            raise ValueError(f"header has {len(items)} fields")
        values = {
            name: rlp.sedes.big_endian_int.deserialize(item) if name in _INT_FIELDS else item
            for name, item in zip(names, items, strict=False)
        }
        return cls(**values, hash=header_hash)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    index: int
    validator_index: int
    address: bytes
    amount: int  # gwei

    def rlp_fields(self) -> list[Any]:
        return [self.index, self.validator_index, self.address, self.amount]


@dataclass(frozen=True, slots=True)
class Block:
    header: Header
    transactions: tuple[Transaction, ...] = ()
    uncles: tuple[Header, ...] = ()
    withdrawals: tuple[Withdrawal, ...] | None = None

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def number(self) -> int:
        return self.header.number

    def encode(self) -> bytes:
        """Return the block's RLP as served by `debug_getRawBlock`."""
        items: list[Any] = [
            self.header.rlp_fields(),
            [tx.rlp_item() for tx in self.transactions],
            [uncle.rlp_fields() for uncle in self.uncles],
        ]
        if self.withdrawals is not None:
            items.append([w.rlp_fields() for w in self.withdrawals])
        return rlp.encode(items)

    def size(self) -> int:
        return len(self.encode())


@dataclass(frozen=True, slots=True)
class PayloadAttributes:
    """What a block is built from besides its transactions (the engine API's attributes)."""

    timestamp: int
    prev_randao: bytes
    fee_recipient: bytes
    withdrawals: tuple[Withdrawal, ...] = ()
    parent_beacon_block_root: bytes = ZERO_HASH
