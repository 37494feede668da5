"""Per-connection set-up: the SQLite function the audit log's append-only triggers consult."""

import threading
from contextlib import contextmanager

from django.db.backends.signals import connection_created
from django.dispatch import receiver

_purge = threading.local()


def _audit_guard() -> int:
    return 0 if getattr(_purge, "allowed", False) else 1


@receiver(connection_created)
def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("jinlin_audit_guard", 0, _audit_guard, deterministic=False)


@contextmanager
def audit_purge_allowed(connection):
    """Lets the test harness empty the database between tests. Nothing in the platform calls it."""
    _purge.allowed = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jinlin.audit_purge = 'on'")
    try:
        yield
    finally:
        _purge.allowed = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET jinlin.audit_purge")
