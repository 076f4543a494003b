"""Dev-mode mining and clock methods (absent outside dev mode), as anvil and Hardhat serve them.

`evm_mine` and `anvil_mine`/`hardhat_mine` seal blocks now; `evm_setAutomine` and
`evm_setIntervalMining` switch the mining mode; `evm_increaseTime` and `evm_setNextBlockTimestamp`
move the clock of the blocks to come.
"""

from __future__ import annotations

from typing import Any

from .. import params as p
from .. import serialize as s
from ..errors import InvalidParams
from ..jsonrpc import Context, method, optional

MAX_BLOCKS_PER_CALL = 100_000


def _mine_options(value: Any) -> int | dict[str, Any]:
    """Accept a timestamp (quantity) or anvil's {"timestamp", "blocks"} object."""
    if isinstance(value, dict):
        return {"timestamp": p.optional_field(value, "timestamp", p.uint64),
                "blocks": p.optional_field(value, "blocks", p.uint64) or 1}
    return p.uint64(value)


@method("evm_mine", optional(_mine_options), dev_only=True)
async def evm_mine(ctx: Context, options: Any) -> str:
    timestamp, blocks = options, 1
    if isinstance(options, dict):
        timestamp, blocks = options["timestamp"], options["blocks"]
    await _mine(ctx, blocks, timestamp, 0)
    return "0x0"


async def _mine(ctx: Context, blocks: int, timestamp: int | None, spacing: int) -> None:
    if blocks > MAX_BLOCKS_PER_CALL:
        raise InvalidParams(f"at most {MAX_BLOCKS_PER_CALL} blocks per call")
    producer = ctx.node.producer
    for index in range(blocks):
        at = None
        if timestamp is not None:
            at = timestamp + index * spacing
        elif spacing and index:
            at = ctx.node.chain.head.timestamp + spacing
        await producer.produce(allow_empty=True, timestamp=at)


def _count(value: Any) -> int:
    return p.uint64_or_decimal(value)


async def _mine_many(ctx: Context, blocks: int | None, spacing: int | None) -> None:
    await _mine(ctx, 1 if blocks is None else blocks, None, spacing or 0)


@method("anvil_mine", optional(_count), optional(_count), dev_only=True)
async def anvil_mine(ctx: Context, blocks: int | None, spacing: int | None) -> None:
    await _mine_many(ctx, blocks, spacing)


@method("hardhat_mine", optional(_count), optional(_count), dev_only=True)
async def hardhat_mine(ctx: Context, blocks: int | None, spacing: int | None) -> None:
    await _mine_many(ctx, blocks, spacing)


@method("evm_setAutomine", p.boolean, dev_only=True)
async def evm_setAutomine(ctx: Context, enabled: bool) -> None:
    ctx.node.producer.set_mining(automine=enabled)


@method("evm_setIntervalMining", _count, dev_only=True)
async def evm_setIntervalMining(ctx: Context, seconds: int) -> None:
    """Mine every `seconds` (0 stops interval mining), with automine off, as Hardhat does."""
    ctx.node.producer.set_mining(automine=False, interval=float(seconds))


@method("evm_increaseTime", _count, dev_only=True)
async def evm_increaseTime(ctx: Context, seconds: int) -> str:
    return s.qty(ctx.node.producer.shift_time(seconds))


@method("evm_setNextBlockTimestamp", _count, dev_only=True)
async def evm_setNextBlockTimestamp(ctx: Context, timestamp: int) -> None:
    if timestamp <= ctx.node.chain.head.timestamp:
        raise InvalidParams(f"timestamp {timestamp} is not after the latest block's "
                            f"{ctx.node.chain.head.timestamp}")
    ctx.node.producer.next_timestamp = timestamp
