"""Background work of the metrics, run by django-tasks' database worker (`jinlin db_worker`).

The refresh of the metrics' tables is periodic the same way as the SLA sweep (cases/tasks.py):
each run enqueues the next one a minute later (run_after), unless one is already waiting. A run
that is lost is made up by the next one: the refresh reads everything above its watermark.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from jinlin.core import periodic

REFRESH_EVERY = timedelta(minutes=1)


@task()
def metrics_refresh_task() -> dict:
    from .services import metrics_refresh

    # The watchdog: a periodic task whose worker died is made to run again (core/periodic.py).
    periodic.heal(caller="metrics_refresh")
    counts = metrics_refresh()
    schedule_metrics_refresh()
    return counts


def schedule_metrics_refresh(*, delay: timedelta = REFRESH_EVERY, first: bool = False) -> bool:
    """Enqueue the next refresh unless one is already waiting. Returns True if it enqueued one.
    `first`: at start-up, run it at once, so the dashboard has figures from the first minute."""
    if first:
        delay = timedelta()
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=metrics_refresh_task.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    metrics_refresh_task.using(run_after=timezone.now() + delay).enqueue()
    return True


periodic.register("metrics_refresh", metrics_refresh_task, every=REFRESH_EVERY, stale_after=timedelta(minutes=10))
