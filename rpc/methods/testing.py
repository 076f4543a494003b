"""geth's `testing_` namespace (dev mode only): build a block on any block without storing it.

`testing_buildBlockV1(parentHash, payloadAttributes, transactions | null, extraData)` executes the
given transactions (or the pool's, for null) on the parent as the next block and returns it as the
engine API's payload envelope: the block a node would propose, for tests of block building.
"""

from __future__ import annotations

from typing import Any

from .. import params as p
from .. import serialize as s
from ..jsonrpc import Context, method, optional


@method("testing_buildBlockV1", p.hash32, p.payload_attributes,
        optional(p.raw_transactions_or_null), optional(p.data, b""), dev_only=True)
async def testing_buildBlockV1(ctx: Context, parent_hash: bytes, attributes: Any,
                               raws: list[bytes] | None, extra_data: bytes) -> dict[str, Any]:
    payload = await ctx.node.build_payload(parent_hash, attributes, raws, extra_data)
    built = payload.built
    return s.payload(built.header, built.transactions, payload.withdrawals, built.requests,
                     payload.value)
