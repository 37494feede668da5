"""`jinlin people_sweep`: mark care pairings whose visit is late and tell their carers, once.

`--schedule` also keeps the check running every 15 minutes in the task worker (`jinlin db_worker`).
"""

from django.core.management.base import BaseCommand

from jinlin.people.services import overdue_sweep
from jinlin.people.tasks import schedule_people_sweep


class Command(BaseCommand):
    help = "Mark overdue care pairings once; with --schedule, keep the check running in the worker."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="enqueue the periodic check in the task worker")

    def handle(self, *args, schedule=False, **options):
        self.stdout.write(f"overdue={overdue_sweep()}")
        if schedule:
            self.stdout.write("sweep scheduled" if schedule_people_sweep() else "sweep already scheduled")
