"""Background work of triage, run by django-tasks' database worker (`jinlin db_worker`).

`retrain_from_cases` learns category and unit models from the cases staff have finished. It is
idempotent: run twice on the same history, the second run trains nothing (adapter.retrain
compares the history's fingerprint with the active model's). Enqueue it nightly from cron
(`jinlin triage_retrain --enqueue`) or run it on demand (`jinlin triage_retrain`).
"""

from django_tasks import task


@task()
def retrain_from_cases(min_cases: int | None = None) -> dict:
    from . import adapter

    return adapter.retrain(min_cases=min_cases or adapter.MIN_CASES)
