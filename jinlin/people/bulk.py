"""Bulk writes of the registry on PostgreSQL: ids from the tables' own sequences, then one COPY.

Used by the Excel import (importer.write) and the city-scale seeder (bench.seed_registry). COPY
skips Django's per-value preparation chain (about 40 µs a value) and the parsing of large INSERTs;
encrypted fields can be prepared beforehand (`ready`), outside the writing transaction.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

from jinlin.core.crypto import EncryptedTextField


def fast() -> bool:
    """Whether COPY is available (PostgreSQL); elsewhere callers use bulk_create."""
    return connection.vendor == "postgresql"


def allocate_ids(model, objs: Sequence) -> None:
    """Take ids for `objs` from the table's own sequence, so rows can be COPYed with them."""
    if not objs:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk


def encrypted(objs: Iterable, attname: str) -> list:
    """The stored form (Fernet token, or the empty value as is) of an encrypted attribute of each object:
    computed before the transaction opens, then handed to copy_rows as `ready`."""
    field = next(f for f in _model_of(objs).concrete_fields if f.attname == attname)
    return [field.get_db_prep_save(obj.__dict__[attname], connection) for obj in objs]


def _model_of(objs: Iterable):
    for obj in objs:
        return obj._meta
    raise ValueError("no objects")


def copy_rows(model, objs: Sequence, ready: dict[str, list] | None = None) -> None:
    """Write `objs` with one COPY (the id column only if they have ids).

    Plain values (text, numbers, dates, aware datetimes) go to psycopg as they are; encrypted
    fields take their value from `ready` (attname → stored values, in the order of `objs`) or
    else go through their field's get_db_prep_save, so they are stored exactly as the ORM would.
    """
    if not objs:
        return
    ready = ready or {}
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    plan: list[tuple[str, Iterator[Any] | None, Callable[[Any], Any] | None]] = []
    for f in fields:
        if f.attname in ready:
            plan.append((f.attname, iter(ready[f.attname]), None))
        elif isinstance(f, EncryptedTextField):
            plan.append((f.attname, None, lambda v, f=f: f.get_db_prep_save(v, connection)))
        else:
            plan.append((f.attname, None, None))
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            values = obj.__dict__
            copy.write_row(
                [
                    next(given) if given is not None else (values[a] if prepare is None else prepare(values[a]))
                    for a, given, prepare in plan
                ]
            )
