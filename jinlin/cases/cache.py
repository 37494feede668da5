"""Per-process caches of the small tables intake reads on every request and staff rarely edit:
SLA policies, categories, command centres.

The working calendar's pattern (core.workcalendar): a value is dropped at once when a row of its
tables is saved or deleted in this process (signals) and re-read after CACHE_SECONDS in every
process (the task worker and the other gunicorn workers are other processes; bulk writes send no
signals). A value read inside a transaction is used but not kept: it may hold that transaction's
own uncommitted rows (a test, an import that rolls back), which no other request may see.
"""

import threading
from collections.abc import Callable
from time import monotonic
from typing import Any

from django.db import connection
from django.db.models import signals

CACHE_SECONDS = 60


class TableCache:
    """`get()` returns `load()`'s value, computed at most once per CACHE_SECONDS per process."""

    def __init__(self, name: str, load: Callable, *models: Any):
        self.name = name
        self._load = load
        self._entry: tuple[float, object] | None = None
        # Bumped on every change: a load that raced with a save must not store what it read.
        self._generation = 0
        self._lock = threading.Lock()
        for model in models:
            for signal in (signals.post_save, signals.post_delete):
                signal.connect(self.clear, sender=model, weak=False, dispatch_uid=f"jinlin.cache.{name}.{id(signal)}")
        # A flushed database (transactional tests, `flush`) sends no delete signals, but post_migrate.
        signals.post_migrate.connect(self.clear, weak=False, dispatch_uid=f"jinlin.cache.{name}.migrate")

    def clear(self, **kwargs: Any) -> None:
        with self._lock:
            self._entry = None
            self._generation += 1

    def get(self):
        entry = self._entry
        if entry is not None and monotonic() - entry[0] <= CACHE_SECONDS:
            return entry[1]
        generation = self._generation
        value = self._load()
        if not connection.in_atomic_block:
            with self._lock:
                if generation == self._generation:
                    self._entry = (monotonic(), value)
        return value
