"""The `net_` namespace: network id, listening, peers (one node: no peers yet)."""

from __future__ import annotations

from ..jsonrpc import Context, method


@method("net_version")
async def net_version(ctx: Context) -> str:
    return str(ctx.node.config.network.chain_id)


@method("net_listening")
async def net_listening(ctx: Context) -> bool:
    return True


@method("net_peerCount")
async def net_peerCount(ctx: Context) -> str:
    return "0x0"
