"""The benchmark harness: the floor endpoint exists only under the bench flag, and the load
generator counts and times what it sends."""

import importlib
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client

from jinlin.core.services import api_token_issue, user_create
from jinlin.ops.bench import FLOOR_TABLE, load, run


def test_percentiles_are_nearest_rank():
    values = sorted(float(v) for v in range(1, 101))
    assert load.percentile(values, 0.50) == 50
    assert load.percentile(values, 0.95) == 95
    assert load.percentile(values, 0.99) == 99
    assert load.percentile([7.0], 0.99) == 7
    assert load.percentile([], 0.5) is None


def test_the_bench_settings_refuse_to_load_without_the_bench_flag():
    code = "import os; os.environ.pop('JINLIN_BENCH', None); import jinlin.ops.bench.settings"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)  # noqa: S603
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr


@pytest.fixture
def bench_urls(monkeypatch, settings):
    monkeypatch.setenv("JINLIN_BENCH", "1")
    import jinlin.ops.bench.urls

    importlib.reload(jinlin.ops.bench.urls)
    settings.ROOT_URLCONF = "jinlin.ops.bench.urls"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def floor_table(db):
    run._floor_table_create()
    yield
    run._floor_table_drop()


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {FLOOR_TABLE}")  # noqa: S608
        return cursor.fetchone()[0]


def test_the_floor_inserts_one_row_for_an_authenticated_request(bench_urls, floor_table):
    user = user_create(actor=None, phone="13800000001", name="王小明")
    token = api_token_issue(user=user)[0]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post("/bench/floor", {"title": "楼道灯不亮"}, content_type="application/json")
    assert response.status_code == 201
    assert _rows() == 1
    assert Client().post("/bench/floor", {"title": "x"}, content_type="application/json").status_code == 401
    assert client.post("/bench/floor", {}, content_type="application/json").status_code == 422
    assert _rows() == 1


def test_the_platform_s_own_pages_are_still_served_under_the_bench_urls(bench_urls, db):
    assert Client().get("/api/cases").status_code == 401


def test_the_database_limit_counts_committed_inserts(transactional_db):
    # Committed for real (transactional_db): the driver's own connections must see the table.
    if connection.vendor == "sqlite":
        pytest.skip("the test database of SQLite is in memory per connection; the driver cannot reach it")
    run._floor_table_create()
    try:
        result = run.db_limit(concurrency=2, seconds=0.5)
    finally:
        run._floor_table_drop()
    assert result["commits"] > 0
    assert result["errors"] == []


@pytest.mark.django_db(transaction=True)
def test_the_load_generator_times_every_answer(bench_urls, live_server):
    port = urlparse(live_server.url).port
    ping = ("GET", "/bench/ping", None, {})
    phase = load.closed_loop("ping", port, lambda i: ping, concurrency=2, seconds=60, max_requests=30, expect={200})
    summary = phase.summary()
    assert summary["requests"] == summary["ok"] == 30  # the request budget ends the phase
    assert summary["errors"] == {}
    assert 0 < summary["p50_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    one = load.sequential("ping", port, [ping], count=5, budget_seconds=10).summary()
    assert one["requests"] == 5
    missing = load.sequential("404", port, [("GET", "/bench/nothing", None, {})], count=2, budget_seconds=10)
    assert missing.summary()["errors"] == {"404": 2}
