"""Dev-mode methods (absent outside dev mode), as anvil and Hardhat serve them.

`evm_mine` and `anvil_mine`/`hardhat_mine` seal blocks now; `evm_setAutomine` and
`evm_setIntervalMining` switch the mining mode; `evm_increaseTime` and `evm_setNextBlockTimestamp`
move the clock of the blocks to come. The state cheats (`setBalance`, `setCode`, `setNonce`,
`setStorageAt`), impersonation, `dropTransaction` and the fee and coinbase setters exist under
both the `anvil_` and the `hardhat_` prefix (see `cmt_chain/cheats.py`); `evm_snapshot` and
`evm_revert` move the chain head back.
"""

from __future__ import annotations

from typing import Any

from cmt_chain.node import BlockRef

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


# --- state cheats, under both prefixes: anvil answers null, Hardhat true ------------------------


def _cheat(suffix: str, *params: Any) -> Any:
    """Register `handler` as anvil_<suffix> (returns None) and hardhat_<suffix> (returns true)."""

    def register(handler: Any) -> Any:
        async def anvil(ctx: Context, *args: Any) -> None:
            await handler(ctx, *args)

        async def hardhat(ctx: Context, *args: Any) -> bool:
            await handler(ctx, *args)
            return True

        method(f"anvil_{suffix}", *params, dev_only=True)(anvil)
        method(f"hardhat_{suffix}", *params, dev_only=True)(hardhat)
        return handler

    return register


@_cheat("setBalance", p.address, p.lenient_quantity)
async def set_balance(ctx: Context, address: bytes, balance: int) -> None:
    ctx.node.cheats.set_account(address, balance=balance)


def _nonce(value: Any) -> int:
    nonce = p.lenient_quantity(value)
    if nonce >= 2**64 - 1:
        raise InvalidParams("nonce out of range for uint64")
    return nonce


@method("anvil_setNonce", p.address, _nonce, dev_only=True)
async def anvil_setNonce(ctx: Context, address: bytes, nonce: int) -> None:
    ctx.node.cheats.set_account(address, nonce=nonce)


@method("hardhat_setNonce", p.address, _nonce, dev_only=True)
async def hardhat_setNonce(ctx: Context, address: bytes, nonce: int) -> bool:
    """Set the nonce, which Hardhat lets only grow."""
    current = ctx.node.transaction_count(address, BlockRef("latest"))
    if nonce < current:
        raise InvalidParams(f"New nonce ({nonce}) must not be smaller than the existing nonce "
                            f"({current})")
    ctx.node.cheats.set_account(address, nonce=nonce)
    return True


@_cheat("setCode", p.address, p.data)
async def set_code(ctx: Context, address: bytes, code: bytes) -> None:
    ctx.node.cheats.set_account(address, code=code)


@_cheat("setStorageAt", p.address, p.storage_slot, p.hash32)
async def set_storage_at(ctx: Context, address: bytes, slot: int, value: bytes) -> None:
    ctx.node.cheats.set_storage(address, slot, int.from_bytes(value, "big"))


@_cheat("impersonateAccount", p.address)
async def impersonate_account(ctx: Context, address: bytes) -> None:
    ctx.node.cheats.impersonated.add(address)


@_cheat("stopImpersonatingAccount", p.address)
async def stop_impersonating_account(ctx: Context, address: bytes) -> None:
    ctx.node.cheats.impersonated.discard(address)


@_cheat("setMinGasPrice", p.lenient_quantity)
async def set_min_gas_price(ctx: Context, price: int) -> None:
    ctx.node.set_min_gas_price(price)


@_cheat("setNextBlockBaseFeePerGas", p.lenient_quantity)
async def set_next_block_base_fee(ctx: Context, base_fee: int) -> None:
    ctx.node.chain.next_base_fee_override = base_fee


@_cheat("setCoinbase", p.address)
async def set_coinbase(ctx: Context, address: bytes) -> None:
    ctx.node.producer.coinbase_override = address


@method("anvil_dropTransaction", p.hash32, dev_only=True)
async def anvil_dropTransaction(ctx: Context, tx_hash: bytes) -> str | None:
    return s.hexb(tx_hash) if ctx.node.pool.drop(tx_hash) else None


@method("hardhat_dropTransaction", p.hash32, dev_only=True)
async def hardhat_dropTransaction(ctx: Context, tx_hash: bytes) -> bool:
    return bool(ctx.node.pool.drop(tx_hash))


# --- snapshots -----------------------------------------------------------------------------------


@method("evm_snapshot", dev_only=True)
async def evm_snapshot(ctx: Context) -> str:
    return s.qty(ctx.node.snapshot())


@method("evm_revert", p.lenient_quantity, dev_only=True)
async def evm_revert(ctx: Context, snapshot_id: int) -> bool:
    return bool(await ctx.node.revert(snapshot_id))
