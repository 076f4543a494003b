"""Polling filters (eth_newFilter family) and WebSocket subscriptions (eth_subscribe).

`FilterRegistry` listens to the node's event bus and buffers, per filter, the block hashes, pending
transaction hashes or matching logs since the last poll; a filter idle for `filter_timeout`
(5 minutes) is removed. `WsSubscriptions` belongs to one WebSocket connection and pushes
`eth_subscription` notifications from bounded bus queues until unsubscribed or disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cmt_chain import errors
from cmt_chain.events import Event, NewBlock, NewPendingTx
from cmt_chain.logs import LogFilter, block_logs

from . import serialize as s

BUFFER_LIMIT = 10_000


def new_id() -> str:
    """Return a random id as geth writes one: a hex quantity, without leading zeros."""
    return hex(int.from_bytes(secrets.token_bytes(16), "big"))


@dataclass
class _Filter:
    kind: str  # "logs", "blocks" or "pending"
    criteria: LogFilter | None
    last_poll: float
    changes: deque[Any] = field(default_factory=lambda: deque(maxlen=BUFFER_LIMIT))


class FilterRegistry:
    """The node's polling filters, fed by the event bus."""

    def __init__(self, node: Any, timeout: float) -> None:
        self._node = node
        self._timeout = timeout
        self._filters: dict[str, _Filter] = {}
        node.events.listen(self._on_event)

    def _on_event(self, event: Event) -> None:
        self.expire()
        for entry in self._filters.values():
            if isinstance(event, NewBlock):
                if entry.kind == "blocks":
                    entry.changes.append(s.hexb(event.block.hash))
                elif entry.kind == "logs" and entry.criteria is not None:
                    entry.changes.extend(
                        s.log(x) for x in block_logs(event.block, event.receipts, entry.criteria))
            elif isinstance(event, NewPendingTx) and entry.kind == "pending":
                entry.changes.append(s.hexb(event.tx.hash))

    def expire(self) -> None:
        cutoff = time.monotonic() - self._timeout
        for filter_id in [i for i, f in self._filters.items() if f.last_poll < cutoff]:
            del self._filters[filter_id]

    def install(self, kind: str, criteria: LogFilter | None = None) -> str:
        if criteria is not None and criteria.block_hash is None:
            self._node.log_range(criteria)  # refuse a bad range now, as geth does
        filter_id = new_id()
        self._filters[filter_id] = _Filter(kind, criteria, time.monotonic())
        return filter_id

    def _get(self, filter_id: str) -> _Filter:
        self.expire()
        entry = self._filters.get(filter_id)
        if entry is None:
            raise errors.FilterNotFound()
        entry.last_poll = time.monotonic()
        return entry

    def changes(self, filter_id: str) -> list[Any]:
        entry = self._get(filter_id)
        out = list(entry.changes)
        entry.changes.clear()
        return out

    def logs(self, filter_id: str) -> list[Any]:
        entry = self._get(filter_id)
        if entry.kind != "logs" or entry.criteria is None:
            raise errors.FilterNotFound()
        return [s.log(x) for x in self._node.logs(entry.criteria)]

    def uninstall(self, filter_id: str) -> bool:
        return self._filters.pop(filter_id, None) is not None


Send = Callable[[dict[str, Any]], Awaitable[None]]


class WsSubscriptions:
    """The eth_subscribe subscriptions of one WebSocket connection."""

    def __init__(self, node: Any, send: Send, limit: int) -> None:
        self._node = node
        self._send = send
        self._limit = limit
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def subscribe(self, kind: str, option: Any) -> str:
        if len(self._tasks) >= self._limit:
            raise errors.QueryLimitExceeded(f"too many subscriptions (max {self._limit})")
        render = self._renderer(kind, option)
        events = (NewPendingTx,) if kind == "newPendingTransactions" else (NewBlock,)
        subscription = self._node.events.subscribe(*events, limit=BUFFER_LIMIT)
        sub_id = new_id()
        self._tasks[sub_id] = asyncio.create_task(self._pump(sub_id, subscription, render))
        return sub_id

    def _renderer(self, kind: str, option: Any) -> Callable[[Event], list[Any]]:
        if kind == "newHeads":
            return lambda e: [s.header(e.block.header)] if isinstance(e, NewBlock) else []
        if kind == "logs":
            criteria: LogFilter = option if option is not None else LogFilter()
            return lambda e: ([s.log(x) for x in block_logs(e.block, e.receipts, criteria)]
                              if isinstance(e, NewBlock) else [])
        if kind == "newPendingTransactions":
            full = bool(option)
            return lambda e: ([s.transaction(e.tx) if full else s.hexb(e.tx.hash)]
                              if isinstance(e, NewPendingTx) else [])
        if kind == "syncing":
            # As geth, a notice only when syncing starts or stops; a node that syncs from no
            # peer (there is no validator network yet) never does, so this stays silent.
            return lambda e: []
        raise errors.ChainError(f"no \"{kind}\" subscription in eth namespace")

    async def _pump(self, sub_id: str, subscription: Any,
                    render: Callable[[Event], list[Any]]) -> None:
        try:
            while True:
                event = await subscription.next()
                for result in render(event):
                    await self._send({"jsonrpc": "2.0", "method": "eth_subscription",
                                      "params": {"subscription": sub_id, "result": result}})
        finally:
            subscription.close()

    def unsubscribe(self, sub_id: str) -> bool:
        task = self._tasks.pop(sub_id, None)
        if task is None:
            raise errors.SubscriptionNotFound()
        task.cancel()
        return True

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
