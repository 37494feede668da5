"""The centre's periodic work, run by django-tasks' database worker like the case SLA sweep:
urge overdue 代办 (at most once a day each) and keep weekly activities generated ahead. Each run
enqueues the next unless one is already waiting, so no in-memory timer is needed."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

SWEEP_EVERY = timedelta(minutes=10)


@task()
def centre_sweep() -> dict:
    from .errands import errand_sweep
    from .services import series_extend_all

    counts = {"urged": errand_sweep(), "occurrences": series_extend_all()}
    schedule_centre_sweep()
    return counts


def schedule_centre_sweep(*, delay: timedelta = SWEEP_EVERY) -> bool:
    """Enqueue the next sweep unless one is already waiting. Returns True if it enqueued one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=centre_sweep.module_path, status=TaskResultStatus.READY).exists()
    if waiting:
        return False
    centre_sweep.using(run_after=timezone.now() + delay).enqueue()
    return True
