"""One benchmark run against the configured (already seeded) database; see `jinlin bench --help`.

Order of the run, all against the same data in one go, so the ratios compare like with like:

1. the database limit: single-row INSERT + COMMIT straight through the driver (no Django);
2. gunicorn starts on a free loopback port (the README's production recipe: 2·cores+1 workers,
   4 threads, DEBUG off) with the floor endpoint added (jinlin.ops.bench.urls);
3. the floor, then case intake (POST /api/cases as seeded residents), closed loop at a fixed
   concurrency, after a warm-up;
4. read latencies, one client at a time: inboxes, case detail, the public board and Open311
   (each skipped with a note when the page does not exist);
5. the SLA sweep over all open cases, twice (catching up since the seed, then steady state), and
   the incremental refresh of the metrics rollups, twice (taking in what intake wrote, steady);
6. the dashboard at three levels, last (the slowest, with a per-request timeout);
7. peak memory of every process (VmHWM), then gunicorn stops and the scratch table goes.
"""

import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jinlin.cases.machine import ACTIVE, Status
from jinlin.cases.models import Case, Category
from jinlin.cases.services import sla_sweep_run
from jinlin.core.models import AuditEntry, OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.services import api_token_issue
from jinlin.ops.scale import CATEGORY_TREE
from jinlin.stats.services import metrics_refresh
from jinlin.volunteers.bench import timebank_bench

from . import FLOOR_TABLE, load
from . import centre as centre_bench

HOST = "127.0.0.1"
RESIDENTS = 64
TARGETS = {
    "intake_throughput_rps": 300,
    "intake_p99_ms": 200,
    "intake_over_floor": 0.5,
    "inbox_p95_ms": 50,
    "detail_p95_ms": 50,
    "dashboard_p95_ms": 150,
    "sla_sweep_seconds": 2,
}


class BenchError(Exception):
    pass


def _say(stderr, message: str) -> None:
    if stderr is not None:
        stderr.write(message + "\n")
        stderr.flush()


# ---------------------------------------------------------------------------------------------
# What is in the database


def seeded_scale() -> dict | None:
    entry = AuditEntry.objects.filter(action="seed.scale").order_by("-at").first()
    return entry.after if entry is not None else None


def _pick_residents(n: int) -> list[tuple[User, OrgUnit]]:
    """n residents spread evenly over the resident roles (so over grids), with their home unit."""
    bounds = RoleAssignment.objects.filter(role=Role.RESIDENT, is_active=True).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        raise BenchError("The database has no residents: seed it first (jinlin seed --scale …).")
    picked, seen = [], set()
    for k in range(n):
        at = bounds["lo"] + (bounds["hi"] - bounds["lo"]) * k // max(n - 1, 1)
        grant = (
            RoleAssignment.objects.filter(role=Role.RESIDENT, is_active=True, user__is_active=True, pk__gte=at)
            .select_related("user", "org")
            .order_by("pk")
            .first()
        )
        if grant is not None and grant.user_id not in seen:
            seen.add(grant.user_id)
            picked.append((grant.user, grant.org))
    return picked


def _busiest(kind: str, role: str) -> tuple[User, OrgUnit] | None:
    """The unit of `kind` owning the most open cases, and the first of its staff in `role`."""
    top = (
        Case.objects.filter(status__in=ACTIVE, owner_unit__kind=kind)
        .values("owner_unit")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_unit")
        .first()
    )
    units = [top["owner_unit"]] if top else []
    units += list(OrgUnit.objects.filter(kind=kind).order_by("code").values_list("pk", flat=True)[:1])
    for unit in units:
        grant = (
            RoleAssignment.objects.filter(role=role, org_id=unit, is_active=True)
            .select_related("user", "org")
            .order_by("pk")
            .first()
        )
        if grant is not None:
            return grant.user, grant.org
    return None


def _top_viewer() -> User | None:
    """The user whose platform-admin roles cover the most districts (the city's, if seeded)."""
    row = (
        RoleAssignment.objects.filter(role=Role.PLATFORM_ADMIN, is_active=True, org__kind=OrgKind.DISTRICT)
        .values("user")
        .annotate(n=Count("pk"))
        .order_by("-n", "user")
        .first()
    )
    return User.objects.get(pk=row["user"]) if row else None


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# ---------------------------------------------------------------------------------------------
# Intake payloads


