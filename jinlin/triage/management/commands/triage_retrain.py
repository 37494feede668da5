"""`jinlin triage_retrain`: train category and unit models from staff-labelled case history.

Runs the same code as the background task (jinlin.triage.tasks.retrain_from_cases); `--enqueue`
hands it to the worker instead. A kind with too little history is skipped with the reason.
"""

import json

from django.core.management.base import BaseCommand

from jinlin.triage import adapter


class Command(BaseCommand):
    help = "Train and activate triage models from finished cases whose category and unit staff set."

    def add_arguments(self, parser):
        parser.add_argument("--min-cases", type=int, default=adapter.MIN_CASES)
        parser.add_argument("--force", action="store_true", help="Train even if nothing changed since the last run.")
        parser.add_argument("--enqueue", action="store_true", help="Run it in the background worker instead.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the result as one JSON line.")

    def handle(self, *args, min_cases, force, enqueue, as_json, **options):
        if enqueue:
            from jinlin.triage.tasks import retrain_from_cases

            result = retrain_from_cases.enqueue(min_cases=min_cases)
            self.stdout.write(f"Enqueued {result.id}.")
            return
        out = adapter.retrain(min_cases=min_cases, force=force)
        if as_json:
            self.stdout.write(json.dumps(out, ensure_ascii=False, default=str))
            return
        for kind, result in out.items():
            if result["status"] == "trained":
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{kind}: trained version {result['version']} on {result['n']} cases "
                        f"({result['classes']} classes) in {result['seconds']} s"
                    )
                )
            else:
                self.stdout.write(f"{kind}: skipped — {result['reason']}")
