"""Background work of deliberation, run by django-tasks' database worker (`jinlin db_worker`).

Votes arrive one by one; each vote asks for the conversation's groups to be recomputed, but only
one run per conversation waits at a time, so a burst of votes costs one analysis. The task reads
every vote itself, so a run that starts after more votes arrived simply counts them too.
"""

from django_tasks import task
from django_tasks.base import TaskResultStatus


@task()
def recompute_groups(conversation_id: int) -> dict:
    from .services import groups_recompute

    result = groups_recompute(conversation_id)
    return {"participants": result["participants"], "groups": len(result["groups"])}


@task()
def task_reminders() -> int:
    from .services import task_reminders_run

    return task_reminders_run()


def schedule_groups(conversation_id: int) -> bool:
    """Enqueue a recomputation unless one for this conversation is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=recompute_groups.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__kwargs__conversation_id=conversation_id,
    ).exists()
    if waiting:
        return False
    recompute_groups.enqueue(conversation_id=conversation_id)
    return True
