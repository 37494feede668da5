"""Domain events: an app says what happened; the apps above it listen.

`emit("case.dispatched", case_id=…, actor_id=…)` inside a write queues the event for after the
transaction commits (nothing is announced for a write that rolls back). Subscribers register with
`@subscribe("case.dispatched")` or a prefix pattern `@subscribe("case.*")` in a module their
AppConfig.ready imports. A failing subscriber is logged and never fails the action, nor the
subscribers after it. Payloads carry ids and plain values, not model instances, so a subscriber
reads the committed state itself and an event can later be sent to a queue unchanged.

This keeps the layers one-way: `cases` emits and imports no app above it; `notify`, `triage`,
`stats` subscribe.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    at: datetime = field(default_factory=timezone.now)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)


Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(*patterns: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function for events named exactly so, or `prefix.*`."""

    def decorator(fn: Subscriber) -> Subscriber:
        for pattern in patterns:
            if fn not in _subscribers[pattern]:
                _subscribers[pattern].append(fn)
        return fn

    return decorator


def unsubscribe(pattern: str, fn: Subscriber) -> None:
    if fn in _subscribers.get(pattern, []):
        _subscribers[pattern].remove(fn)


def subscribers_of(name: str) -> list[Subscriber]:
    found = list(_subscribers.get(name, []))
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        found.extend(_subscribers.get(".".join(parts[:i]) + ".*", []))
    found.extend(_subscribers.get("*", []))
    return found


def deliver(event: Event) -> None:
    """Hand `event` to every subscriber now; one failing subscriber never stops the others."""
    for fn in subscribers_of(event.name):
        try:
            fn(event)
        except Exception:
            logger.exception("subscriber %s failed on %s", getattr(fn, "__qualname__", fn), event.name)


def emit(name: str, /, *, using: str | None = None, **payload: Any) -> Event:
    """Announce `name` after the current transaction commits (at once outside a transaction)."""
    event = Event(name, payload)
    transaction.on_commit(lambda: deliver(event), using=using)
    return event


def emit_each(name: str, payloads: Iterable[dict[str, Any]], /, *, using: str | None = None) -> list[Event]:
    """`emit(name, **payload)` for each payload, with one after-commit hook for them all: a
    set-based write (the SLA sweeper) announces a thousand rows at a time."""
    batch = [Event(name, dict(payload)) for payload in payloads]

    def deliver_all() -> None:
        for event in batch:
            deliver(event)

    if batch:
        transaction.on_commit(deliver_all, using=using)
    return batch