def _category_titles() -> list[tuple[str, list[str]]]:
    titles = {code: t for code, _n, _p, _d, _tier, _w, _pw, t in CATEGORY_TREE}
    parents = set(Category.objects.exclude(parent=None).values_list("parent__code", flat=True))
    codes = Category.objects.filter(is_active=True).exclude(code__in=parents).values_list("code", flat=True)
    return [(code, titles.get(code) or ["问题反映"]) for code in codes] or [("", ["问题反映"])]


def _intake_requests(residents: list[tuple[str, OrgUnit]], seed: int = 1) -> list[load.Request]:
    """A fixed deck of realistic intake bodies; each request takes the next card with a fresh
    Idempotency-Key (mobile clients send one)."""
    rng = random.Random(seed)
    categories = _category_titles()
    deck = []
    for i in range(512):
        token, home = residents[i % len(residents)]
        code, titles = rng.choice(categories)
        title = rng.choice(titles)
        body = {"title": title, "description": f"{home.name}{title}，请尽快处理。"}
        if code and rng.random() < 0.7:
            body["category_code"] = code
        if home.lat is not None and rng.random() < 0.8:
            body["lat"], body["lng"] = home.lat, home.lng
        if rng.random() < 0.3:
            body["address"] = home.address or home.name
        deck.append((token, json.dumps(body, ensure_ascii=False).encode()))
    return deck


def _post(path: str, deck) -> callable:
    def make(i: int) -> load.Request:
        token, body = deck[i % len(deck)]
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        return ("POST", path, body, headers)

    return make


# ---------------------------------------------------------------------------------------------
# The database limit, straight through the driver


def _floor_table_create() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
                "(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, user_id bigint, body text NOT NULL)"
            )
        else:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
                "(id integer PRIMARY KEY AUTOINCREMENT, created_at text NOT NULL, user_id integer, body text NOT NULL)"
            )


def _floor_table_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")


def _driver_connect():
    """A new connection of the database driver itself, set up as the platform sets up its own."""
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.connect(**connection.get_connection_params())
    db = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=20, isolation_level=None)
    db.executescript(settings.DATABASES["default"]["OPTIONS"].get("init_command", ""))
    return db


def db_limit(*, concurrency: int, seconds: float) -> dict:
    """Single-row INSERT + COMMIT per second, `concurrency` connections in parallel."""
    postgres = connection.vendor == "postgresql"
    sql = f"INSERT INTO {FLOOR_TABLE} (created_at, user_id, body) VALUES (%s, %s, %s)"  # noqa: S608
    if not postgres:
        sql = sql.replace("%s", "?")
    counts = [0] * concurrency
    errors = []
    start_line = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(k: int):
        db = _driver_connect()
        try:
            start_line.wait()
            while time.perf_counter() < deadline[0]:
                if postgres:
                    with db.cursor() as cursor:
                        cursor.execute(sql, [timezone.now(), k, "楼道灯不亮"])
                    db.commit()
                else:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute(sql, [timezone.now().isoformat(), k, "楼道灯不亮"])
                    db.execute("COMMIT")
                counts[k] += 1
        except Exception as exc:  # reported in the result, never hidden
            errors.append(repr(exc))
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "connections": concurrency,
        "commits": sum(counts),
        "seconds": round(elapsed, 2),
        "commits_per_s": round(sum(counts) / elapsed, 1),
        "errors": errors[:3],
    }


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port(port: int = 0) -> int:
    """`port` if it is free (0: any free port)."""
    with socket.socket() as s:
        s.bind((HOST, port))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int, notify_off_flag: str = "") -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jinlin.ops.bench.settings",
        "JINLIN_BENCH": "1",
        "JINLIN_DEBUG": "0",
        "JINLIN_BENCH_NOTIFY_OFF_FLAG": notify_off_flag,
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "jinlin.wsgi:application"),
        *("--bind", f"{HOST}:{port}", "--workers", str(workers), "--threads", str(threads)),
        # A city dashboard may take longer than gunicorn's default 30 s; the bench reports it.
        *("--timeout", "600", "--graceful-timeout", "5", "--no-control-socket", "--log-level", "warning"),
    ]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with code {process.returncode}")
        try:
            phase = load.sequential("ping", port, [("GET", "/bench/ping", None, {})], count=1, budget_seconds=1)
            if phase.ok:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise BenchError("gunicorn did not answer within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return sorted(out)


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM) in MB; None where /proc is not available."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------------------------
# The run


