"""geth's tracing debug methods: debug_traceTransaction, debug_traceCall, debug_traceBlockByNumber
and debug_traceBlockByHash, with the default struct logger, callTracer and prestateTracer.

Tracing re-executes in a worker thread (`Node.replay`); a trace past its `timeout` fails with
geth's "execution timeout". Blockscout and other explorers index a node through these.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cmt_chain import errors
from cmt_chain.block import Block
from cmt_chain.calls import NO_OVERRIDES, CallOverrides, CallRequest
from cmt_chain.node import BlockRef
from cmt_chain.traces import TraceConfig

from .. import params as p
from .. import params_trace as pt
from .. import serialize_trace as st
from ..jsonrpc import Context, method, optional

LATEST = BlockRef("latest")
DEFAULT = TraceConfig()


@method("debug_traceTransaction", p.hash32, optional(pt.trace_config, DEFAULT))
async def debug_traceTransaction(ctx: Context, tx_hash: bytes, config: TraceConfig) -> Any:
    trace = await asyncio.to_thread(ctx.node.replay.transaction, tx_hash, config)
    if trace is None:  # worded as Blockscout matches it (geth's older text)
        raise errors.TraceFailed(f"transaction {tx_hash.hex()} not found")
    if trace.error:
        raise errors.TraceFailed(trace.error)
    return st.tracer_result(trace.result, config)


async def _trace_block(ctx: Context, block: Block | None, what: str,
                       config: TraceConfig) -> list[dict[str, Any]]:
    if block is None:
        raise errors.TraceFailed(f"block {what} not found")
    if block.header.number == 0:  # no parent state to re-execute on, as geth says
        raise errors.TraceFailed("genesis is not traceable")
    traces = await asyncio.to_thread(ctx.node.replay.block, block, config)
    return st.block_traces(traces, config)


@method("debug_traceBlockByNumber", p.block_number_or_tag, optional(pt.trace_config, DEFAULT))
async def debug_traceBlockByNumber(ctx: Context, ref: BlockRef, config: TraceConfig) -> Any:
    header = ctx.node.resolve(ref)
    return await _trace_block(ctx, ctx.node.chain.block_by_hash(header.hash),
                              f"#{header.number}", config)


@method("debug_traceBlockByHash", p.hash32, optional(pt.trace_config, DEFAULT))
async def debug_traceBlockByHash(ctx: Context, block_hash: bytes, config: TraceConfig) -> Any:
    return await _trace_block(ctx, ctx.node.chain.block_by_hash(block_hash),
                              "0x" + block_hash.hex(), config)


@method("debug_traceCall", p.call_request, optional(p.block_ref, LATEST),
        optional(pt.call_trace_config, (DEFAULT, NO_OVERRIDES)))
async def debug_traceCall(ctx: Context, request: CallRequest, ref: BlockRef,
                          options: tuple[TraceConfig, CallOverrides]) -> Any:
    config, overrides = options
    header = ctx.node.resolve(ref)
    trace = await asyncio.to_thread(ctx.node.replay.call, header, request, config,
                                    ctx.node.config.rpc.gas_cap, overrides)
    if trace.error:
        raise errors.TraceFailed(trace.error)
    return st.tracer_result(trace.result, config)
