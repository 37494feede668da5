"""`jinlin grids import FILE.geojson [--community CODE] [--dry-run]`: load grid boundaries.

Prints the validation report; exits with an error (status 1) if the file has any problem, in
which case nothing was written.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jinlin.core.grids import grids_import
from jinlin.core.models import OrgKind, OrgUnit


class Command(BaseCommand):
    help = "Manage grids: `import` reads grid boundaries from a GeoJSON FeatureCollection."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importer = actions.add_parser("import", help="Validate and import grid boundaries from a GeoJSON file.")
        importer.add_argument("file", type=Path)
        importer.add_argument("--community", help="Code of the community every grid in the file belongs to.")
        importer.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self.import_file(options["file"], options["community"], options["dry_run"])

    def import_file(self, path: Path, community_code: str | None, dry_run: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        community = None
        if community_code:
            community = OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, code=community_code).first()
            if community is None:
                raise CommandError(_("There is no community with the code %(code)s.") % {"code": community_code})
        # The operator at the console acts as the system (actor None), as for migrations.
        report = grids_import(actor=None, geojson=text, community=community, dry_run=dry_run)
        self.stdout.write(str(report))
        if not report.ok:
            raise CommandError(_("The file was not imported."))
