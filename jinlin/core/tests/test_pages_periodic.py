"""The platform administrator's page of the periodic tasks: last run, next run, lag and state of
each (as `jinlin status --json`); no one else may see it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jinlin.cases.tasks import sla_sweep
from jinlin.core import periodic

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user, backend="jinlin.core.auth.PhoneBackend")
    return client


def test_the_admin_sees_each_periodic_task_with_its_last_run_next_run_lag_and_state(tiny_district):
    now = timezone.now()
    result = sla_sweep.using(run_after=now - timedelta(minutes=10)).enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(run_after=now - timedelta(minutes=10))
    done = sla_sweep.enqueue()
    DBTaskResult.objects.filter(pk=done.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(minutes=15), run_after=now
    )
    response = _client(tiny_district.people["13900000007"]).get("/system/tasks/")
    html = response.content.decode()
    assert response.status_code == 200
    names = {row["name"] for row in periodic.status()}
    assert "sla_sweep" in names
    for name in names:
        assert f'data-task="{name}"' in html
    assert 'data-task="sla_sweep" data-state="late"' in html
    row = next(r for r in periodic.status() if r["name"] == "sla_sweep")
    assert row["lag_seconds"] >= 590 and f"<td>{row['lag_seconds']}</td>" in html
    assert timezone.localtime(now - timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M") in html
    assert "超时" in html or "late" in html


def test_a_task_with_no_next_run_shows_as_not_scheduled(tiny_district):
    response = _client(tiny_district.people["13900000007"]).get("/system/tasks/")
    assert 'data-task="sla_sweep" data-state="stopped"' in response.content.decode()


@pytest.mark.parametrize("phone", ["13900000001", "13900000004", "13900000006"])
def test_no_one_but_the_platform_admin_sees_the_tasks_page(tiny_district, phone):
    assert _client(tiny_district.people[phone]).get("/system/tasks/").status_code == 403
