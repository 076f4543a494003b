"""The `cmt_` namespace: CyberMiles-specific conveniences over the chain.

`cmt_getContracts` lists the commerce templates preloaded at genesis (`cmt_chain/templates.py`)
with their names, fixed addresses and ABIs, so a wallet or shop front-end needs nothing else to
talk to the marketplace.
"""

from __future__ import annotations

from typing import Any

from cmt_chain import templates

from .. import serialize as s
from ..jsonrpc import Context, method


@method("cmt_getContracts")
async def cmt_getContracts(ctx: Context) -> list[dict[str, Any]]:
    return [s.template(t) for t in templates.preloaded(ctx.node.config)]
