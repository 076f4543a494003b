"""Otterscan's API (level 8) and erigon_getHeaderByNumber: block pages, address history from
the address index, contract creators, and call traces shaped for Otterscan.

Address searches read the index written with each block (`cmt_chain/address_index.py`), after
bringing its internal-call part up to the head; traces come from the same re-execution as
`debug_trace*` (`Node.replay`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from cmt_chain import address_index, errors
from cmt_chain.block import Block
from cmt_chain.node import BlockRef
from cmt_chain.traces import CallFrame, internal_operations

from .. import params as p
from .. import params_trace as pt
from .. import serialize as s
from .. import serialize_trace as st
from ..jsonrpc import Context, method

API_LEVEL = 8
MAX_PAGE = 1000  # transactions one search or block page may ask for


@method("ots_getApiLevel")
async def ots_getApiLevel(ctx: Context) -> int:
    return API_LEVEL


@method("erigon_getHeaderByNumber", pt.ots_block)
async def erigon_getHeaderByNumber(ctx: Context, ref: BlockRef) -> dict[str, Any] | None:
    try:
        return s.header(ctx.node.resolve(ref))
    except errors.UnknownBlock:
        return None


@method("ots_hasCode", p.address, pt.ots_block)
async def ots_hasCode(ctx: Context, address: bytes, ref: BlockRef) -> bool:
    return bool(ctx.node.state(ref).code(address))


def _block(ctx: Context, ref: BlockRef) -> Block | None:
    try:
        header = ctx.node.resolve(ref)
    except errors.UnknownBlock:
        return None
    return ctx.node.chain.block_by_hash(header.hash)


def _details(ctx: Context, block: Block | None) -> dict[str, Any] | None:
    if block is None:
        return None
    receipts = ctx.node.chain.receipts(block.hash) or ()
    base_fee = block.header.base_fee_per_gas
    fees = sum(tx.effective_gas_price(base_fee) * r.gas_used
               for tx, r in zip(block.transactions, receipts, strict=False))
    return st.ots_block_details(block, fees)


@method("ots_getBlockDetails", pt.ots_block)
async def ots_getBlockDetails(ctx: Context, ref: BlockRef) -> dict[str, Any] | None:
    return _details(ctx, _block(ctx, ref))


@method("ots_getBlockDetailsByHash", p.hash32)
async def ots_getBlockDetailsByHash(ctx: Context, block_hash: bytes) -> dict[str, Any] | None:
    return _details(ctx, ctx.node.chain.block_by_hash(block_hash))


def _page_size(value: Any) -> int:
    size = pt.page_size(value)
    if not 0 < size <= MAX_PAGE:
        raise errors.QueryLimitExceeded(f"page size must be 1..{MAX_PAGE}")
    return size


@method("ots_getBlockTransactions", pt.ots_block, pt.page_size, pt.page_size)
async def ots_getBlockTransactions(ctx: Context, ref: BlockRef, page: int,
                                   size: int) -> dict[str, Any] | None:
    block = _block(ctx, ref)
    if block is None:
        return None
    receipts = ctx.node.chain.receipts(block.hash) or ()
    return st.ots_block_transactions(block, receipts, page, _page_size(size))


def _search(ctx: Context, page: address_index.SearchPage) -> dict[str, Any]:
    found = []
    for number, index in page.found:
        block = ctx.node.chain.block_by_number(number)
        if block is None:
            continue
        found.append((block, ctx.node.chain.receipts(block.hash) or (), index))
    return st.ots_search(found, page.first_page, page.last_page)


@method("ots_searchTransactionsBefore", p.address, pt.block_number, pt.page_size)
async def ots_searchTransactionsBefore(ctx: Context, address: bytes, number: int,
                                       size: int) -> dict[str, Any]:
    await asyncio.to_thread(ctx.node.replay.index_internal)
    page = address_index.search_before(ctx.node.chain.db, address, number, _page_size(size),
                                       ctx.node.chain.head.number)
    return _search(ctx, page)


@method("ots_searchTransactionsAfter", p.address, pt.block_number, pt.page_size)
async def ots_searchTransactionsAfter(ctx: Context, address: bytes, number: int,
                                      size: int) -> dict[str, Any]:
    await asyncio.to_thread(ctx.node.replay.index_internal)
    page = address_index.search_after(ctx.node.chain.db, address, number, _page_size(size),
                                      ctx.node.chain.head.number)
    return _search(ctx, page)


@method("ots_getTransactionBySenderAndNonce", p.address, pt.block_number)
async def ots_getTransactionBySenderAndNonce(ctx: Context, sender: bytes,
                                             nonce: int) -> str | None:
    tx_hash = ctx.node.chain.db.tx_by_sender_nonce(sender, nonce)
    return s.hexb(tx_hash) if tx_hash is not None and ctx.node.chain.transaction(
        tx_hash) is not None else None


@method("ots_getContractCreator", p.address)
async def ots_getContractCreator(ctx: Context, address: bytes) -> dict[str, str] | None:
    found = await asyncio.to_thread(ctx.node.replay.contract_creator, address)
    return {"hash": s.hexb(found[0]), "creator": s.hexb(found[1])} if found else None


async def _tree(ctx: Context, tx_hash: bytes) -> CallFrame | None:
    found = await asyncio.to_thread(ctx.node.replay.call_tree, tx_hash)
    return found[0] if found is not None else None


@method("ots_traceTransaction", p.hash32)
async def ots_traceTransaction(ctx: Context, tx_hash: bytes) -> list[dict[str, Any]] | None:
    tree = await _tree(ctx, tx_hash)
    return st.ots_trace(tree) if tree is not None else None


@method("ots_getInternalOperations", p.hash32)
async def ots_getInternalOperations(ctx: Context, tx_hash: bytes,
                                    ) -> list[dict[str, Any]] | None:
    tree = await _tree(ctx, tx_hash)
    return st.ots_operations(internal_operations(tree)) if tree is not None else None


@method("ots_getTransactionError", p.hash32)
async def ots_getTransactionError(ctx: Context, tx_hash: bytes) -> str | None:
    found = ctx.node.chain.receipt(tx_hash)
    if found is None:
        return None
    if found[0].status == 1:
        return "0x"
    tree = await _tree(ctx, tx_hash)
    return s.hexb(tree.output if tree is not None else b"")
