"""Writing generated rows around the ORM: COPY on PostgreSQL, batched executemany on SQLite."""

import time
from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, models

from jinlin.cases.models import (
    Case,
    CaseReporter,
    EscalationTarget,
    TimelineEntry,
)
from jinlin.core.crypto import encrypt
from jinlin.core.models import Grid, OrgUnit, RoleAssignment, User

# Writing rows: COPY on PostgreSQL, executemany on SQLite


class Table:
    """One model's table: the columns we supply, then constant defaults for every other column."""

    def __init__(self, model, fields: list[str], encrypted: tuple[str, ...] = ()):
        self.model = model
        self.name = model._meta.db_table
        supplied = [model._meta.get_field(f) for f in fields]
        names = {f.name for f in supplied}
        rest = [f for f in model._meta.concrete_fields if f.name not in names]
        self.tail = tuple(_constant_default(f) for f in rest)
        self.columns = [f.column for f in supplied] + [f.column for f in rest]
        self.encrypted = [fields.index(f) for f in encrypted]


def _constant_default(field) -> object:
    if field.has_default():
        return field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} has no default; the scale seed must supply it")


class BulkWriter:
    """Appends rows to tables inside the current transaction and keeps time and counts per table."""

    def __init__(self):
        self.vendor = connection.vendor
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.raw = connection.connection  # the driver's connection, in Django's open transaction
        self._days: dict[int, str] = {}
        self._zone = "+00" if self.vendor == "postgresql" else ""

    def ts(self, us: int | None) -> str | None:
        """A moment as the database's text form of a UTC timestamp (what Django writes)."""
        if us is None:
            return None
        seconds, micro = divmod(us, 1_000_000)
        day, seconds = divmod(seconds, 86400)
        text = self._days.get(day)
        if text is None:  # strftime is slow; a day's date is formatted once
            text = self._days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        text = (
            f"{text} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"
            if micro
            else (f"{text} {hours:02d}:{minutes:02d}:{seconds:02d}")
        )
        return text + self._zone

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        if table.encrypted:
            rows = [_encrypt_row(row, table.encrypted) for row in rows]
        tail = table.tail
        if self.vendor == "postgresql":
            columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            sql = f"COPY {connection.ops.quote_name(table.name)} ({columns}) FROM STDIN"
            with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            columns = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join("?" * len(table.columns))
            self.raw.executemany(
                f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',  # noqa: S608 - names from the models
                [row + tail for row in rows],
            )
        self.rows[table.name] += len(rows)
        self.seconds[table.name] += time.perf_counter() - started


def _encrypt_row(row: tuple, positions: list[int]) -> tuple:
    row = list(row)
    for i in positions:
        if row[i]:
            row[i] = encrypt(row[i])
    return tuple(row)


# Tables whose foreign keys and secondary indexes are dropped during a PostgreSQL load.
BULK_MODELS = [OrgUnit, Grid, User, RoleAssignment, Case, CaseReporter, TimelineEntry, EscalationTarget]


def _pg_drop_secondary(cursor) -> list[str]:
    """Drop the loaded tables' foreign keys and non-unique indexes; return the SQL that restores them."""
    restore_indexes, restore_keys = [], []
    for model in BULK_MODELS:
        table = model._meta.db_table
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            restore_keys.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND i.schemaname = current_schema()
                 AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore_indexes.append(definition)
    return restore_indexes + restore_keys


# ---------------------------------------------------------------------------------------------
