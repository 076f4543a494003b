"""eth_simulateV1: blocks of calls simulated on top of a block, as geth serves it.

Parses the request (`params_simulate.py`), has the node plan and run the blocks
(`cmt_chain/simulate.py`, `execution/simulate.py`), and serializes each block with its calls.
"""

from __future__ import annotations

from typing import Any

from cmt_chain.node import BlockRef
from cmt_chain.simulate import SimRequest

from .. import params as p
from .. import params_simulate as ps
from .. import serialize as s
from ..jsonrpc import Context, method, optional


@method("eth_simulateV1", ps.sim_request, optional(p.block_ref, BlockRef("latest")))
async def eth_simulateV1(ctx: Context, request: SimRequest, ref: BlockRef) -> list[dict[str, Any]]:
    blocks = await ctx.node.simulate(request, ref)
    return [s.simulated_block(b, request.full_transactions) for b in blocks]
