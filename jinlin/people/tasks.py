"""The periodic overdue check of care pairings, run by the database task worker (`jinlin db_worker`).

Each run enqueues the next one (every 15 minutes) unless one is already waiting, like the case
SLA sweep: nothing lives in memory, any worker can run it, a lost run is made up by the next.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

SWEEP_EVERY = timedelta(minutes=15)


@task()
def people_overdue_sweep() -> int:
    from .services import overdue_sweep

    marked = overdue_sweep()
    schedule_people_sweep()
    return marked


def schedule_people_sweep(*, delay: timedelta = SWEEP_EVERY) -> bool:
    """Enqueue the next overdue check unless one is already waiting. True if it enqueued one."""
    from django_tasks_db.models import DBTaskResult

    path = people_overdue_sweep.module_path
    if DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists():
        return False
    people_overdue_sweep.using(run_after=timezone.now() + delay).enqueue()
    return True
