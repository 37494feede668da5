"""`jinlin seed --demo`: load the demo district into an empty database.
`jinlin seed --scale small|district|city [--seed N] [--until …]`: generated data for benchmarks."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.ops.demo import seed_demo_all
from jinlin.ops.scale import DEFAULT_SEED, SCALES, ScaleAlreadySeeded, seed_scale


class Command(BaseCommand):
    help = (
        "Load generated data: --demo loads the fictional demo district 近邻市清溪区 with its demo accounts; "
        "--scale small|district|city loads a generated street, district or city with two years of cases."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="The demo district: 3 streets, 12 communities, 60 grids, 40 estates, 2,000 residents, demo accounts.",
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            help="small: 20 grids, 4,000 cases; district: 60 grids, 100,000 cases; "
            "city: 3,000 grids, 1,000,000 residents, 2,000,000 cases (see docs/performance.md).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed of --scale (default 2026).")
        parser.add_argument(
            "--until",
            help="The present of the generated world, YYYY-MM-DD[THH:MM] in local time (default: now). "
            "The same --seed and --until give the same data.",
        )

    def handle(self, *args, demo: bool, scale: str | None, seed: int, until: str | None, **options):
        if demo and scale:
            raise CommandError(_("Choose either --demo or --scale."))
        if scale:
            try:
                seed_scale(SCALES[scale], seed=seed, until=_parse_until(until), stdout=self.stdout)
            except ScaleAlreadySeeded as exc:
                raise CommandError(
                    _("The database already has an organisation tree; --scale needs an empty database.")
                ) from exc
            return
        if not demo:
            raise CommandError(_("Say what to seed, e.g. --demo."))
        # Not an error when already seeded: `make demo` runs this on every start.
        seed_demo_all(stdout=self.stdout)


def _parse_until(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("--until must look like 2026-11-23 or 2026-11-23T09:30.")) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