def run(
    *,
    scale: str | None = None,
    seconds: float = 20,
    concurrency: int = 8,
    workers: int | None = None,
    threads: int = 4,
    reads: int = 40,
    read_seconds: float = 30,
    dashboard_timeout: float = 300,
    port: int = 0,
    notify_rounds: int = 4,
    stderr=None,
) -> dict:
    cpu = os.cpu_count() or 1
    workers = workers or 2 * cpu + 1
    seed = seeded_scale()
    if scale and (seed is None or seed.get("scale") != scale):
        found = seed.get("scale") if seed else "nothing seeded by `jinlin seed --scale`"
        raise BenchError(f"--scale {scale} was asked for, but the database holds: {found}")
    result = {
        "database": {
            "vendor": connection.vendor,
            "version": _db_version(),
            "name": str(settings.DATABASES["default"]["NAME"]),
        },
        "scale": seed.get("scale") if seed else None,
        "seed": seed,
        "cpu_count": cpu,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "gunicorn": {"workers": workers, "threads": threads},
        "concurrency": concurrency,
        "phase_seconds": seconds,
        "data": {
            "cases": Case.objects.count(),
            "open_cases": Case.objects.filter(status__in=ACTIVE).count(),
            "users": User.objects.count(),
            "grids": OrgUnit.objects.filter(kind=OrgKind.GRID).count(),
        },
        "skipped": {},
    }
    _say(stderr, f"Benchmark on {connection.vendor}, scale {result['scale']}, {result['data']}")

    # The people the requests act as.
    residents = _pick_residents(RESIDENTS)
    resident_tokens = [(api_token_issue(user=user)[0], home) for user, home in residents]
    handler = _busiest(OrgKind.DEPARTMENT, Role.DEPARTMENT_HANDLER)
    worker = _busiest(OrgKind.GRID, Role.GRID_WORKER)
    viewer = _top_viewer()
    if handler is None or worker is None or viewer is None:
        raise BenchError("The seeded data lack a department handler, a grid worker or a platform admin.")
    handler_token = api_token_issue(user=handler[0])[0]
    worker_token = api_token_issue(user=worker[0])[0]

    _floor_table_create()
    flag_dir = tempfile.mkdtemp(prefix="jinlin-bench-")  # the notify rounds' switch (bench settings)
    notify_flag = os.path.join(flag_dir, "notify-off")
    process = None
    try:
        _say(stderr, f"Database limit: {concurrency} connections, {min(seconds, 10):.0f} s …")
        result["db_limit"] = db_limit(concurrency=concurrency, seconds=min(seconds, 10))
        result["db_limit_single_connection"] = db_limit(concurrency=1, seconds=min(seconds, 5))

        port = free_port(port)
        _say(stderr, f"gunicorn on {HOST}:{port}: {workers} workers × {threads} threads …")
        process = start_server(port, workers, threads, notify_flag)
        deck = _intake_requests(resident_tokens)
        intake, floor_request = _post("/api/cases", deck), _post("/bench/floor", deck)
        budget = int(seconds * 3000)

        # Warm-up: every worker loads its code, grid index, triage engine (jieba's dictionary:
        # seconds per process), caches and connections. As many connections as the server has
        # threads, so each worker gets some, and long enough for all of them to finish loading.
        slots = workers * threads
        warm = max(10.0, seconds / 2)
        load.closed_loop("warm", port, floor_request, concurrency=slots, seconds=3, max_requests=budget, expect={201})
        load.closed_loop("warm", port, intake, concurrency=slots, seconds=warm, max_requests=budget, expect={201})
        _say(stderr, f"Floor: POST /bench/floor, concurrency {concurrency}, {seconds:.0f} s …")
        floor = load.closed_loop(
            "floor", port, floor_request, concurrency=concurrency, seconds=seconds, max_requests=budget, expect={201}
        )
        _say(stderr, f"Intake: POST /api/cases, concurrency {concurrency}, {seconds:.0f} s …")
        cases_before = Case.objects.count()
        notify_before = _notify_counts()
        intake_phase = load.closed_loop(
            "intake", port, intake, concurrency=concurrency, seconds=seconds, max_requests=budget, expect={201}
        )
        result["floor"] = floor.summary()
        result["intake"] = intake_phase.summary()
        result["intake"]["cases_created"] = Case.objects.count() - cases_before
        result["notify"] = _notify_written(notify_before, result["intake"]["cases_created"])
        result["ratios"] = {
            "intake_over_floor": _ratio(result["intake"]["throughput_rps"], result["floor"]["throughput_rps"]),
            "intake_over_db": _ratio(result["intake"]["throughput_rps"], result["db_limit"]["commits_per_s"]),
            "floor_over_db": _ratio(result["floor"]["throughput_rps"], result["db_limit"]["commits_per_s"]),
        }

        _say(stderr, f"Centre: bookings and registrations, concurrency {concurrency}, {seconds:.0f} s each …")
        result["centre"] = centre_bench.run_phases(
            port,
            [t for t, _h in resident_tokens],
            concurrency=concurrency,
            seconds=seconds,
            budget=budget,
            stderr=stderr,
        )

        _say(stderr, "Reads, one client at a time …")
        result["reads"] = {}
        context = (port, result, handler, handler_token, worker, worker_token, viewer, reads, read_seconds, stderr)
        _reads(*context)
        # The sweep runs in this process while gunicorn idles; the dashboards, slowest of all,
        # come last so a runaway one cannot slow anything else down.
        _say(stderr, "SLA sweep over all open cases …")
        result["sla_sweep"] = _sweeps()
        # The dashboard reads rollups refreshed every minute from the timeline: the first refresh
        # takes in the cases intake just wrote (and the sweep's entries), the second is steady.
        _say(stderr, "Metrics refresh (incremental) …")
        result["metrics_refresh"] = {name: metrics_refresh() for name in ("catch_up", "steady")}
        result["timebank"] = timebank_bench()  # confirm → credit, redeem, ledger verify (in-process)
        _dashboards(*context, timeout=dashboard_timeout)
        # Last: the thousands of cases these rounds add would change what the sweep, the metrics
        # refresh and the dashboards above have to read, and those figures compare runs.
        if notify_rounds and apps.is_installed("jinlin.notify"):
            _say(stderr, f"Intake with notify on and off, {notify_rounds} rounds of 2 × {NOTIFY_PHASE_SECONDS} s …")
            result["notify_rounds"] = _notify_rounds(port, intake, concurrency, notify_rounds, notify_flag, budget)
        result["memory_peak_mb"] = {
            "gunicorn_master": peak_rss_mb(process.pid),
            "gunicorn_workers": [peak_rss_mb(pid) for pid in _children(process.pid)],
            "bench_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        if process is not None:
            stop_server(process)
        _floor_table_drop()
        shutil.rmtree(flag_dir, ignore_errors=True)

    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = _targets(result)
    return result


NOTIFY_PHASE_SECONDS = 5


def _notify_rounds(port, intake, concurrency: int, rounds: int, flag: str, budget: int) -> dict:
    """Intake throughput with notify's case subscriber on and off in alternating phases of one
    run: the same server, data and connections' luck, so what telling people costs intake shows
    through the noise between runs (issue 13: at most 10 %). The order flips every round."""
    out: dict = {"phase_seconds": NOTIFY_PHASE_SECONDS, "on_rps": [], "off_rps": [], "order": []}
    try:
        for k in range(rounds):
            order = ("on", "off") if k % 2 == 0 else ("off", "on")
            for mode in order:
                if mode == "off":
                    open(flag, "w").close()  # noqa: SIM115  # an empty flag file is the switch
                elif os.path.exists(flag):
                    os.remove(flag)
                phase = load.closed_loop(
                    f"intake_notify_{mode}", port, intake, concurrency=concurrency,
                    seconds=NOTIFY_PHASE_SECONDS, max_requests=budget, expect={201},
                )  # fmt: skip
                out[f"{mode}_rps"].append(phase.summary()["throughput_rps"])
            out["order"].append("/".join(order))
    finally:
        if os.path.exists(flag):
            os.remove(flag)
    for mode in ("on", "off"):
        out[mode] = " / ".join(f"{rps:g}" for rps in out[f"{mode}_rps"])
    on, off = sum(out["on_rps"]), sum(out["off_rps"])
    out["slowdown"] = round(1 - on / off, 3) if off else None  # share of intake notify costs
    return out


def _measure(port, result, name, requests, reads, read_seconds, stderr, timeout=300, warm=True):
    if warm:  # the first request of a path pays for imports, template compilation, cold caches
        load.sequential(name, port, requests[:1], count=1, budget_seconds=0, timeout=timeout)
    phase = load.sequential(name, port, requests, count=reads, budget_seconds=read_seconds, timeout=timeout)
    out = result["reads"][name] = phase.summary()
    _say(stderr, f"  {name}: p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms ({out['requests']} requests)")
    return phase


def _reads(port, result, handler, handler_token, worker, worker_token, viewer, reads, read_seconds, stderr) -> None:
    out = result["reads"]

    def measure(name: str, requests: list[load.Request]):
        _measure(port, result, name, requests, reads, read_seconds, stderr)

    inbox_query = "/api/cases?mine=true&status=dispatched,in_progress,reopened&page_size=20"
    for name, (user, unit), token in (
        ("inbox_department_handler", handler, handler_token),
        ("inbox_grid_worker", worker, worker_token),
    ):
        measure(name, [("GET", inbox_query, None, {"Authorization": f"Bearer {token}"})])
        out[name]["user"] = f"{user.name} @ {unit.code}"
    page = _url("cases:inbox")
    if page:
        measure("inbox_page", [("GET", page, None, {"Cookie": _session_cookie(handler[0])})])
    else:
        result["skipped"]["inbox_page"] = "no inbox page (cases:inbox) is registered yet; the API inbox is measured"

    detail_ids = list(
        Case.objects.filter(owner_unit=handler[1]).order_by("-pk").values_list("pk", flat=True)[: max(reads, 10)]
    )
    headers = {"Authorization": f"Bearer {handler_token}"}
    measure("case_detail", [("GET", f"/api/cases/{pk}", None, headers) for pk in detail_ids])
    if _url("cases:detail", pk=detail_ids[0]):
        cookie = {"Cookie": _session_cookie(handler[0])}
        measure("case_detail_page", [("GET", _url("cases:detail", pk=pk), None, cookie) for pk in detail_ids])

    board = next(filter(None, (_url(n) for n in ("cases:public", "cases:board", "cases:disclosure"))), None)
    if board:
        measure("public_board", [("GET", board, None, {})])
    else:
        result["skipped"]["public_board"] = "no public disclosure board page is registered yet"
    open311 = _url("open311:requests", fmt="json")
    if open311:
        measure("open311_requests", [("GET", open311, None, {})])
    # The bell's data and the first inbox page (notify): one indexed count and one page.
    measure(
        "notifications_unread",
        [("GET", "/api/notifications?unread=1", None, {"Authorization": f"Bearer {handler_token}"})],
    )

    from jinlin.people.bench import people_reads  # the household registry (issue 16)

    people_reads(measure, result, worker, worker_token, stderr)


def _notify_counts() -> tuple[int, int]:
    from jinlin.notify.models import Delivery, Notification

    return Notification.objects.count(), Delivery.objects.count()


def _notify_written(before: tuple[int, int], cases: int) -> dict:
    """What intake's subscribers wrote (notify's outbox rows): delivery itself is after commit."""
    notes, deliveries = (after - b for after, b in zip(_notify_counts(), before, strict=True))
    return {
        "notifications_written": notes,
        "deliveries_written": deliveries,
        "per_case": round(notes / cases, 2) if cases else None,
    }


def _dashboards(port, result, handler, handler_token, worker, worker_token, viewer, reads, read_seconds, stderr,
                *, timeout) -> None:  # fmt: skip
    """The metrics dashboard over the last 12 months (its default period) at three levels."""
    dashboard = _url("stats:dashboard")
    if not dashboard:
        result["skipped"]["dashboard"] = "the metrics dashboard (stats:dashboard) is not registered"
        return
    cookie = {"Cookie": _session_cookie(viewer)}
    street = OrgUnit.objects.filter(kind=OrgKind.STREET).order_by("code").first()
    community = OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, code__startswith=street.code).order_by("code").first()
    for level, query in (
        ("city", ""),
        ("street", f"?org={street.code}&group_by=community"),
        ("community", f"?org={community.code}&group_by=grid"),
    ):
        name = f"dashboard_{level}"
        # No warm-up request: one costs as much as a sample here, and the cold start is small beside it.
        phase = _measure(port, result, name, [("GET", dashboard + query, None, cookie)], reads, read_seconds, stderr,
                         timeout=timeout, warm=False)  # fmt: skip
        if phase.failures.get("timeout"):
            result["reads"][name]["timeout_s"] = timeout
            _cancel_running_queries()
    # The centres' panel the dashboard fetches after its page (htmx), measured on its own.
    panel = _url("centre:figures")
    if panel:
        _measure(port, result, "dashboard_centre_panel", [("GET", panel, None, {**cookie, "HX-Request": "true"})],
                 reads, read_seconds, stderr, timeout=timeout)  # fmt: skip
    result["reads"]["dashboard_city"]["viewer_districts"] = viewer.role_assignments.filter(
        role=Role.PLATFORM_ADMIN
    ).count()


