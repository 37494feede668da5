"""Make the case timeline append-only in the database itself, like the audit log (core 0002).

It reuses the audit log's guard (core.db): the SQLite function and the PostgreSQL setting that
only the test harness's purge between tests switches off.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS cases_timelineentry_no_update BEFORE UPDATE ON cases_timelineentry
       WHEN jinlin_audit_guard() BEGIN SELECT RAISE(ABORT, 'the case timeline is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS cases_timelineentry_no_delete BEFORE DELETE ON cases_timelineentry
       WHEN jinlin_audit_guard() BEGIN SELECT RAISE(ABORT, 'the case timeline is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cases_timelineentry_no_update;",
    "DROP TRIGGER IF EXISTS cases_timelineentry_no_delete;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION cases_timelineentry_refuse() RETURNS trigger AS $$
       BEGIN
         IF current_setting('jinlin.audit_purge', true) = 'on' THEN
           RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
         END IF;
         RAISE EXCEPTION 'the case timeline is append-only';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_timelineentry_no_change BEFORE UPDATE OR DELETE ON cases_timelineentry
       FOR EACH ROW EXECUTE FUNCTION cases_timelineentry_refuse();""",
    """CREATE TRIGGER cases_timelineentry_no_truncate BEFORE TRUNCATE ON cases_timelineentry
       FOR EACH STATEMENT EXECUTE FUNCTION cases_timelineentry_refuse();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS cases_timelineentry_no_change ON cases_timelineentry;",
    "DROP TRIGGER IF EXISTS cases_timelineentry_no_truncate ON cases_timelineentry;",
    "DROP FUNCTION IF EXISTS cases_timelineentry_refuse();",
]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
