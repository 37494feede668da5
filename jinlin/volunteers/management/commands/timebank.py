"""`jinlin timebank verify [--json]`: check the ledger's rules (see ledger.py); exit 1 when broken.
`jinlin timebank expire`: run the expiry of the communities that configured one."""

import json

from django.core.management.base import BaseCommand, CommandError

from jinlin.volunteers import ledger
from jinlin.volunteers.models import LedgerSettings


class Command(BaseCommand):
    help = "The time bank's ledger: verify it, or expire old hours where a community configured it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "expire"])
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        if options["action"] == "expire":
            done = 0
            for conf in LedgerSettings.objects.filter(expiry_days__isnull=False).select_related("community"):
                done += len(ledger.expire_hours(community=conf.community))
            self.stdout.write(f"expired: {done} transfers")
            return
        report = ledger.ledger_verify()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            state = "ok" if report["ok"] else "BROKEN"
            self.stdout.write(
                f"{state}: {report['accounts']} accounts, {report['transfers']} transfers, sum {report['sum']}"
            )
            for problem in report["problems"]:
                self.stdout.write(f"  {problem}")
        if not report["ok"]:
            raise CommandError("the ledger breaks its rules", returncode=1)
