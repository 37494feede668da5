"""`jinlin people_seed --count N`: fill the household registry with N generated residents over every
building (for `jinlin bench` at scale: `--count 1000000` for the city)."""

from django.core.management.base import BaseCommand

from jinlin.people.bench import seed_registry


class Command(BaseCommand):
    help = "Add N generated residents in households over every building and entrance (bench data)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000)

    def handle(self, *args, count: int, **options):
        out = seed_registry(count, stdout=self.stdout)
        self.stdout.write(
            f"registry: {out['residents']:,} residents in {out['households']:,} households, {out['seconds']} s"
        )
