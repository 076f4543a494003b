"""Filter and subscription methods: eth_newFilter family (polling) and eth_subscribe (WebSocket)."""

from __future__ import annotations

from typing import Any

from .. import params as p
from ..errors import METHOD_NOT_FOUND, InvalidParams, RpcError
from ..jsonrpc import Context, method, optional

SUBSCRIPTION_KINDS = ("newHeads", "logs", "newPendingTransactions", "syncing")


@method("eth_newFilter", p.log_filter)
async def eth_newFilter(ctx: Context, criteria: Any) -> str:
    return ctx.filters.install("logs", criteria)


@method("eth_newBlockFilter")
async def eth_newBlockFilter(ctx: Context) -> str:
    return ctx.filters.install("blocks")


@method("eth_newPendingTransactionFilter")
async def eth_newPendingTransactionFilter(ctx: Context) -> str:
    return ctx.filters.install("pending")


def _filter_id(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidParams("filter id must be a string")
    return value


@method("eth_getFilterChanges", _filter_id)
async def eth_getFilterChanges(ctx: Context, filter_id: str) -> list[Any]:
    return ctx.filters.changes(filter_id)


@method("eth_getFilterLogs", _filter_id)
async def eth_getFilterLogs(ctx: Context, filter_id: str) -> list[Any]:
    return ctx.filters.logs(filter_id)


@method("eth_uninstallFilter", _filter_id)
async def eth_uninstallFilter(ctx: Context, filter_id: str) -> bool:
    return ctx.filters.uninstall(filter_id)


def _kind(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidParams("expected subscription name as first argument")
    if value not in SUBSCRIPTION_KINDS:
        raise RpcError(METHOD_NOT_FOUND, f'no "{value}" subscription in eth namespace')
    return value


@method("eth_subscribe", optional(_kind), optional(lambda v: v))
async def eth_subscribe(ctx: Context, kind: str | None, option: Any) -> str:
    if ctx.connection is None:
        raise RpcError(METHOD_NOT_FOUND, "notifications not supported")
    if kind is None:
        raise InvalidParams("expected subscription name as first argument")
    try:
        if kind == "logs" and option is not None:
            option = p.log_filter(option)
        elif kind == "newPendingTransactions" and option is not None:
            option = p.boolean(option)
    except InvalidParams as exc:
        raise InvalidParams(f"invalid argument 1: {exc.message}") from None
    return ctx.connection.subscribe(kind, option)


@method("eth_unsubscribe", _filter_id)
async def eth_unsubscribe(ctx: Context, sub_id: str) -> bool:
    if ctx.connection is None:
        raise RpcError(METHOD_NOT_FOUND, "notifications not supported")
    return ctx.connection.unsubscribe(sub_id)
