"""`jinlin status [--json]`: the periodic tasks' last run, next run and lag (and `--heal`)."""

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jinlin.core import periodic


class Command(BaseCommand):
    help = "Show each periodic task's last finished run, next run and lag; --heal repairs a stopped one."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        parser.add_argument("--heal", action="store_true", help="Re-run stale tasks and enqueue missing ones first.")

    def handle(self, *args, **options):
        if options["heal"]:
            periodic.heal()
        rows = periodic.status()
        if options["json"]:
            self.stdout.write(json.dumps({"periodic": rows}, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                _("%(name)s: last finished %(last)s, next run %(next)s, lag %(lag)s s")
                % {
                    "name": row["name"],
                    "last": row["last_finished_at"] or "—",
                    "next": row["next_run_at"] or "—",
                    "lag": "—" if row["lag_seconds"] is None else row["lag_seconds"],
                }
            )
