"""`jinlin forum opinion-groups --votes FILE.csv --json`: the opinion-group analysis on a CSV of
`participant,statement,vote` (vote 1 agree, -1 disagree, 0 pass), the same analysis the
conversation pages run (jinlin.forum.opinion)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Deliberation tools: opinion-groups --votes FILE.csv [--json]."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        groups = sub.add_parser("opinion-groups", help="Opinion groups from a CSV of participant,statement,vote.")
        groups.add_argument("--votes", required=True, help="CSV file (participant,statement,vote); - for stdin.")
        groups.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        from jinlin.forum.opinion import analyse, read_votes_csv

        path = options["votes"]
        try:
            if path == "-":
                votes = read_votes_csv(sys.stdin)
            else:
                with open(path, encoding="utf-8-sig", newline="") as handle:
                    votes = read_votes_csv(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = analyse(votes)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(f"participants: {result.participants} (left out with fewer than 7 votes: {result.left_out})")
        for number, group in enumerate(result.groups, start=1):
            self.stdout.write(f"group {number}: {group.size} members")
            for r in group.representative:
                self.stdout.write(f"  {r.direction:8} {r.statement}  ({r.group_rate:.0%} vs {r.rest_rate:.0%})")
        self.stdout.write(f"consensus: {', '.join(str(s) for s in result.consensus) or '-'}")
