"""`jinlin bench --in-process`: the cost of intake, the sweep and the dashboards in CPU time and
queries, one process, no server — the figures that stay put on a loaded, shared machine.

    cp seeded.sqlite3 run.sqlite3      # it writes: intakes, the sweep's marks (use a copy)
    DATABASE_URL=sqlite:///run.sqlite3 jinlin bench --in-process --json > inproc.json

1. Intake: `--intakes` requests `POST /api/cases` through Django's test client with the bench's
   own deck of realistic bodies (run.py), as seeded residents, the case events' subscribers
   running after commit as in production (triage, notify). Alternately with notify's case
   subscriber on and off (`NOTIFY_CASE_EVENTS`), so what telling people adds to an intake is a
   ratio measured in one run, under the same load. Per intake: CPU time (`time.process_time`),
   wall time, queries (subscribers included).
2. The first SLA sweep on the seed (catching up) and the next (steady): queries, CPU, wall.
3. The dashboard at three levels (top, a street, a community), `--repeats` requests each after
   one warm-up: CPU and queries per page.

Reads only the test client and the services every build of the platform has, so the same file
measures an older checkout too (docs/performance.md §7a).
"""

import os
import statistics
import time
import uuid
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from jinlin.cases.models import Case
from jinlin.cases.services import sla_sweep_run
from jinlin.core.models import OrgKind, OrgUnit
from jinlin.core.services import api_token_issue

from .run import RESIDENTS, _intake_requests, _pick_residents, _top_viewer, seeded_scale

SQL_SAMPLE = 160  # characters of each statement kept in the sample of one intake


def _summary(values: list[float], digits: int = 2) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    trim = len(ordered) // 10  # a tenth off each end: a descheduled sample cannot move the mean
    kept = ordered[trim : len(ordered) - trim] or ordered
    return {
        "n": len(values),
        "median": round(statistics.median(ordered), digits),
        "trimmed_mean": round(statistics.fmean(kept), digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
    }


def _notifications() -> int | None:
    if not apps.is_installed("jinlin.notify"):
        return None
    return apps.get_model("notify", "Notification").objects.count()


def _timed(fn: Callable[[], object]) -> tuple[object, float, float, list[str]]:
    """fn()'s result, its CPU and wall milliseconds and its statements."""
    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        out = fn()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return out, cpu * 1000, wall * 1000, [q["sql"] for q in queries.captured_queries]


def _client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


def intake_phase(intakes: int, warm: int, stderr=None) -> dict:
    residents = _pick_residents(RESIDENTS)
    deck = _intake_requests([(api_token_issue(user=user)[0], home) for user, home in residents])
    client = _client()
    modes = {"notify_on": True, "notify_off": False}
    samples: dict[str, dict[str, list[float]]] = {m: {"cpu_ms": [], "wall_ms": [], "queries": []} for m in modes}
    sql: dict[str, list[str]] = {}
    notes_before = _notifications()
    errors: dict[str, int] = {}

    def post(i: int):
        token, body = deck[i % len(deck)]
        return client.post(
            "/api/cases",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

    for i in range(warm + 2 * intakes):
        # Interleaved on, off, on, off …: a change of load on the machine falls on both alike.
        mode = "notify_on" if i % 2 == 0 else "notify_off"
        with override_settings(NOTIFY_CASE_EVENTS=modes[mode]):
            response, cpu, wall, statements = _timed(lambda i=i: post(i))
        if response.status_code != 201:  # type: ignore[attr-defined]
            key = str(response.status_code)  # type: ignore[attr-defined]
            errors[key] = errors.get(key, 0) + 1
            continue
        if i < warm:
            continue
        samples[mode]["cpu_ms"].append(cpu)
        samples[mode]["wall_ms"].append(wall)
        samples[mode]["queries"].append(len(statements))
        sql[mode] = [s[:SQL_SAMPLE] for s in statements]
    out: dict = {"intakes_per_mode": intakes, "warm_up": warm, "errors": errors}
    for mode, values in samples.items():
        out[mode] = {name: _summary(v, 2 if name != "queries" else 1) for name, v in values.items()}
    on, off = out["notify_on"]["cpu_ms"], out["notify_off"]["cpu_ms"]
    if on.get("n") and off.get("n"):
        out["notify_share_of_intake_cpu"] = {
            "median": round(on["median"] / off["median"] - 1, 3),
            "trimmed_mean": round(on["trimmed_mean"] / off["trimmed_mean"] - 1, 3),
        }
    notes_after = _notifications()
    if notes_before is not None and notes_after is not None:
        out["notifications_per_notified_intake"] = round((notes_after - notes_before) / max(1, intakes), 2)
    out["sql_of_last_intake"] = sql
    return out


def sweep_phase() -> dict:
    out = {}
    for name in ("catch_up", "steady"):
        notes = _notifications()
        result, cpu, wall, statements = _timed(sla_sweep_run)
        after = _notifications()
        out[name] = {
            "cpu_s": round(cpu / 1000, 3),
            "wall_s": round(wall / 1000, 3),
            "queries": len(statements),
            "result": result,
            "notifications_written": after - notes if notes is not None and after is not None else None,
        }
    return out


def dashboard_phase(repeats: int) -> dict:
    viewer = _top_viewer()
    if viewer is None:
        return {"skipped": "no platform admin in the seed"}
    client = _client()
    client.force_login(viewer)
    page = reverse("stats:dashboard")
    street = OrgUnit.objects.filter(kind=OrgKind.STREET).order_by("code").first()
    community = (
        OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, code__startswith=street.code).order_by("code").first()
        if street
        else None
    )
    levels = [("top", "")]
    if street is not None and community is not None:
        levels += [
            ("street", f"?org={street.code}&group_by=community"),
            ("community", f"?org={community.code}&group_by=grid"),
        ]
    out = {}
    for level, query in levels:
        client.get(page + query)  # the first request compiles templates, fills caches
        cpu, queries, statuses = [], [], set()
        for _ in range(repeats):
            response, ms, _wall, statements = _timed(lambda q=query: client.get(page + q))
            statuses.add(response.status_code)  # type: ignore[attr-defined]
            cpu.append(ms)
            queries.append(len(statements))
        out[level] = {"cpu_ms": _summary(cpu, 1), "queries": _summary(queries, 0), "status": sorted(statuses)}
    return out


def run_in_process(*, intakes: int = 60, warm: int = 10, repeats: int = 7, stderr=None) -> dict:
    """Everything above on the configured database (a copy: this writes)."""

    def say(message: str) -> None:
        if stderr is not None:
            stderr.write(message + "\n")
            stderr.flush()

    seed = seeded_scale()
    result: dict = {
        "mode": "in_process",
        "database": {"vendor": connection.vendor, "name": str(settings.DATABASES["default"]["NAME"])},
        "scale": seed.get("scale") if seed else None,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "data": {"cases": Case.objects.count()},
        "open_by_status": dict(Case.objects.values_list("status").annotate(n=Count("pk")).order_by()),
    }
    # The bench's own server settings: no rate limit (a few residents file hundreds of cases).
    with override_settings(RATE_LIMITS_ENABLED=False, ALLOWED_HOSTS=["127.0.0.1", "testserver"]):
        say(f"In-process intake: {warm} to warm up, then {intakes} with notify and {intakes} without, interleaved …")
        result["intake"] = intake_phase(intakes, warm, stderr)
        say("The SLA sweep: catching up, then steady …")
        result["sla_sweep"] = sweep_phase()
        say(f"The dashboard at three levels, {repeats} requests each …")
        result["dashboard"] = dashboard_phase(repeats)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return result
