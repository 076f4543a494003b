"""Chain files: blocks as concatenated RLP `[header, transactions, uncles, withdrawals?]`.

The format geth's `export`/`import` use, so a chain moves between nodes and tools. `write_blocks`
serves `cmt-chain export`; `read_blocks` serves `cmt-chain import`, which re-executes every block
(`Chain.import_block`) so nothing in a file is trusted but its order. Called by `__main__.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import rlp
from rlp.codec import consume_length_prefix

from . import errors
from .block import Block, Header, Withdrawal
from .transaction import decode_block_item


def write_blocks(out: BinaryIO, blocks: Iterable[Block]) -> int:
    """Write blocks to `out`; return how many."""
    count = 0
    for block in blocks:
        out.write(block.encode())
        count += 1
    return count


def read_blocks(path: Path) -> Iterator[Block]:
    """Yield the blocks of a chain file in order; raise InvalidBlock on a malformed one."""
    data = path.read_bytes()
    position = 0
    while position < len(data):
        try:
            _, kind, length, start = consume_length_prefix(data, position)
        except rlp.DecodingError as exc:
            raise errors.InvalidBlock(f"byte {position}: {exc}") from None
        end = start + length
        if kind is not list or end > len(data):
            raise errors.InvalidBlock(f"byte {position}: not a complete block")
        yield decode_block(data[position:end])
        position = end


def decode_block(encoded: bytes) -> Block:
    """Decode one block's RLP; raise InvalidBlock if it is not a block."""
    try:
        items = rlp.decode(encoded)
        return _block_from_items(items)
    except errors.InvalidBlock:
        raise
    except (rlp.DecodingError, ValueError, TypeError, IndexError, errors.ChainError) as exc:
        raise errors.InvalidBlock(f"undecodable block: {exc}") from None


def _block_from_items(items: Any) -> Block:
    if not isinstance(items, list) or len(items) not in (3, 4):
        raise errors.InvalidBlock("a block is [header, transactions, uncles, withdrawals?]")
    as_int = rlp.sedes.big_endian_int.deserialize
    withdrawals = None
    if len(items) == 4:
        withdrawals = tuple(Withdrawal(as_int(w[0]), as_int(w[1]), w[2], as_int(w[3]))
                            for w in items[3])
    return Block(
        header=Header.from_rlp_fields(items[0]),
        transactions=tuple(decode_block_item(item) for item in items[1]),
        uncles=tuple(Header.from_rlp_fields(u) for u in items[2]),
        withdrawals=withdrawals,
    )
