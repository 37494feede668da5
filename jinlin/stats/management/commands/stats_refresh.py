"""`jinlin stats_refresh`: bring the metrics' tables (CaseFact, RatingFact, AreaMonth, StreetMonth) up to date once.

`--full` rebuilds them from the whole timeline (the backfill of an existing database; minutes for
a city). `--schedule` also starts the self-renewing minutely refresh in the background worker.
"""

from django.core.management.base import BaseCommand

from jinlin.stats.services import metrics_refresh
from jinlin.stats.tasks import schedule_metrics_refresh


class Command(BaseCommand):
    help = "Refresh the metrics' fact and rollup tables from the case timeline; --full rebuilds them."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every case's facts and the whole rollup")
        parser.add_argument("--schedule", action="store_true", help="enqueue the minutely refresh in the task worker")

    def handle(self, *args, full=False, schedule=False, **options):
        counts = metrics_refresh(full=full)
        self.stdout.write(" ".join(f"{name}={value}" for name, value in counts.items()))
        if schedule:
            enqueued = schedule_metrics_refresh()
            self.stdout.write("refresh scheduled" if enqueued else "refresh already scheduled")
