"""Background delivery (django-tasks, the database worker `jinlin db_worker`).

`schedule_delivery()` runs after the commit that wrote the deliveries; each run sends what is due
and enqueues the next run at the earliest retry or held message, so retries need no timer."""

from datetime import datetime

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus


@task()
def deliver_notifications() -> dict:
    from .delivery import deliver_due, next_due_at

    counts = deliver_due()
    later = next_due_at()
    if later is not None:
        schedule_delivery(at=max(later, timezone.now()))
    return counts


def schedule_delivery(*, at: datetime | None = None) -> bool:
    """Enqueue a delivery run at `at` (now if None) unless one is already waiting to run by then."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    at = at or now
    waiting = DBTaskResult.objects.filter(
        Q(run_after__isnull=True) | Q(run_after__lte=at),
        task_path=deliver_notifications.module_path,
        status=TaskResultStatus.READY,
    ).exists()
    if waiting:
        return False
    if at > now:
        deliver_notifications.using(run_after=at).enqueue()
    else:
        deliver_notifications.enqueue()
    return True
