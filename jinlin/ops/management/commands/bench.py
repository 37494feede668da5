"""`jinlin bench`: measure the platform on this machine against the configured, seeded database.

    jinlin seed --scale district && jinlin bench --json

The harness is jinlin/ops/bench/ (run.py); the method, the targets and the figures are in
docs/performance.md.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from jinlin.ops.bench import inproc, report, run
from jinlin.ops.scale import SCALES


class Command(BaseCommand):
    help = (
        "Benchmark the seeded database: case intake, the floor endpoint and the database limit at a fixed "
        "concurrency, read latencies (inbox, case detail, dashboard, public board), the SLA sweep, peak memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), help="Refuse to run unless this scale is seeded.")
        parser.add_argument("--duration", type=float, default=20, help="Seconds of each load phase (default 20).")
        parser.add_argument("--concurrency", type=int, default=8, help="Clients in parallel (default 8).")
        parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 × cores + 1).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker (default 4).")
        parser.add_argument("--reads", type=int, default=40, help="Requests per read endpoint (default 40).")
        parser.add_argument(
            "--read-seconds", type=float, default=30, help="Stop a read endpoint after this long (default 30)."
        )
        parser.add_argument(
            "--dashboard-timeout",
            type=float,
            default=300,
            help="Give up on a dashboard request after this many seconds (default 300).",
        )
        parser.add_argument(
            "--port", type=int, default=0, help="Serve gunicorn on this loopback port (default: any free port)."
        )
        parser.add_argument(
            "--notify-rounds",
            type=int,
            default=4,
            help="Rounds of intake with notify on, then off (order flipped each round), 5 s each (default 4; 0: none).",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="Only measure CPU time and queries in this process (intake with notify on and off, the sweep, "
            "the dashboards), no server; it writes, so run it on a copy of the seed.",
        )
        parser.add_argument(
            "--intakes", type=int, default=60, help="--in-process: intakes with notify on, and as many off (60)."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as one JSON object.")
        parser.add_argument(
            "--report",
            nargs="+",
            metavar="JSON",
            help="Only print saved --json results side by side as a Markdown table, then stop.",
        )
        parser.add_argument(
            "--locust-users",
            metavar="FILE",
            help="Only write tokens and session cookies of seeded people for loadtest/locustfile.py, then stop.",
        )

    def handle(self, *args, **options):
        if options["report"]:
            try:
                self.stdout.write(report.markdown_files(options["report"]))
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            return
        try:
            if options["locust_users"]:
                counts = run.locust_users(options["locust_users"])
                self.stdout.write(f"Wrote {options['locust_users']}: {counts}")
                return
            if options["in_process"]:
                result = inproc.run_in_process(intakes=options["intakes"], stderr=self.stderr)
                self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if options["json"] else 2))
                return
            result = run.run(
                scale=options["scale"],
                seconds=options["duration"],
                concurrency=options["concurrency"],
                workers=options["workers"],
                threads=options["threads"],
                reads=options["reads"],
                read_seconds=options["read_seconds"],
                dashboard_timeout=options["dashboard_timeout"],
                port=options["port"],
                notify_rounds=options["notify_rounds"],
                stderr=self.stderr,
            )
        except run.BenchError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
            return
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
