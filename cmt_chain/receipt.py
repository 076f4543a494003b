"""Receipts and logs as frozen dataclasses, with the consensus (EIP-2718) receipt encoding.

Execution produces them; storage keeps them per block in the node's own compact record (which adds
each transaction's gas used and created address, so reads never re-derive them); the RPC serializer
places them in their block. `encode_consensus` is the encoding the receipts trie is built from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rlp
from eth_bloom import BloomFilter


@dataclass(frozen=True, slots=True)
class Log:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes

    def rlp_fields(self) -> list[Any]:
        return [self.address, list(self.topics), self.data]


@dataclass(frozen=True, slots=True)
class Receipt:
    tx_type: int
    status: int
    cumulative_gas_used: int
    logs: tuple[Log, ...]
    gas_used: int
    contract_address: bytes | None = None
    state_root: bytes | None = None  # pre-Byzantium receipts carry the post-state, not a status

    @property
    def bloom(self) -> bytes:
        return logs_bloom(self.logs)

    def encode_consensus(self) -> bytes:
        """Return the receipt as the receipts trie and `debug_getRawReceipts` carry it."""
        body = rlp.encode([
            self.status if self.state_root is None else self.state_root,
            self.cumulative_gas_used, self.bloom,
            [log.rlp_fields() for log in self.logs],
        ])
        return body if self.tx_type == 0 else bytes([self.tx_type]) + body

    def encode_storage(self) -> list[Any]:
        item = [
            self.tx_type, self.status, self.cumulative_gas_used, self.gas_used,
            self.contract_address or b"", [log.rlp_fields() for log in self.logs],
        ]
        return item if self.state_root is None else [*item, self.state_root]

    @classmethod
    def decode_storage(cls, item: list[Any]) -> Receipt:
        as_int = rlp.sedes.big_endian_int.deserialize
        return cls(
            tx_type=as_int(item[0]), status=as_int(item[1]),
            cumulative_gas_used=as_int(item[2]), gas_used=as_int(item[3]),
            contract_address=item[4] or None,
            logs=tuple(Log(address=log[0], topics=tuple(log[1]), data=log[2]) for log in item[5]),
            state_root=item[6] if len(item) > 6 else None,
        )


def logs_bloom(logs: Iterable[Log]) -> bytes:
    """Return the 2048-bit bloom of the logs' addresses and topics."""
    bloom = BloomFilter()
    for log in logs:
        bloom.add(log.address)
        for topic in log.topics:
            bloom.add(topic)
    return int(bloom).to_bytes(256, "big")


def combine_blooms(blooms: Iterable[bytes]) -> bytes:
    """Return the OR of several 256-byte blooms (a block's bloom from its receipts')."""
    value = 0
    for bloom in blooms:
        value |= int.from_bytes(bloom, "big")
    return value.to_bytes(256, "big")
