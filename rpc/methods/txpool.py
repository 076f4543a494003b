"""The `txpool_` namespace: what waits in the pool, as geth serves it (Blockscout reads it).

Senders are checksummed keys and nonces decimal strings, as geth writes them.
"""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from cmt_chain.transaction import Transaction

from .. import params as p
from .. import serialize as s
from ..jsonrpc import Context, method


def _by_sender(groups: dict[bytes, list[Transaction]], render: Any) -> dict[str, Any]:
    return {to_checksum_address(sender): {str(tx.nonce): render(tx) for tx in txs}
            for sender, txs in groups.items()}


def _summary(tx: Transaction) -> str:
    target = to_checksum_address(tx.to) if tx.to else "contract creation"
    return f"{target}: {tx.value} wei + {tx.gas} gas × {tx.max_fee_per_gas} wei"


@method("txpool_status")
async def txpool_status(ctx: Context) -> dict[str, str]:
    pending, queued = ctx.node.pool.content()
    return {"pending": s.qty(sum(map(len, pending.values()))),
            "queued": s.qty(sum(map(len, queued.values())))}


@method("txpool_content")
async def txpool_content(ctx: Context) -> dict[str, Any]:
    pending, queued = ctx.node.pool.content()
    return {"pending": _by_sender(pending, s.transaction),
            "queued": _by_sender(queued, s.transaction)}


@method("txpool_contentFrom", p.address)
async def txpool_contentFrom(ctx: Context, sender: bytes) -> dict[str, Any]:
    pending, queued = ctx.node.pool.content()
    return {"pending": {str(tx.nonce): s.transaction(tx) for tx in pending.get(sender, [])},
            "queued": {str(tx.nonce): s.transaction(tx) for tx in queued.get(sender, [])}}


@method("txpool_inspect")
async def txpool_inspect(ctx: Context) -> dict[str, Any]:
    pending, queued = ctx.node.pool.content()
    return {"pending": _by_sender(pending, _summary), "queued": _by_sender(queued, _summary)}
