"""Background work of the case loop, run by django-tasks' database worker (`jinlin db_worker`).

The SLA sweep is periodic without any in-memory timer: each run enqueues the next one a minute
later (run_after), unless one is already waiting. Everything it needs is in the database, so any
worker on any machine can run it, and a run that is lost is simply made up by the next one.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from jinlin.core import periodic

SWEEP_EVERY = timedelta(minutes=1)


@task()
def sla_sweep() -> dict:
    from jinlin.core import periodic

    from .services import sla_sweep_run

    # The watchdog: a periodic task whose worker died is made to run again (core/periodic.py).
    periodic.heal(caller="sla_sweep")
    counts = sla_sweep_run()
    schedule_sla_sweep()
    return counts


def schedule_sla_sweep(*, delay: timedelta = SWEEP_EVERY) -> bool:
    """Enqueue the next sweep unless one is already waiting. Returns True if it enqueued one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sla_sweep.module_path, status=TaskResultStatus.READY).exists()
    if waiting:
        return False
    sla_sweep.using(run_after=timezone.now() + delay).enqueue()
    return True


# A sweep takes seconds; one RUNNING for longer lost its worker and is run again.
periodic.register("sla_sweep", sla_sweep, every=SWEEP_EVERY, stale_after=timedelta(seconds=90))
