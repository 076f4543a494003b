"""geth's raw-encoding debug methods: blocks, headers, receipts and transactions as bytes.

`debug_getRawBlock` and `debug_getRawHeader` give the RLP, `debug_getRawReceipts` the consensus
encoding of each receipt (typed ones with their type byte), `debug_getRawTransaction` the
transaction's network encoding (mined or pooled). Explorers such as Blockscout read these.
"""

from __future__ import annotations

from cmt_chain import errors
from cmt_chain.block import Block
from cmt_chain.node import BlockRef

from .. import params as p
from .. import serialize as s
from ..jsonrpc import Context, method


def _block(ctx: Context, ref: BlockRef) -> Block:
    block = ctx.node.chain.block_by_hash(ctx.node.resolve(ref).hash)
    if block is None:
        raise errors.UnknownBlock()
    return block


@method("debug_getRawBlock", p.block_ref)
async def debug_getRawBlock(ctx: Context, ref: BlockRef) -> str:
    return s.hexb(_block(ctx, ref).encode())


@method("debug_getRawHeader", p.block_ref)
async def debug_getRawHeader(ctx: Context, ref: BlockRef) -> str:
    return s.hexb(ctx.node.resolve(ref).encode())


@method("debug_getRawReceipts", p.block_ref)
async def debug_getRawReceipts(ctx: Context, ref: BlockRef) -> list[str]:
    receipts = ctx.node.chain.receipts(_block(ctx, ref).hash) or ()
    return [s.hexb(r.encode_consensus()) for r in receipts]


@method("debug_getRawTransaction", p.hash32)
async def debug_getRawTransaction(ctx: Context, tx_hash: bytes) -> str | None:
    lookup = ctx.node.chain.transaction(tx_hash)
    tx = lookup.tx if lookup is not None else ctx.node.pool.get(tx_hash)
    return s.hexb(tx.raw) if tx is not None else None
