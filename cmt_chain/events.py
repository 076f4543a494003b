"""Typed chain events and the bus that delivers them to subscribers through bounded queues.

The chain publishes `NewBlock` after each block is stored; the txpool publishes `NewPendingTx`.
Subscribers (WebSocket subscriptions, polling filters, the instant-mining producer) each get their
own bounded queue: a slow subscriber loses its oldest events and is told so, it never stalls the
writer or grows without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from .block import Block
from .receipt import Receipt
from .transaction import Transaction


@dataclass(frozen=True, slots=True)
class NewBlock:
    block: Block
    receipts: tuple[Receipt, ...]


@dataclass(frozen=True, slots=True)
class NewPendingTx:
    tx: Transaction


Event = NewBlock | NewPendingTx


class Subscription:
    """One subscriber's bounded queue of events of the kinds it asked for."""

    def __init__(self, bus: EventBus, kinds: tuple[type, ...], limit: int) -> None:
        self._bus = bus
        self.kinds = kinds
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=limit)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()  # drop the oldest: the subscriber is too slow
            self.dropped += 1
        self.queue.put_nowait(event)

    async def next(self) -> Event:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus:
    """Fan-out of events to subscriptions and to plain synchronous listeners."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Callable[[Event], None]] = []

    def subscribe(self, *kinds: type, limit: int = 10_000) -> Subscription:
        subscription = Subscription(self, kinds, limit)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def listen(self, listener: Callable[[Event], None]) -> None:
        """Call `listener` synchronously for every event (filters use this; it must be quick)."""
        self._listeners.append(listener)

    def publish(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)
        for subscription in list(self._subscriptions):
            if isinstance(event, subscription.kinds):
                subscription.offer(event)
