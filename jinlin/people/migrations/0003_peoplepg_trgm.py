"""Indexes for the household search (`q`) at city scale; PostgreSQL only, nothing on SQLite.

- pg_trgm GIN indexes on UPPER(name), UPPER(address) and UPPER(room): what Django's `icontains`
  compares (`UPPER(col::text) LIKE UPPER('%q%')`), so a query of three characters or more is
  answered from the index however large the viewer's area.
- Covering indexes of the current residents by scope code and name (with their household and id)
  and of the households by scope code (with address, room and id): a query of one or two
  characters (a surname such as 王) has no trigram, so the search reads the viewer's area from
  these indexes alone (index-only scans, no table rows), and a tag filter joins the area's
  resident ids to the tags without visiting the residents' rows either.

Built CONCURRENTLY (outside a transaction), so a live registry keeps taking writes meanwhile.
"""

from django.db import migrations

INDEXES = [
    (
        "people_res_name_trgm",
        "people_resident USING gin (UPPER(name) gin_trgm_ops)",
    ),
    (
        "people_hh_address_trgm",
        "people_household USING gin (UPPER(address) gin_trgm_ops)",
    ),
    (
        "people_hh_room_trgm",
        "people_household USING gin (UPPER(room) gin_trgm_ops)",
    ),
    (
        "people_res_scope_name",
        "people_resident (scope_code varchar_pattern_ops, name) INCLUDE (household_id, id) WHERE left_at IS NULL",
    ),
    (
        "people_hh_scope_text",
        "people_household (scope_code varchar_pattern_ops) INCLUDE (address, room, id)",
    ),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("people", "0002_emergency_steps"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
