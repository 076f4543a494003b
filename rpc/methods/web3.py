"""The `web3_` namespace: client version and keccak-256."""

from __future__ import annotations

from eth_hash.auto import keccak

from cmt_chain.node import CLIENT_VERSION

from .. import params as p
from .. import serialize as s
from ..jsonrpc import Context, method


@method("web3_clientVersion")
async def web3_clientVersion(ctx: Context) -> str:
    return CLIENT_VERSION


@method("web3_sha3", p.data)
async def web3_sha3(ctx: Context, data: bytes) -> str:
    return s.hexb(keccak(data))
