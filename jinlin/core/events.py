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
    # What one subscriber read and may hand to the next ones of the same event, in this process:
    # triage keeps the new case it read (with its suggestions) so notify does not read it again.
    # Never sent anywhere; subscribers run in registration order, exact names before `prefix.*`.
    context: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)


Subscriber = Callable[[Event], None]
BatchSubscriber = Callable[[list[Event]], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def handles_batches(many: BatchSubscriber) -> Callable[[Subscriber], Subscriber]:
    """Give a subscriber a set-wise form: `deliver_all` hands `many` a whole batch of events of
    one name (a sweeper chunk) instead of calling the subscriber once per event, so it can read
    and write with one query per batch. If `many` fails, each event is handed to the subscriber
    alone, so one bad event never silences the rest."""

    def decorator(fn: Subscriber) -> Subscriber:
        fn.many = many  # type: ignore[attr-defined]
        return fn

    return decorator


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
    """Hand `event` to every subscriber now; one failing subscriber never stops the others. The
    writes they deferred (`defer_write`) run last, together in one transaction."""
    for fn in subscribers_of(event.name):
        try:
            fn(event)
        except Exception:
            logger.exception("subscriber %s failed on %s", getattr(fn, "__qualname__", fn), event.name)
    _run_deferred(event)


def defer_write(event: Event, write: Callable[[], Any]) -> None:
    """Let `write` run after every subscriber of `event` has run, in one transaction with the
    other subscribers' deferred writes. On SQLite each write transaction takes the database's one
    write lock: a new case's triage suggestions and notify's queue notice in one transaction
    instead of two (docs/performance.md §7a, third pass).

    If one write fails, the transaction is rolled back and the writes run again one transaction
    each, the failing one logged: so a write must be safe to run twice, the first run undone
    (notify's Outbox drops the ids its first insert took), and the common case pays for no
    savepoint per write."""
    event.context.setdefault("writes", []).append(write)


def _run_deferred(event: Event) -> None:
    writes = event.context.pop("writes", None)
    if not writes:
        return
    try:
        with transaction.atomic():
            for write in writes:
                write()
        return
    except Exception:
        if len(writes) == 1:
            logger.exception("the deferred write of %s failed", event.name)
            return
        logger.warning("a deferred write of %s failed; each write again on its own", event.name, exc_info=True)
    for write in writes:
        try:
            with transaction.atomic():
                write()
        except Exception:
            logger.exception("a deferred write of %s failed", event.name)


def deliver_all(events: list[Event]) -> None:
    """Hand a batch of events to their subscribers: set-wise to those that handle batches
    (`handles_batches`), one event at a time to the others, in the order events were emitted."""
    by_name: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_name[event.name].append(event)
    for name, batch in by_name.items():
        for fn in subscribers_of(name):
            many = getattr(fn, "many", None)
            if many is not None and len(batch) > 1:
                try:
                    many(batch)
                    continue
                except Exception:
                    logger.exception("subscriber %s failed on a batch of %s; one at a time", _name(fn), name)
            for event in batch:
                try:
                    fn(event)
                except Exception:
                    logger.exception("subscriber %s failed on %s", _name(fn), event.name)
        for event in batch:
            _run_deferred(event)


def _name(fn: Subscriber) -> str:
    return str(getattr(fn, "__qualname__", fn))


def emit(name: str, /, *, using: str | None = None, **payload: Any) -> Event:
    """Announce `name` after the current transaction commits (at once outside a transaction)."""
    event = Event(name, payload)
    transaction.on_commit(lambda: deliver(event), using=using)
    return event


def emit_each(name: str, payloads: Iterable[dict[str, Any]], /, *, using: str | None = None) -> list[Event]:
    """`emit(name, **payload)` for each payload, with one after-commit hook for them all: a
    set-based write (the SLA sweeper) announces a thousand rows at a time, and subscribers that
    handle batches (`handles_batches`) take them set-wise."""
    batch = [Event(name, dict(payload)) for payload in payloads]
    if batch:
        transaction.on_commit(lambda: deliver_all(batch), using=using)
    return batch
