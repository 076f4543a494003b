"""The chain database: blocks, receipts, the transaction index, canonical numbers and the head.

`write_block` stores a block, its receipts, its transactions' index entries, its canonical number,
the new head and the state it created in one atomic batch: after a crash the database holds the
block whole or not at all. Called by `chain.py` (the one writer) and read by it for every getter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import rlp

from ..block import Block, Header, Withdrawal
from ..receipt import Receipt
from ..transaction import Transaction, decode_transaction
from . import schema
from .kv import Put, Store

LOGS_BLOOM_FIELD = 6  # a header's fields: parent, uncles, coinbase, 3 roots, bloom, ...


class ChainDB:
    """Typed reads and atomic writes over the node's RocksDB store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- writes -------------------------------------------------------------------------------

    def write_block(
        self,
        block: Block,
        receipts: Sequence[Receipt],
        state_writes: dict[bytes, bytes],
        seal: bytes = b"",
        extra: Iterable[Put] = (),
    ) -> None:
        """Store the block as the new canonical head, with everything it created (the address
        index entries of its transactions too), atomically."""
        puts: list[Put] = [(schema.STATE, key, value) for key, value in state_writes.items()]
        puts += [
            (schema.HEADERS, block.hash, block.header.encode()),
            (schema.BODIES, block.hash, encode_body(block)),
            (schema.RECEIPTS, block.hash, rlp.encode([r.encode_storage() for r in receipts])),
            (schema.CANONICAL, schema.number_key(block.number), block.hash),
            (schema.META, schema.HEAD_KEY, block.hash),
        ]
        puts += [
            (schema.TX_INDEX, tx.hash, schema.tx_location_value(block.hash, index))
            for index, tx in enumerate(block.transactions)
        ]
        if seal:
            puts.append((schema.SEALS, block.hash, seal))
        puts += address_index_puts(block, receipts)
        puts += list(extra)
        self.store.write(puts)

    def rewind(self, head: Header, removed: Iterable[Block]) -> None:
        """Make `head` the head again, atomically: the removed blocks lose their canonical
        numbers and their transactions' index entries (their bodies stay, as geth's side chains).
        """
        removed = tuple(removed)
        deletes = [(schema.CANONICAL, schema.number_key(block.number)) for block in removed]
        deletes += [(schema.TX_INDEX, tx.hash) for block in removed for tx in block.transactions]
        for block in removed:  # the address index forgets them too
            receipts = self.receipts(block.hash) or ()
            deletes += [(family, key) for family, key, _ in address_index_puts(block, receipts)
                        if family != schema.META]
        self.store.write([(schema.META, schema.HEAD_KEY, head.hash),
                          (schema.META, schema.ADDRESS_INDEX_KEY,
                           schema.number_key(head.number))], deletes)

    # --- reads --------------------------------------------------------------------------------

    def head_hash(self) -> bytes | None:
        return self.store.get(schema.META, schema.HEAD_KEY)

    def meta(self, key: bytes) -> bytes | None:
        return self.store.get(schema.META, key)

    def canonical_hash(self, number: int) -> bytes | None:
        return self.store.get(schema.CANONICAL, schema.number_key(number))

    def header(self, block_hash: bytes) -> Header | None:
        data = self.store.get(schema.HEADERS, block_hash)
        return Header.decode(data) if data is not None else None

    def logs_bloom(self, block_hash: bytes) -> bytes | None:
        """Return a stored header's logs bloom without decoding the rest of the header."""
        data = self.store.get(schema.HEADERS, block_hash)
        return bytes(rlp.decode_lazy(data)[LOGS_BLOOM_FIELD]) if data is not None else None

    def block(self, block_hash: bytes) -> Block | None:
        header = self.header(block_hash)
        body = self.store.get(schema.BODIES, block_hash)
        if header is None or body is None:
            return None
        return decode_body(header, body)

    def receipts(self, block_hash: bytes) -> tuple[Receipt, ...] | None:
        data = self.store.get(schema.RECEIPTS, block_hash)
        if data is None:
            return None
        return tuple(Receipt.decode_storage(item) for item in rlp.decode(data))

    def seal(self, block_hash: bytes) -> bytes | None:
        return self.store.get(schema.SEALS, block_hash)

    def tx_location(self, tx_hash: bytes) -> tuple[bytes, int] | None:
        value = self.store.get(schema.TX_INDEX, tx_hash)
        return schema.parse_tx_location(value) if value is not None else None

    # --- the address index (Otterscan's searches) ----------------------------------------------

    def address_index_height(self) -> int | None:
        """Return the last block the address index covers; None if it was never built."""
        value = self.store.get(schema.META, schema.ADDRESS_INDEX_KEY)
        return int.from_bytes(value, "big") if value is not None else None

    def address_txs(self, address: bytes, number: int, backwards: bool,
                    family: str = schema.ADDRESS_TXS) -> Iterator[tuple[int, int, bytes]]:
        """Yield (block, tx index, block hash prefix) of the address's entries in `family`
        (ADDRESS_TXS, whose entries have no hash part, or INTERNAL_TXS) from block `number` on
        (inclusive), newest first if `backwards`, oldest first otherwise."""
        if backwards:
            start = schema.address_tx_key(address, number, 2**32 - 1) + b"\xff" * 8
            entries = self.store.iterate_back_from(family, start)
        else:
            entries = self.store.iterate_from(family, schema.address_tx_key(address, number, 0))
        for key, _ in entries:
            if key[:20] != address:
                return
            number_found, index = schema.parse_address_tx_key(key)
            yield number_found, index, key[32:]

    def tx_by_sender_nonce(self, sender: bytes, nonce: int) -> bytes | None:
        return self.store.get(schema.SENDER_NONCE, schema.sender_nonce_key(sender, nonce))


def address_index_puts(block: Block, receipts: Sequence[Receipt]) -> list[Put]:
    """Return the address index entries of a block: each transaction under its sender, its
    recipient and the contract it created, and under (sender, nonce); the index's new height."""
    puts: list[Put] = []
    for index, tx in enumerate(block.transactions):
        created = receipts[index].contract_address if index < len(receipts) else None
        for address in {tx.sender, tx.to, created} - {None}:
            assert address is not None
            puts.append((schema.ADDRESS_TXS, schema.address_tx_key(address, block.number, index),
                         b""))
        puts.append((schema.SENDER_NONCE, schema.sender_nonce_key(tx.sender, tx.nonce), tx.hash))
    puts.append((schema.META, schema.ADDRESS_INDEX_KEY, schema.number_key(block.number)))
    return puts


def encode_body(block: Block) -> bytes:
    items: list[object] = [
        [[tx.raw, tx.sender] for tx in block.transactions],
        [uncle.rlp_fields() for uncle in block.uncles],
    ]
    if block.withdrawals is not None:
        items.append([w.rlp_fields() for w in block.withdrawals])
    return rlp.encode(items)


def decode_body(header: Header, data: bytes) -> Block:
    items = rlp.decode(data)
    as_int = rlp.sedes.big_endian_int.deserialize
    transactions: tuple[Transaction, ...] = tuple(
        decode_transaction(raw, sender) for raw, sender in items[0]
    )
    withdrawals = None
    if len(items) > 2:
        withdrawals = tuple(
            Withdrawal(as_int(w[0]), as_int(w[1]), w[2], as_int(w[3])) for w in items[2]
        )
    return Block(
        header=header,
        transactions=transactions,
        uncles=tuple(Header.from_rlp_fields(u) for u in items[1]),
        withdrawals=withdrawals,
    )
