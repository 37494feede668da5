"""`seed_scale`: generate and write a scale in one transaction, recorded as one audit entry."""

import resource
import time
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from jinlin.cases.models import (
    Case,
    Category,
    SlaPolicy,
    TimelineEntry,
)
from jinlin.core.audit import audit_record
from jinlin.core.grids import grid_index_invalidate
from jinlin.core.models import OrgUnit, User

from .generator import ScaleGenerator
from .spec import CATEGORY_TREE, DEFAULT_SEED, ScaleSpec, ensure_categories
from .writer import BULK_MODELS, BulkWriter, _pg_drop_secondary

# ---------------------------------------------------------------------------------------------
# The seed


class ScaleAlreadySeeded(Exception):
    """The database already has an organisation tree; generated data never mixes into real data."""


def _link_departments(district_code: str) -> None:
    """Point the categories this seed created at the first district's departments (属事).

    A category has one responsible department, a unit of one district: across a city the seed's
    dispatchers send each case to the department with the same number (B01…) in its own
    district, which the model cannot express yet (see docs/performance.md).
    """
    units = dict(OrgUnit.objects.filter(code__startswith=f"{district_code}B").values_list("code", "pk"))
    for code, _name, _parent, number, *_rest in CATEGORY_TREE:
        if number is not None:
            Category.objects.filter(code=code, department__isnull=True).update(
                department_id=units.get(f"{district_code}B{number:02d}")
            )


def default_until() -> datetime:
    """Now, cut to the whole minute (the sweeper's tick), in the platform's time zone."""
    return timezone.localtime().replace(second=0, microsecond=0)


def seed_scale(spec: ScaleSpec, *, seed: int = DEFAULT_SEED, until: datetime | None = None, stdout=None) -> dict:
    """Write a generated city, district or street into an empty database; return the figures.

    `until` (a whole minute) is the present of the generated world: cases are lived up to it.
    Returns {"scale", "seed", "until", "rows": {table: n}, "seconds": {...}, "peak_rss_mb"}.
    """
    until = (until or default_until()).replace(second=0, microsecond=0)
    if OrgUnit.objects.exists():
        raise ScaleAlreadySeeded("The database already has organisation units.")
    started = time.perf_counter()
    seconds = {}
    writer = BulkWriter()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)
            stdout.flush()

    with transaction.atomic():
        created_categories = not Category.objects.exists()
        ensure_categories()
        restore = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # ALTER TABLE refuses to run while deferred foreign-key checks are queued (the
                # categories just written): run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                restore = _pg_drop_secondary(cursor)
                # Index builds sort in memory up to this much, for this transaction only.
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        generator = ScaleGenerator(spec, seed=seed, until=until, writer=writer)
        loop_started = time.perf_counter()
        reported = 0
        for table, rows in _chain(generator.places_and_people(), generator.cases()):
            writer.write(table, rows)
            done = writer.rows[Case._meta.db_table]
            if done - reported >= max(spec.cases // 10, 1) or (table.model is User and stdout is not None):
                reported = done
                say(
                    f"  … {writer.rows[User._meta.db_table]:,} users, {done:,} cases, "
                    f"{writer.rows[TimelineEntry._meta.db_table]:,} timeline entries "
                    f"({time.perf_counter() - started:.0f} s)"
                )
        loop = time.perf_counter() - loop_started
        seconds["write"] = sum(writer.seconds.values())
        seconds["generate"] = loop - seconds["write"]
        if created_categories:
            _link_departments(generator.districts[0].code)
        step = time.perf_counter()
        with connection.cursor() as cursor:
            if restore:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in restore:
                cursor.execute(sql)
            for sql in connection.ops.sequence_reset_sql(no_style(), [*BULK_MODELS, Category, SlaPolicy]):
                cursor.execute(sql)
        seconds["indexes_and_keys"] = time.perf_counter() - step
        counts = dict(writer.rows)
        audit_record(
            actor=None,
            action="seed.scale",
            obj=OrgUnit.objects.get(pk=generator.districts[0].unit_id),
            after={"scale": spec.name, "seed": seed, "until": until.isoformat(), "rows": counts},
        )
    step = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            pass  # inside a caller's transaction (the tests): VACUUM cannot run there
        elif connection.vendor == "postgresql":
            # Fresh statistics for the planner and a visibility map for index-only scans.
            for model in BULK_MODELS:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        else:
            cursor.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - step
    # The dashboard reads the metrics rollups, not the timeline: build them for the new history.
    from jinlin.stats.services import metrics_refresh

    step = time.perf_counter()
    metrics_refresh(full=True)
    seconds["metrics"] = time.perf_counter() - step
    seconds["total"] = time.perf_counter() - started
    grid_index_invalidate()
    result = {
        "scale": spec.name,
        "seed": seed,
        "until": until.isoformat(),
        "database": connection.vendor,
        "rows": counts,
        "write_seconds": {table: round(s, 2) for table, s in writer.seconds.items()},
        "seconds": {name: round(s, 2) for name, s in seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    say(
        f"Seeded scale {spec.name} (seed {seed}, until {until:%Y-%m-%d %H:%M}) on {connection.vendor} "
        f"in {seconds['total']:.1f} s: generating {seconds['generate']:.1f} s, writing {seconds['write']:.1f} s, "
        f"indexes and keys {seconds['indexes_and_keys']:.1f} s, analyze {seconds['analyze']:.1f} s, "
        f"metrics rollups {seconds['metrics']:.1f} s; "
        f"peak memory {result['peak_rss_mb']:.0f} MB."
    )
    for table, n in sorted(counts.items(), key=lambda item: -item[1]):
        spent = writer.seconds[table]
        say(f"  {table:<28} {n:>11,} rows  {spent:7.2f} s  {n / spent if spent else 0:>11,.0f} rows/s")
    return result


def _chain(*generators):
    for generator in generators:
        yield from generator
