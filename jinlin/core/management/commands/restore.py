"""`jinlin restore PATH [--force]`: restore a backup made by `jinlin backup`.

Refuses a database that already holds users, cases or audit entries unless --force. Stop the web
server and the worker first; afterwards run `jinlin audit verify`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from jinlin.core import backup as backups


class Command(BaseCommand):
    help = "Restore a backup into an empty database (--force to replace a non-empty one)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--force", action="store_true", help="replace a database that holds data")
        parser.add_argument("--database", default="default")

    def handle(self, *args, path, force, database, **options):
        connection = connections[database]
        db = connection.settings_dict
        connection.close()
        try:
            backups.restore(db, path, force=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {path} into {db['NAME']}; now run `jinlin audit verify`")
