"""`jinlin sla_sweep`: run the SLA sweeper once (urge, mark overdue, raise tiers, close unrated).

`--schedule` also starts the self-renewing minutely sweep in the background worker (it does
nothing if one is already waiting), which `jinlin demo` and deployments run at start-up.
"""

from django.core.management.base import BaseCommand

from jinlin.cases.services import sla_sweep_run
from jinlin.cases.tasks import schedule_sla_sweep


class Command(BaseCommand):
    help = "Run the case SLA sweeper once; with --schedule, also keep it running every minute in the worker."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="enqueue the minutely sweep in the task worker")

    def handle(self, *args, schedule=False, **options):
        counts = sla_sweep_run()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
        if schedule:
            enqueued = schedule_sla_sweep()
            self.stdout.write("sweep scheduled" if enqueued else "sweep already scheduled")
