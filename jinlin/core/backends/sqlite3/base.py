"""Django's SQLite backend, waiting for the write lock in short steps.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10 … then 100 ms between tries: while it sleeps, writers that
arrive later take the lock first, so under load a few requests lose round after round (the
benchmark's slowest intakes: docs/performance.md §7a, session 8). Here a write transaction
(BEGIN IMMEDIATE) asks for the lock every millisecond until the connection's timeout, and only
statements outside a transaction keep SQLite's own waiting.
"""

import sqlite3
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Between two tries for the write lock: a failed try is cheap, and a write transaction is short.
POLL_SECONDS = 0.001
SQLITE_BUSY = 5


def _busy(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF == SQLITE_BUSY


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        if getattr(self, "transaction_mode", None) != "IMMEDIATE":
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in django-stubs
            return
        raw = self.connection
        timeout_ms = int(float(self.settings_dict["OPTIONS"].get("timeout", 5)) * 1000)
        deadline = time.monotonic() + timeout_ms / 1000
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            try:
                # The first try as every statement goes (logged, errors wrapped as Django's) …
                self.cursor().execute("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not _busy(exc.__cause__):
                    raise
            # … the retries on the driver's connection, a few microseconds each.
            while True:
                time.sleep(POLL_SECONDS)
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _busy(exc) or time.monotonic() >= deadline:
                        with self.wrap_database_errors:
                            raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {timeout_ms}")
