"""`jinlin seed --demo`: load the demo district into an empty database."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jinlin.core.demo import DemoAlreadySeeded, seed_demo


class Command(BaseCommand):
    help = "Load generated data: --demo loads the fictional demo district 近邻市清溪区 with its demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="The demo district: 3 streets, 12 communities, 60 grids, 40 estates, 2,000 residents, demo accounts.",
        )

    def handle(self, *args, demo: bool, **options):
        if not demo:
            raise CommandError(_("Say what to seed, e.g. --demo."))
        try:
            seed_demo(stdout=self.stdout)
        except DemoAlreadySeeded:
            # Not an error: `make demo` runs this on every start.
            self.stdout.write(_("The database already has an organisation tree; the demo district was not loaded."))
