"""`jinlin bench --report` prints saved results side by side, exactly as measured."""

import json

import pytest
from django.core.management import CommandError, call_command

from jinlin.ops.bench.report import markdown

RESULT = {
    "scale": "district",
    "database": {"vendor": "postgresql"},
    "data": {"cases": 100000, "open_cases": 2500},
    "floor": {"throughput_rps": 412.3, "p99_ms": 40.0},
    "intake": {"throughput_rps": 95.5, "p50_ms": 60.1, "p95_ms": 120.0, "p99_ms": 180.2, "errors": {}},
    "ratios": {"intake_over_floor": 0.232},
    "reads": {"case_detail": {"p50_ms": 12.5, "p95_ms": 30.0, "errors": {"timeout": 2}}},
    "memory_peak_mb": {"gunicorn_workers": [210.5, 250.0, None]},
}


def test_each_run_is_a_column_and_each_figure_a_row():
    other = {**RESULT, "scale": "small", "database": {"vendor": "sqlite"}}
    table = markdown([RESULT, other])
    assert table.splitlines()[0] == "| figure | unit | district, PostgreSQL | small, SQLite |"
    assert "| intake throughput | req/s | 95.5 | 95.5 |" in table
    assert "| floor throughput | req/s | 412 | 412 |" in table
    assert "| cases in the database |  | 100,000 | 100,000 |" in table


def test_latencies_show_p50_and_p95_and_failed_requests():
    table = markdown([RESULT])
    assert "| case detail (API) p50 / p95 | ms | 12.5 / 30 (2 failed) |" in table
    assert "| peak memory, largest gunicorn worker | MB | 250 |" in table


def test_figures_no_run_measured_are_left_out_and_single_gaps_are_dashes():
    table = markdown([RESULT, {"scale": "small", "database": {"vendor": "sqlite"}}])
    assert "dashboard" not in table
    assert "| intake p99 | ms | 180 | — |" in table


def test_the_command_reads_files_and_refuses_a_broken_one(tmp_path, capsys):
    good, bad = tmp_path / "a.json", tmp_path / "b.json"
    good.write_text(json.dumps(RESULT))
    bad.write_text("{not json")
    call_command("bench", "--report", str(good))
    assert "district, PostgreSQL" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("bench", "--report", str(bad))
    with pytest.raises(CommandError):
        call_command("bench", "--report", str(tmp_path / "missing.json"))


def test_an_in_process_run_is_a_column_of_cpu_and_queries():
    result = {
        "mode": "in_process",
        "scale": "district",
        "database": {"vendor": "sqlite"},
        "intake": {
            "notify_on": {"cpu_ms": {"median": 21.5, "trimmed_mean": 22.0}, "queries": {"median": 19.0}},
            "notify_off": {"cpu_ms": {"median": 20.0, "trimmed_mean": 20.4}, "queries": {"median": 16.0}},
            "notify_share_of_intake_cpu": {"median": 0.075, "trimmed_mean": 0.078},
        },
        "sla_sweep": {"catch_up": {"queries": 190, "cpu_s": 0.6, "wall_s": 1.2}},
        "dashboard": {
            k: {"cpu_ms": {"median": 30.0}, "queries": {"median": 11}} for k in ("top", "street", "community")
        },
    }
    table = markdown([result, RESULT])
    assert table.splitlines()[0] == "| figure | unit | in-process, district, SQLite | district, PostgreSQL |"
    assert "| CPU per intake, notify on (median) | ms | 21.5 | — |" in table
    assert "| notify's share of intake CPU |  | median: 0.075, trimmed_mean: 0.078 | — |" in table
    assert "| dashboard queries, top / street / community |  | 11 / 11 / 11 | — |" in table
    assert "| SLA sweep catching up: queries |  | 190 | — |" in table
