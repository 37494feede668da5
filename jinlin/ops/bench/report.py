"""Saved `jinlin bench --json` results side by side as one Markdown table (`jinlin bench --report
a.json b.json …`), so docs/performance.md shows exactly what the runs printed, and how each
figure grows from one scale (or database) to the next."""

import json
from collections.abc import Iterable

# (label, path into the result, unit). A missing figure prints as "—".
ROWS = (
    ("cases in the database", ("data", "cases"), ""),
    ("open cases", ("data", "open_cases"), ""),
    ("load average at start", ("load_average_at_start", 0), ""),
    ("database limit, 8 connections", ("db_limit", "commits_per_s"), "commits/s"),
    ("database limit, 1 connection", ("db_limit_single_connection", "commits_per_s"), "commits/s"),
    ("floor throughput", ("floor", "throughput_rps"), "req/s"),
    ("floor p99", ("floor", "p99_ms"), "ms"),
    ("intake throughput", ("intake", "throughput_rps"), "req/s"),
    ("intake p50", ("intake", "p50_ms"), "ms"),
    ("intake p95", ("intake", "p95_ms"), "ms"),
    ("intake p99", ("intake", "p99_ms"), "ms"),
    ("intake errors", ("intake", "errors"), ""),
    ("intake ÷ floor", ("ratios", "intake_over_floor"), ""),
    ("intake ÷ database limit", ("ratios", "intake_over_db"), ""),
    ("notifications written per case taken in", ("notify", "per_case"), ""),
    ("intake with notify on, per round", ("notify_rounds", "on"), "req/s"),
    ("intake with notify off, per round", ("notify_rounds", "off"), "req/s"),
    ("intake lost to notify (on vs off, all rounds)", ("notify_rounds", "slowdown"), ""),
    ("notifications, bell and unread page (API) p50 / p95", ("reads", "notifications_unread"), "ms"),
    ("inbox (handler, API) p50 / p95", ("reads", "inbox_department_handler"), "ms"),
    ("inbox (grid worker, API) p50 / p95", ("reads", "inbox_grid_worker"), "ms"),
    ("inbox page p50 / p95", ("reads", "inbox_page"), "ms"),
    ("case detail (API) p50 / p95", ("reads", "case_detail"), "ms"),
    ("case detail page p50 / p95", ("reads", "case_detail_page"), "ms"),
    ("public board p50 / p95", ("reads", "public_board"), "ms"),
    ("Open311 requests.json p50 / p95", ("reads", "open311_requests"), "ms"),
    ("dashboard, top level p50 / p95", ("reads", "dashboard_city"), "ms"),
    ("dashboard, street p50 / p95", ("reads", "dashboard_street"), "ms"),
    ("dashboard, community p50 / p95", ("reads", "dashboard_community"), "ms"),
    ("centre panel of the dashboard (htmx) p50 / p95", ("reads", "dashboard_centre_panel"), "ms"),
    ("SLA sweep, catching up", ("sla_sweep", "catch_up", "seconds"), "s"),
    ("SLA sweep, steady", ("sla_sweep", "steady", "seconds"), "s"),
    ("notifications written by the catching-up sweep", ("sla_sweep", "catch_up", "notifications_written"), ""),
    ("metrics refresh, catching up", ("metrics_refresh", "catch_up", "seconds"), "s"),
    ("metrics refresh, steady", ("metrics_refresh", "steady", "seconds"), "s"),
    ("centre booking throughput (201 or 409)", ("centre", "booking", "throughput_rps"), "req/s"),
    ("centre booking p50 / p95", ("centre", "booking"), "ms"),
    ("centre booking overlaps after the run", ("centre", "booking", "overlaps"), ""),
    ("centre registration throughput", ("centre", "registration", "throughput_rps"), "req/s"),
    ("centre registration p50 / p95", ("centre", "registration"), "ms"),
    ("time bank confirm (记账, in-process) p50 / p95", ("timebank", "confirm"), "ms"),
    ("time bank redeem (in-process) p50 / p95", ("timebank", "redeem"), "ms"),
    ("time bank ledger verify", ("timebank", "verify", "seconds"), "s"),
    ("peak memory, largest gunicorn worker", ("memory_peak_mb", "gunicorn_workers"), "MB"),
    # `jinlin bench --in-process` (inproc.py): CPU time and queries, medians of interleaved samples.
    ("CPU per intake, notify on (median)", ("intake", "notify_on", "cpu_ms", "median"), "ms"),
    ("CPU per intake, notify off (median)", ("intake", "notify_off", "cpu_ms", "median"), "ms"),
    ("CPU per intake, notify on (trimmed mean)", ("intake", "notify_on", "cpu_ms", "trimmed_mean"), "ms"),
    ("CPU per intake, notify off (trimmed mean)", ("intake", "notify_off", "cpu_ms", "trimmed_mean"), "ms"),
    ("notify's share of intake CPU", ("intake", "notify_share_of_intake_cpu"), ""),
    ("queries per intake, notify on (median)", ("intake", "notify_on", "queries", "median"), ""),
    ("queries per intake, notify off (median)", ("intake", "notify_off", "queries", "median"), ""),
    ("notifications per notified intake", ("intake", "notifications_per_notified_intake"), ""),
    ("SLA sweep catching up: queries", ("sla_sweep", "catch_up", "queries"), ""),
    ("SLA sweep catching up: CPU", ("sla_sweep", "catch_up", "cpu_s"), "s"),
    ("SLA sweep catching up: wall", ("sla_sweep", "catch_up", "wall_s"), "s"),
    ("SLA sweep steady: queries", ("sla_sweep", "steady", "queries"), ""),
    ("dashboard CPU, top level (median)", ("dashboard", "top", "cpu_ms", "median"), "ms"),
    ("dashboard CPU, street (median)", ("dashboard", "street", "cpu_ms", "median"), "ms"),
    ("dashboard CPU, community (median)", ("dashboard", "community", "cpu_ms", "median"), "ms"),
    ("dashboard queries, top / street / community", ("dashboard",), ""),
)


def _dig(result: dict, path: tuple):
    value = result
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _cell(value, unit: str) -> str:
    if value is None or value == {}:
        return "—" if value is None else "0"
    if isinstance(value, dict) and {"top", "street", "community"} <= set(value):  # in-process dashboards
        return " / ".join(_number(value[k].get("queries", {}).get("median")) for k in ("top", "street", "community"))
    if isinstance(value, dict) and "p50_ms" in value:
        cell = f"{_number(value['p50_ms'])} / {_number(value['p95_ms'])}"
        if value.get("errors"):
            cell += f" ({sum(value['errors'].values())} failed)"
        return cell
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        numbers = [v for v in value if v is not None]
        return _number(max(numbers)) if numbers else "—"
    return _number(value)


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def _heading(result: dict) -> str:
    db = result.get("database", {}).get("vendor", "?")
    where = "in-process, " if result.get("mode") == "in_process" else ""
    return f"{where}{result.get('scale') or 'unseeded'}, {'PostgreSQL' if db == 'postgresql' else 'SQLite'}"


def markdown(results: Iterable[dict]) -> str:
    results = list(results)
    lines = [
        "| figure | unit | " + " | ".join(_heading(r) for r in results) + " |",
        "|---|---|" + "---:|" * len(results),
    ]
    for label, path, unit in ROWS:
        cells = [_cell(_dig(r, path), unit) for r in results]
        if all(c == "—" for c in cells):
            continue
        lines.append(f"| {label} | {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_files(paths: Iterable[str]) -> str:
    results = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            results.append(json.load(f))
    return markdown(results)
