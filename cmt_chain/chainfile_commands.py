"""`cmt-chain export FILE` and `cmt-chain import FILE`: moving a chain through a file.

Export reads through a read-only secondary view, so it works beside a running node. Import
opens the data folder as the node would (so no node may be running on it), skips blocks it
already has, and re-executes every new block, refusing the first that does not reproduce its
header. Both return the line the CLI prints, with the rate measured.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import errors
from .block import Block
from .chainfile import read_blocks, write_blocks
from .config import Config
from .node import Node
from .storage.chaindb import ChainDB
from .storage.kv import open_secondary


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


def _canonical_blocks(db: ChainDB, last: int) -> Iterator[Block]:
    for number in range(1, last + 1):
        block_hash = db.canonical_hash(number)
        block = db.block(block_hash) if block_hash else None
        if block is None:
            raise errors.DataDirError(f"block {number} is missing")
        yield block


def import_chain(config: Config, path: Path) -> str:
    """Import the blocks of `path` that extend the data folder's chain."""
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
