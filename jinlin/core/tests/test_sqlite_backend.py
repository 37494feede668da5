"""The SQLite backend's wait for the write lock (core/backends/sqlite3): a write transaction waits
for a writer that holds the lock and then goes on; past the connection's timeout it fails as
SQLite would, and statements outside a transaction keep SQLite's own waiting."""

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from jinlin.core.models import OrgKind, OrgUnit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_writer():
    """Hold SQLite's write lock from another connection for `seconds` (in a thread)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    taken = threading.Event()

    def hold(seconds: float) -> threading.Thread:
        def run():
            raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
            raw.isolation_level = None
            raw.execute("BEGIN IMMEDIATE")
            taken.set()
            time.sleep(seconds)
            raw.execute("COMMIT")
            raw.close()

        thread = threading.Thread(target=run)
        thread.start()
        taken.wait(5)
        return thread

    return hold


def _busy_timeout() -> int:
    return connection.connection.execute("PRAGMA busy_timeout").fetchone()[0]


def test_a_write_transaction_waits_for_the_writer_holding_the_lock_then_writes(other_writer):
    connection.ensure_connection()
    before = _busy_timeout()
    began = time.monotonic()
    writer = other_writer(0.3)
    with transaction.atomic():
        OrgUnit.objects.create(kind=OrgKind.DISTRICT, code="W1", name="W1")
    waited = time.monotonic() - began
    writer.join()
    assert waited >= 0.25
    assert OrgUnit.objects.filter(code="W1").exists()
    assert _busy_timeout() == before  # statements outside a transaction wait as SQLite does


def test_a_write_transaction_gives_up_after_the_connections_timeout(other_writer, monkeypatch):
    connection.ensure_connection()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    writer = other_writer(1.0)
    try:
        with pytest.raises(OperationalError, match="locked"), transaction.atomic():
            OrgUnit.objects.create(kind=OrgKind.DISTRICT, code="W2", name="W2")
    finally:
        writer.join()
    assert _busy_timeout() == 200  # SQLite's own wait is back, at the connection's timeout
    monkeypatch.undo()
    assert not OrgUnit.objects.filter(code="W2").exists()
    with transaction.atomic():  # the connection works on once the lock is free
        OrgUnit.objects.create(kind=OrgKind.DISTRICT, code="W3", name="W3")
    assert OrgUnit.objects.filter(code="W3").exists()
