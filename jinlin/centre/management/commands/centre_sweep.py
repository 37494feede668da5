from django.core.management.base import BaseCommand

from jinlin.centre.errands import errand_sweep
from jinlin.centre.services import series_extend_all
from jinlin.centre.tasks import schedule_centre_sweep


class Command(BaseCommand):
    help = "Urge overdue 代办 and generate weekly activities ahead; --schedule keeps it running in the task worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule", action="store_true", help="enqueue the periodic sweep instead of running once"
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            enqueued = schedule_centre_sweep()
            self.stdout.write("centre sweep scheduled" if enqueued else "a centre sweep is already waiting")
            return
        self.stdout.write(f"urged {errand_sweep()} errands, generated {series_extend_all()} occurrences")
