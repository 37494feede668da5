"""`jinlin audit verify | prune --before DATE | export [--since DATE] [--until DATE] [--format csv|jsonl]`.

verify exits 0 when the hash chain is intact and 1 naming the first broken entry; prune refuses to
cut entries younger than the retention period (≥ 6 months) and anchors the rest of the chain;
export writes the entries for the auditor (with their hashes, so the copy can be checked) and is
itself audited.
"""

import csv
import json
import sys
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from jinlin.core import audit_chain
from jinlin.core.audit import audit_record


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date: {text!r} (YYYY-MM-DD)") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Verify, prune or export the hash-chained audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the hash chain; exit 1 naming the first broken entry")
        prune = sub.add_parser("prune", help="delete entries older than --before (never younger than 6 months)")
        prune.add_argument("--before", required=True, type=_date)
        export = sub.add_parser("export", help="write entries for the auditor (audited)")
        export.add_argument("--since", type=_date)
        export.add_argument("--until", type=_date)
        export.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
        export.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _verify(self, **options):
        verdict = audit_chain.verify()
        if verdict.ok:
            self.stdout.write(verdict.message)
            return
        self.stderr.write(f"audit chain BROKEN: {verdict.message}")
        sys.exit(1)

    def _prune(self, *, before, **options):
        try:
            cut = audit_chain.prune(before=before)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"pruned {cut} audit entries before {before:%Y-%m-%d}; the chain is anchored")

    def _export(self, *, since, until, format, output, **options):
        stream = open(output, "w", newline="", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        count = 0
        try:
            writer = csv.DictWriter(stream, fieldnames=audit_chain.EXPORT_FIELDS) if format == "csv" else None
            if writer:
                writer.writeheader()
            for row in audit_chain.export_rows(since=since, until=until):
                count += 1
                if writer:
                    writer.writerow(
                        {
                            k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                            for k, v in row.items()
                        }
                    )
                else:
                    stream.write(json.dumps(row, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n")
        finally:
            if output:
                stream.close()
        with transaction.atomic():
            audit_record(
                actor=None,
                action="audit.export",
                object_type="core.auditentry",
                after={
                    "since": since.isoformat() if since else None,
                    "until": until.isoformat() if until else None,
                    "format": format,
                    "entries": count,
                    "output": output or "stdout",
                },
            )
        if output:
            self.stdout.write(f"exported {count} audit entries to {output}")
