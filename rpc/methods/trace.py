"""The Parity (OpenEthereum / Erigon / reth) trace namespace: trace_transaction, trace_block,
trace_filter, trace_replayTransaction, trace_replayBlockTransactions and trace_call.

Traces are flat lists of calls, creates and self-destructs with their trace addresses, built from
the same call trees as geth's callTracer; `stateDiff` comes from the prestate tracer in diff
mode, `vmTrace` from an opcode tracer. graph-node's call handlers read `trace_filter`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cmt_chain import errors
from cmt_chain.block import Block
from cmt_chain.calls import CallRequest
from cmt_chain.node import BlockRef

from .. import params as p
from .. import params_trace as pt
from .. import serialize_trace as st
from ..jsonrpc import Context, method, optional

LATEST = BlockRef("latest")
MAX_FILTER_BLOCKS = 10_000  # blocks one trace_filter may replay


def _localized(ctx: Context, block: Block) -> list[dict[str, Any]]:
    trees = ctx.node.replay.call_trees(block)
    return [t for index, tree in enumerate(trees)
            for t in st.localized(st.parity_traces(tree), block, index)]


@method("trace_transaction", p.hash32)
async def trace_transaction(ctx: Context, tx_hash: bytes) -> list[dict[str, Any]] | None:
    found = await asyncio.to_thread(ctx.node.replay.call_tree, tx_hash)
    if found is None:
        return None
    tree, block, index = found
    return st.localized(st.parity_traces(tree), block, index)


@method("trace_block", p.block_number_or_tag)
async def trace_block(ctx: Context, ref: BlockRef) -> list[dict[str, Any]] | None:
    try:
        header = ctx.node.resolve(ref)
    except errors.UnknownBlock:
        return None
    block = ctx.node.chain.block_by_hash(header.hash)
    return await asyncio.to_thread(_localized, ctx, block) if block is not None else None


def _matches(trace: dict[str, Any], criteria: pt.TraceFilter) -> bool:
    action, result = trace["action"], trace.get("result") or {}
    sender = action.get("from") or action.get("address")
    receiver = action.get("to") or result.get("address") or action.get("refundAddress")
    if criteria.from_addresses is not None and (
            sender is None or bytes.fromhex(sender[2:]) not in criteria.from_addresses):
        return False
    return criteria.to_addresses is None or (
        receiver is not None and bytes.fromhex(receiver[2:]) in criteria.to_addresses)


def _bound(ref: BlockRef | None, default: int, head: int) -> int:
    if ref is None:
        return default
    if ref.number is not None:
        return ref.number
    return 0 if ref.tag == "earliest" else head


def _filter(ctx: Context, criteria: pt.TraceFilter) -> list[dict[str, Any]]:
    head = ctx.node.chain.head.number
    first = _bound(criteria.from_block, 0, head)
    last = min(_bound(criteria.to_block, head, head), head)
    if first > last:
        raise errors.InvalidBlockRange()
    if last - first + 1 > MAX_FILTER_BLOCKS:
        raise errors.QueryLimitExceeded(f"more than {MAX_FILTER_BLOCKS} blocks")
    found: list[dict[str, Any]] = []
    wanted = None if criteria.count is None else criteria.after + criteria.count
    for number in range(first, last + 1):
        block = ctx.node.replay.stored_block(number, skip_empty=True)
        if block is None or not block.transactions:
            continue
        found += [t for t in _localized(ctx, block) if _matches(t, criteria)]
        if wanted is not None and len(found) >= wanted:
            break
    return found[criteria.after:wanted]


@method("trace_filter", pt.trace_filter)
async def trace_filter(ctx: Context, criteria: pt.TraceFilter) -> list[dict[str, Any]]:
    return await asyncio.to_thread(_filter, ctx, criteria)


@method("trace_replayTransaction", p.hash32, pt.trace_types)
async def trace_replayTransaction(ctx: Context, tx_hash: bytes,
                                  types: frozenset[str]) -> dict[str, Any] | None:
    lookup = ctx.node.chain.transaction(tx_hash)
    if lookup is None:
        return None
    replayed = await asyncio.to_thread(ctx.node.replay.parity, lookup.block, [lookup.index],
                                       types)
    return st.replay(replayed[0], types, with_hash=False)


@method("trace_replayBlockTransactions", p.block_number_or_tag, pt.trace_types)
async def trace_replayBlockTransactions(ctx: Context, ref: BlockRef, types: frozenset[str],
                                        ) -> list[dict[str, Any]] | None:
    try:
        header = ctx.node.resolve(ref)
    except errors.UnknownBlock:
        return None
    block = ctx.node.chain.block_by_hash(header.hash)
    if block is None:
        return None
    replayed = await asyncio.to_thread(ctx.node.replay.parity, block, None, types)
    return [st.replay(r, types, with_hash=True) for r in replayed]


@method("trace_call", p.call_request, pt.trace_types, optional(p.block_ref, LATEST))
async def trace_call(ctx: Context, request: CallRequest, types: frozenset[str],
                     ref: BlockRef) -> dict[str, Any]:
    header = ctx.node.resolve(ref)
    replayed = await asyncio.to_thread(ctx.node.replay.parity_call, header, request, types,
                                       ctx.node.config.rpc.gas_cap)
    return st.replay(replayed, types, with_hash=False)


