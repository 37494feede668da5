"""`jinlin backup [PATH]`: a consistent copy of the database (SQLite online backup, pg_dump -Fc).

Default PATH: $JINLIN_VAR_DIR/backups/jinlin-YYYYMMDD-HHMMSS.sqlite3 (or .dump on PostgreSQL).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from jinlin.core import backup as backups
from jinlin.core.audit import audit_record


class Command(BaseCommand):
    help = "Back up the database to PATH (SQLite online backup; pg_dump custom format on PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument("--database", default="default")

    def handle(self, *args, path, database, **options):
        db = connections[database].settings_dict
        try:
            written = backups.backup(db, path)
        except (backups.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # pg_dump's CalledProcessError: show its message
            raise CommandError(f"backup failed: {getattr(exc, 'stderr', b'') or exc}") from exc
        with transaction.atomic(using=database):
            audit_record(actor=None, action="db.backup", object_type="database", after={"path": str(written)})
        self.stdout.write(f"backup written to {written} ({written.stat().st_size} bytes)")
