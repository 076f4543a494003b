"""`cmt-chain export FILE` and `cmt-chain import [--genesis genesis.json] FILE`: chains in files.

Export reads through a read-only secondary view, so it works beside a running node. Import
opens the data folder as the node would (so no node may be running on it), skips blocks it
already has, and re-executes every new block, refusing the first that does not reproduce its
header. With `--genesis`, import starts the folder from a geth genesis.json (an Ethereum chain with
its own forks, e.g. the execution-apis conformance chain). Both return the line the CLI prints,
with the rate measured.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import rlp

from . import errors, geth_genesis
from .block import Block
from .chainfile import read_blocks, write_blocks
from .config import Config
from .node import Node
from .storage import schema
from .storage.chaindb import ChainDB
from .storage.kv import open_secondary, open_store


def export_chain(config: Config, path: Path) -> str:
    """Write blocks 1..head of the data folder's chain to `path`."""
    database = config.data_dir / "chaindb"
    if not (database / "CURRENT").exists():
        raise errors.DataDirError(f"{database} holds no chain")
    with tempfile.TemporaryDirectory(prefix="cmt-export-") as view_dir:
        store = open_secondary(database, Path(view_dir))
        try:
            db = ChainDB(store)
            head_hash = db.head_hash()
            head = db.header(head_hash) if head_hash else None
            if head is None:
                raise errors.DataDirError(f"{database} has no head block")
            started = time.perf_counter()
            with open(path, "wb") as out:
                count = write_blocks(out, _canonical_blocks(db, head.number))
        finally:
            store.close()
    elapsed = time.perf_counter() - started
    return f"exported {count} blocks (1..{head.number}) to {path} in {elapsed:.2f} s"


def _start_from_geth_genesis(config: Config, genesis_file: Path) -> None:
    """Write the genesis of a geth genesis.json into a new data folder, or check it is there."""
    genesis = geth_genesis.load(genesis_file)
    store = open_store(config.data_dir / "chaindb", config.storage.sync_writes)
    try:
        block, writes = geth_genesis.make_block(store, genesis)
        db = ChainDB(store)
        stored = db.meta(schema.GENESIS_KEY)
        if stored is not None:
            if stored != block.hash:
                raise errors.DataDirError(
                    f"it holds a chain with genesis 0x{stored.hex()}, {genesis_file} gives "
                    f"0x{block.hash.hex()}: use another --data-dir or --reset")
            return
        db.write_block(block, (), writes, extra=[
            (schema.META, schema.GENESIS_KEY, block.hash),
            (schema.META, schema.CHAIN_ID_KEY, genesis.spec.chain_id.to_bytes(8, "big")),
            (schema.META, schema.VERSION_KEY, schema.SCHEMA_VERSION.to_bytes(4, "big")),
            (schema.META, schema.VALIDATORS_KEY, rlp.encode([])),
            (schema.META, schema.CHAIN_SPEC_KEY, genesis.spec.to_json().encode()),
        ])
    finally:
        store.close()


def _canonical_blocks(db: ChainDB, last: int) -> Iterator[Block]:
    for number in range(1, last + 1):
        block_hash = db.canonical_hash(number)
        block = db.block(block_hash) if block_hash else None
        if block is None:
            raise errors.DataDirError(f"block {number} is missing")
        yield block


def import_chain(config: Config, path: Path, genesis_file: Path | None = None) -> str:
    """Import the blocks of `path` that extend the data folder's chain.

    With `genesis_file` (geth's genesis.json) the data folder holds that chain: a new folder
    starts from its genesis, an existing one must already hold it.
    """
    if genesis_file is not None:
        _start_from_geth_genesis(config, genesis_file)
    node = Node.open(config)
    try:
        imported = transactions = 0
        started = time.perf_counter()
        for block in read_blocks(path):
            chain = node.chain
            if block.number <= chain.head.number:
                known = chain.header_by_number(block.number)
                if known is None or known.hash != block.hash:
                    raise errors.InvalidBlock(f"block {block.number} differs from the chain here")
                continue
            try:
                chain.import_block(block, None)
            except errors.InvalidBlock as exc:
                raise errors.InvalidBlock(f"block {block.number}: {exc.detail}") from None
            imported += 1
            transactions += len(block.transactions)
        elapsed = max(time.perf_counter() - started, 1e-9)
        head = node.chain.head.number
    finally:
        node.store.close()
    return (f"imported {imported} blocks and {transactions} transactions in {elapsed:.2f} s "
            f"({imported / elapsed:.1f} blocks/s, {transactions / elapsed:.1f} tx/s); "
            f"head {head}")
