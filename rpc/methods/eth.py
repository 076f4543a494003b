"""The `eth_` namespace: chain, state, transaction and fee reads, calls, and raw submission.

Each handler parses (through its declared params), calls the node, and serializes. Unknown hashes
and blocks give a `null` result; state reads at an unknown block give `header not found`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cmt_chain import errors
from cmt_chain.calls import NO_OVERRIDES, BlockOverride, CallOverrides
from cmt_chain.forks import MIN_BLOB_BASE_FEE
from cmt_chain.node import BlockRef

from .. import params as p
from .. import serialize as s
from ..errors import CLIENT_LIMIT_EXCEEDED, InvalidParams, RpcError
from ..jsonrpc import Context, method, optional

LATEST = BlockRef("latest")
MAX_FEE_HISTORY = 1024
MAX_STORAGE_SLOTS = 1024  # per eth_getStorageValues / eth_getProof call, as geth


@method("eth_chainId")
async def eth_chainId(ctx: Context) -> str:
    return s.qty(ctx.node.config.network.chain_id)


@method("eth_syncing")
async def eth_syncing(ctx: Context) -> bool:
    return False


@method("eth_blockNumber")
async def eth_blockNumber(ctx: Context) -> str:
    return s.qty(ctx.node.chain.head.number)


@method("eth_coinbase")
async def eth_coinbase(ctx: Context) -> str:
    return s.hexb(ctx.node.producer.coinbase)  # the validator, unless anvil_setCoinbase


@method("eth_mining")
async def eth_mining(ctx: Context) -> bool:
    return True


@method("eth_hashrate")
async def eth_hashrate(ctx: Context) -> str:
    return "0x0"


@method("eth_accounts")
async def eth_accounts(ctx: Context) -> list[str]:
    return [s.hexb(address) for address in ctx.node.dev_accounts]


@method("eth_getBalance", p.address, optional(p.block_ref, LATEST))
async def eth_getBalance(ctx: Context, address: bytes, ref: BlockRef) -> str:
    return s.qty(ctx.node.state(ref).balance(address))


@method("eth_getTransactionCount", p.address, optional(p.block_ref, LATEST))
async def eth_getTransactionCount(ctx: Context, address: bytes, ref: BlockRef) -> str:
    return s.qty(ctx.node.transaction_count(address, ref))


@method("eth_getCode", p.address, optional(p.block_ref, LATEST))
async def eth_getCode(ctx: Context, address: bytes, ref: BlockRef) -> str:
    return s.hexb(ctx.node.state(ref).code(address))


@method("eth_getStorageAt", p.address, p.storage_slot, optional(p.block_ref, LATEST))
async def eth_getStorageAt(ctx: Context, address: bytes, slot: int, ref: BlockRef) -> str:
    return f"0x{ctx.node.state(ref).storage(address, slot):064x}"


@method("eth_getStorageValues", p.storage_request, optional(p.block_ref, LATEST))
async def eth_getStorageValues(ctx: Context, request: Any, ref: BlockRef) -> dict[str, list[str]]:
    slots = sum(len(s) for _, s in request)
    if not slots:
        raise InvalidParams("empty request")
    if slots > MAX_STORAGE_SLOTS:
        raise RpcError(CLIENT_LIMIT_EXCEEDED, f"too many slots (max {MAX_STORAGE_SLOTS})")
    state = ctx.node.state(ref)
    return s.storage_values(tuple(
        (address, tuple(state.storage(address, slot) for slot in slots))
        for address, slots in request))


@method("eth_getProof", p.address, p.proof_keys, optional(p.block_ref, LATEST))
async def eth_getProof(ctx: Context, address: bytes, keys: tuple[tuple[int, bool], ...],
                       ref: BlockRef) -> dict[str, Any]:
    if len(keys) > MAX_STORAGE_SLOTS:
        raise RpcError(CLIENT_LIMIT_EXCEEDED, f"too many slots (max {MAX_STORAGE_SLOTS})")
    proof = ctx.node.proof(address, tuple(slot for slot, _ in keys), ref)
    return s.account_proof(proof, keys)


@method("eth_gasPrice")
async def eth_gasPrice(ctx: Context) -> str:
    return s.qty(ctx.node.gas_price())


@method("eth_maxPriorityFeePerGas")
async def eth_maxPriorityFeePerGas(ctx: Context) -> str:
    return s.qty(ctx.node.suggested_tip())


@method("eth_feeHistory", p.uint64_or_decimal, p.block_number_or_tag,
        optional(lambda v: _percentiles(v)))
async def eth_feeHistory(ctx: Context, count: int, newest: BlockRef,
                         percentiles: list[float] | None) -> dict[str, Any]:
    history = ctx.node.fee_history(min(count, MAX_FEE_HISTORY), newest, percentiles)
    out: dict[str, Any] = {
        "oldestBlock": s.qty(history.oldest),
        "baseFeePerGas": [s.qty(f) for f in history.base_fees],
        "gasUsedRatio": history.gas_used_ratios,
        "baseFeePerBlobGas": [s.qty(0) for _ in history.base_fees],
        "blobGasUsedRatio": [0.0 for _ in history.gas_used_ratios],
    }
    if percentiles is not None:
        out["reward"] = [[s.qty(r) for r in row] for row in history.rewards]
    return out


def _percentiles(value: Any) -> list[float]:
    if not isinstance(value, list) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise p.InvalidParams("reward percentiles must be an array of numbers")
    if any(not 0 <= x <= 100 for x in value) or value != sorted(value):
        raise p.InvalidParams("reward percentiles must be ascending values in [0, 100]")
    return [float(x) for x in value]


@method("eth_baseFee")
async def eth_baseFee(ctx: Context) -> str:
    """Return the base fee of the next block (execution-apis' eth_baseFee)."""
    return s.qty(ctx.node.chain.next_base_fee(ctx.node.chain.head))


@method("eth_blobBaseFee")
async def eth_blobBaseFee(ctx: Context) -> str:
    """Return the blob base fee: this chain carries no blobs, so EIP-4844's minimum."""
    return s.qty(MIN_BLOB_BASE_FEE)


@method("eth_config")
async def eth_config(ctx: Context) -> dict[str, Any]:
    """Return EIP-7910's fork configuration: Prague since genesis, no fork scheduled."""
    return {"current": s.fork_config(ctx.node.fork()), "next": None, "last": None}


@method("eth_call", p.call_request, optional(p.block_ref, LATEST),
        optional(p.state_overrides, NO_OVERRIDES), optional(p.block_overrides))
async def eth_call(ctx: Context, request: Any, ref: BlockRef, overrides: CallOverrides,
                   block: BlockOverride | None) -> str:
    overrides = dataclasses.replace(overrides, block=block)
    return s.hexb(await ctx.node.call(request, ref, overrides))


@method("eth_estimateGas", p.call_request, optional(p.block_ref, BlockRef("pending")),
        optional(p.state_overrides, NO_OVERRIDES), optional(p.block_overrides))
async def eth_estimateGas(ctx: Context, request: Any, ref: BlockRef, overrides: CallOverrides,
                          block: BlockOverride | None) -> str:
    overrides = dataclasses.replace(overrides, block=block)
    return s.qty(await ctx.node.estimate_gas(request, ref, overrides))


@method("eth_sendRawTransaction", p.data)
async def eth_sendRawTransaction(ctx: Context, raw: bytes) -> str:
    return s.hexb(ctx.node.submit_raw(raw))


@method("eth_getTransactionByHash", p.hash32)
async def eth_getTransactionByHash(ctx: Context, tx_hash: bytes) -> dict | None:
    lookup = ctx.node.chain.transaction(tx_hash)
    if lookup is not None:
        return s.transaction(lookup.tx, lookup.block, lookup.index)
    pending = ctx.node.pool.get(tx_hash)
    return s.transaction(pending) if pending is not None else None


@method("eth_getTransactionByBlockHashAndIndex", p.hash32, p.uint64)
async def eth_getTransactionByBlockHashAndIndex(ctx: Context, block_hash: bytes,
                                                index: int) -> dict | None:
    return _tx_at(ctx.node.chain.block_by_hash(block_hash), index)


@method("eth_getTransactionByBlockNumberAndIndex", p.block_number_or_tag, p.uint64)
async def eth_getTransactionByBlockNumberAndIndex(ctx: Context, ref: BlockRef,
                                                  index: int) -> dict | None:
    return _tx_at(_block(ctx, ref), index)


def _tx_at(block: Any, index: int) -> dict | None:
    if block is None or index >= len(block.transactions):
        return None
    return s.transaction(block.transactions[index], block, index)


def _block(ctx: Context, ref: BlockRef) -> Any:
    try:
        header = ctx.node.resolve(ref)
    except errors.UnknownBlock:
        return None
    return ctx.node.chain.block_by_hash(header.hash)


@method("eth_getTransactionReceipt", p.hash32)
async def eth_getTransactionReceipt(ctx: Context, tx_hash: bytes) -> dict | None:
    found = ctx.node.chain.receipt(tx_hash)
    if found is None:
        return None
    receipt, lookup = found
    receipts = ctx.node.chain.receipts(lookup.block.hash)
    first_log = sum(len(r.logs) for r in receipts[: lookup.index])
    return s.receipt(receipt, lookup.block, lookup.index, first_log)


@method("eth_getBlockReceipts", p.block_ref)
async def eth_getBlockReceipts(ctx: Context, ref: BlockRef) -> list | None:
    block = _block(ctx, ref)
    if block is None:
        return None
    return s.block_receipts(block, ctx.node.chain.receipts(block.hash))


@method("eth_getBlockByNumber", p.block_number_or_tag, optional(p.boolean, False))
async def eth_getBlockByNumber(ctx: Context, ref: BlockRef, full: bool) -> dict | None:
    block = _block(ctx, ref)
    return s.block(block, full) if block is not None else None


@method("eth_getBlockByHash", p.hash32, optional(p.boolean, False))
async def eth_getBlockByHash(ctx: Context, block_hash: bytes, full: bool) -> dict | None:
    block = ctx.node.chain.block_by_hash(block_hash)
    return s.block(block, full) if block is not None else None


@method("eth_getHeaderByNumber", p.block_number_or_tag)
async def eth_getHeaderByNumber(ctx: Context, ref: BlockRef) -> dict | None:
    block = _block(ctx, ref)
    return s.header(block.header) if block is not None else None


@method("eth_getHeaderByHash", p.hash32)
async def eth_getHeaderByHash(ctx: Context, block_hash: bytes) -> dict | None:
    block = ctx.node.chain.block_by_hash(block_hash)
    return s.header(block.header) if block is not None else None


@method("eth_getBlockTransactionCountByHash", p.hash32)
async def eth_getBlockTransactionCountByHash(ctx: Context, block_hash: bytes) -> str | None:
    block = ctx.node.chain.block_by_hash(block_hash)
    return s.qty(len(block.transactions)) if block is not None else None


@method("eth_getBlockTransactionCountByNumber", p.block_number_or_tag)
async def eth_getBlockTransactionCountByNumber(ctx: Context, ref: BlockRef) -> str | None:
    block = _block(ctx, ref)
    return s.qty(len(block.transactions)) if block is not None else None


@method("eth_getUncleCountByBlockHash", p.hash32)
async def eth_getUncleCountByBlockHash(ctx: Context, block_hash: bytes) -> str | None:
    block = ctx.node.chain.block_by_hash(block_hash)
    return s.qty(len(block.uncles)) if block is not None else None


@method("eth_getUncleCountByBlockNumber", p.block_number_or_tag)
async def eth_getUncleCountByBlockNumber(ctx: Context, ref: BlockRef) -> str | None:
    block = _block(ctx, ref)
    return s.qty(len(block.uncles)) if block is not None else None


@method("eth_getUncleByBlockHashAndIndex", p.hash32, p.uint64)
async def eth_getUncleByBlockHashAndIndex(ctx: Context, block_hash: bytes,
                                          index: int) -> dict | None:
    return _uncle_at(ctx.node.chain.block_by_hash(block_hash), index)


@method("eth_getUncleByBlockNumberAndIndex", p.block_number_or_tag, p.uint64)
async def eth_getUncleByBlockNumberAndIndex(ctx: Context, ref: BlockRef,
                                            index: int) -> dict | None:
    return _uncle_at(_block(ctx, ref), index)


def _uncle_at(block: Any, index: int) -> dict | None:
    if block is None or index >= len(block.uncles):
        return None
    return s.header(block.uncles[index])


@method("eth_getLogs", p.log_filter)
async def eth_getLogs(ctx: Context, criteria: Any) -> list[dict]:
    return [s.log(entry) for entry in ctx.node.logs(criteria)]
