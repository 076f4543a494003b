"""Signing with the unlocked dev accounts: dev mode only (absent otherwise, as -32601).

`eth_sendTransaction`, `eth_sign`, `personal_sign` and `eth_signTypedData_v4`, for wallets and
tools that expect a node holding test keys (Hardhat, anvil style).
"""

from __future__ import annotations

import json
from typing import Any

from cmt_chain import errors

from .. import params as p
from .. import serialize as s
from ..errors import InvalidParams
from ..jsonrpc import Context, method


def _sender_required(value: Any) -> Any:
    if not p.has_sender(value):
        raise InvalidParams("from: missing sender address")
    if p.data_input_conflict(value):
        raise errors.DataInputConflict()  # geth refuses this at send time, as -32000
    return p.call_request(value)


@method("eth_sendTransaction", _sender_required, dev_only=True)
async def eth_sendTransaction(ctx: Context, request: Any) -> str:
    return s.hexb(ctx.node.send_transaction(request))


@method("eth_sign", p.address, p.data, dev_only=True)
async def eth_sign(ctx: Context, address: bytes, message: bytes) -> str:
    return s.hexb(ctx.node.sign_message(address, message))


@method("personal_sign", p.data, p.address, dev_only=True)
async def personal_sign(ctx: Context, message: bytes, address: bytes) -> str:
    return s.hexb(ctx.node.sign_message(address, message))


def _typed_data(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidParams("typed data is not valid JSON") from None
    if not isinstance(value, dict) or not {"types", "primaryType", "domain", "message"} <= set(
            value):
        raise InvalidParams("typed data needs types, primaryType, domain and message")
    return value


@method("eth_signTypedData_v4", p.address, _typed_data, dev_only=True)
async def eth_signTypedData_v4(ctx: Context, address: bytes, typed: dict[str, Any]) -> str:
    try:
        return s.hexb(ctx.node.sign_typed_data(address, typed))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # eth_account validates the EIP-712 structure and raises plain exceptions for a bad one.
        raise InvalidParams(f"invalid argument 1: typed data: {exc}") from None