def _cancel_running_queries() -> None:
    """Stop what gunicorn still computes for a request the bench gave up on (PostgreSQL only;
    only sessions of this database, which the benchmark owns)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
            )


def _sweeps() -> dict:
    open_cases = Case.objects.filter(status__in=ACTIVE).count()
    resolved = Case.objects.filter(status=Status.RESOLVED).count()
    out = {"active_cases": open_cases, "resolved_awaiting_rating": resolved}
    for name in ("catch_up", "steady"):
        notes = _notify_counts()[0]
        began = time.perf_counter()
        counts = sla_sweep_run()  # with notify's subscriber: who hears of each urge, overdue, close
        seconds = round(time.perf_counter() - began, 3)
        out[name] = {"seconds": seconds, "result": counts, "notifications_written": _notify_counts()[0] - notes}
    return out


def _ratio(a, b):
    return round(a / b, 3) if a and b else None


def _targets(r: dict) -> dict:
    """Each target of issue 5 with the measured figure and whether it is met."""
    t = TARGETS
    out = {}

    def check(name, value, limit, at_least=False):
        if value is None:
            out[name] = {"value": None, "target": limit, "met": None}
        else:
            out[name] = {"value": value, "target": limit, "met": value >= limit if at_least else value <= limit}

    check("intake_throughput_rps", r["intake"]["throughput_rps"], t["intake_throughput_rps"], at_least=True)
    check("intake_p99_ms", r["intake"]["p99_ms"], t["intake_p99_ms"])
    check("intake_over_floor", r["ratios"]["intake_over_floor"], t["intake_over_floor"], at_least=True)
    for name, value in r["reads"].items():
        if name.startswith("inbox"):
            check(f"{name}_p95_ms", value["p95_ms"], t["inbox_p95_ms"])
        elif name.startswith("case_detail"):
            check(f"{name}_p95_ms", value["p95_ms"], t["detail_p95_ms"])
        elif name.startswith("dashboard"):
            check(f"{name}_p95_ms", value["p95_ms"], t["dashboard_p95_ms"])
    check("sla_sweep_seconds", r["sla_sweep"]["catch_up"]["seconds"], t["sla_sweep_seconds"])
    check("sla_sweep_steady_seconds", r["sla_sweep"]["steady"]["seconds"], t["sla_sweep_seconds"])
    return out


def _db_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Credentials for the locust file


def locust_users(path: str, *, residents: int = 200) -> dict:
    """Write bearer tokens and session cookies of seeded people for loadtest/locustfile.py."""
    people = {"residents": [], "grid_workers": [], "handlers": [], "dashboards": []}
    for user, home in _pick_residents(residents):
        people["residents"].append({"token": api_token_issue(user=user)[0], "lat": home.lat, "lng": home.lng})
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, is_active=True).select_related("user")
    handlers = RoleAssignment.objects.filter(
        Q(role=Role.DEPARTMENT_HANDLER) | Q(role=Role.COMMUNITY_STAFF), is_active=True
    ).select_related("user")
    for key, grants in (("grid_workers", workers), ("handlers", handlers)):
        users = {g.user_id: g.user for g in grants.order_by("pk")[:2000]}
        for user in list(users.values())[:: max(1, len(users) // 50)][:50]:
            people[key].append({"token": api_token_issue(user=user)[0]})
    viewer = _top_viewer()
    if viewer is not None:
        people["dashboards"].append({"cookie": _session_cookie(viewer)})
    staff = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, is_active=True).select_related("user")
    for grant in staff.order_by("pk")[:5]:
        people["dashboards"].append({"cookie": _session_cookie(grant.user)})
    people["created"] = date.today().isoformat()
    with open(path, "w") as f:
        json.dump(people, f, ensure_ascii=False, indent=1)
    return {key: len(value) for key, value in people.items() if isinstance(value, list)}
