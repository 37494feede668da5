"""Periodic tasks heal themselves: a sweep whose worker was killed mid-run (its row left RUNNING,
no next run enqueued) runs again as soon as a worker starts or another periodic task runs;
`jinlin status --json` shows each task's last run, next run and lag; finished rows are pruned;
`jinlin demo` restarts a dead worker instead of stopping the web server."""

import json
import os
import signal
import sys
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jinlin.cases.tasks import sla_sweep
from jinlin.core import periodic

pytestmark = pytest.mark.django_db


def _rows(task):
    return DBTaskResult.objects.filter(task_path=task.module_path)


def _killed_mid_run(task, *, minutes_ago: float) -> DBTaskResult:
    """What a worker killed with -9 during a run leaves behind: the row RUNNING, nothing next."""
    result = task.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_a_sweep_killed_mid_run_is_run_again_by_the_watchdog():
    dead = _killed_mid_run(sla_sweep, minutes_ago=2)
    done = periodic.heal()
    assert done["sla_sweep"] == "recovered"
    assert DBTaskResult.objects.get(pk=dead.pk).status == TaskResultStatus.FAILED
    waiting = _rows(sla_sweep).get(status=TaskResultStatus.READY)
    assert waiting.run_after <= timezone.now()


def test_a_live_sweep_is_left_alone():
    _killed_mid_run(sla_sweep, minutes_ago=0.2)
    assert periodic.heal()["sla_sweep"] == "ok"
    assert not _rows(sla_sweep).filter(status=TaskResultStatus.READY).exists()


def test_when_the_worker_is_known_dead_even_a_young_running_row_is_run_again():
    _killed_mid_run(sla_sweep, minutes_ago=0.2)
    assert periodic.heal(workers_dead=True)["sla_sweep"] == "recovered"
    assert _rows(sla_sweep).filter(status=TaskResultStatus.READY).count() == 1


def test_a_missing_next_run_is_enqueued_once():
    periodic.heal()
    periodic.heal()
    assert _rows(sla_sweep).filter(status=TaskResultStatus.READY).count() == 1


def test_finished_rows_older_than_a_week_are_pruned():
    old = sla_sweep.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - timedelta(days=8)
    )
    recent = sla_sweep.enqueue()
    DBTaskResult.objects.filter(pk=recent.id).update(status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now())
    assert periodic.prune_finished() == 1
    assert DBTaskResult.objects.filter(pk=recent.id).exists()


def test_status_json_shows_last_run_next_run_and_lag():
    done = sla_sweep.enqueue()
    DBTaskResult.objects.filter(pk=done.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - timedelta(minutes=3)
    )
    late = sla_sweep.using(run_after=timezone.now() - timedelta(seconds=12)).enqueue()
    assert late.id
    out = StringIO()
    call_command("status", "--json", stdout=out)
    rows = {row["name"]: row for row in json.loads(out.getvalue())["periodic"]}
    assert {"sla_sweep", "metrics_refresh"} <= set(rows)
    sweep = rows["sla_sweep"]
    assert sweep["last_finished_at"] and sweep["next_run_at"]
    assert 11 <= sweep["lag_seconds"] <= 30


def test_the_demo_restarts_a_dead_worker_and_keeps_the_web_server(monkeypatch, transactional_db):
    from jinlin.ops.management.commands import demo

    starts = []
    commands = [
        ("gunicorn", [sys.executable, "-c", "import time; time.sleep(60)"]),
        ("db_worker", [sys.executable, "-c", "import sys; sys.exit(9)"]),
    ]
    monkeypatch.setattr(demo, "child_commands", lambda port: commands)
    monkeypatch.setattr(demo, "heal_periodic_tasks", lambda: starts.append("heal"))
    timer = threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    out = StringIO()
    try:
        failed = demo.run_children(0, out)
    finally:
        timer.cancel()
    assert failed == 0, out.getvalue()
    assert len(starts) >= 2  # the worker died and was restarted, more than once
    assert "stopping the demo" not in out.getvalue()
