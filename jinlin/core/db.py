"""Per-connection set-up: the SQLite function the audit log's append-only triggers consult."""

import threading
from contextlib import contextmanager

from django.db.backends.signals import connection_created
from django.db.models import Model
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


def insert_instances(model: type[Model], objs: list, batch_size: int = 5000) -> int:
    """Insert unsaved instances of `model` fast, inside the caller's transaction: COPY on
    PostgreSQL, executemany on SQLite. For wide derived tables rewritten in bulk (the metrics
    facts), where bulk_create's per-value preparation costs more than the database's work.
    Takes plain values only (numbers, text, booleans, None, aware datetimes, dates) — no
    encrypted or custom fields; no signals are sent, as with bulk_create."""
    from datetime import UTC, datetime

    from django.db import connection

    if not objs:
        return 0
    # Generated keys are left to the database.
    auto = ("AutoField", "BigAutoField", "SmallAutoField")
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type() in auto)]
    names = [f.attname for f in fields]
    table = connection.ops.quote_name(str(model._meta.db_table))
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([getattr(obj, name) for name in names])
        return len(objs)

    def value(v):
        # What Django's SQLite backend stores: naive UTC text for datetimes.
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return v

    marks = ", ".join("?" * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
    for i in range(0, len(objs), batch_size):
        raw.executemany(sql, [[value(getattr(obj, name)) for name in names] for obj in objs[i : i + batch_size]])
    return len(objs)
