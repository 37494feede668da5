"""Periodic background work that heals itself (SLA sweep, metrics refresh, later notification
delivery and retraining), on django-tasks' database backend.

Each periodic task re-enqueues its next run when it finishes. A worker killed mid-run (-9, OOM,
a reboot) leaves its row RUNNING forever and enqueues nothing, so the chain would stop. `heal()`
repairs that: a RUNNING row older than the task's `stale_after` is marked FAILED, and a task with
neither a waiting (READY) nor a live RUNNING row is enqueued at once. It runs at every worker
start (`jinlin demo` before it starts or restarts its worker) and at the start of every periodic
task, so one live periodic task keeps the others alive. Finished rows are pruned.

Apps register their tasks in their tasks.py: `periodic.register("sla_sweep", sla_sweep, every=…)`.
"""

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

KEEP_FINISHED = timedelta(days=7)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task  # django_tasks
    every: timedelta
    stale_after: timedelta


REGISTRY: dict[str, Periodic] = {}


def register(name: str, task: Task, *, every: timedelta, stale_after: timedelta | None = None) -> None:
    REGISTRY[name] = Periodic(name, task, every, stale_after or max(every, timedelta(seconds=60)))


def stale_after(periodic: Periodic) -> timedelta:
    """How long a RUNNING row may live before its worker counts as dead: the task's own bound,
    or `JINLIN_PERIODIC_STALE_SECONDS` (settings.PERIODIC_STALE_SECONDS) for all of them."""
    from django.conf import settings

    seconds = getattr(settings, "PERIODIC_STALE_SECONDS", None)
    return timedelta(seconds=float(seconds)) if seconds else periodic.stale_after


def discover() -> dict[str, Periodic]:
    """Import every installed app's tasks module, which registers its periodic tasks."""
    for config in apps.get_app_configs():
        if config.name.startswith("jinlin."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    return REGISTRY


def _results():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def heal(
    *, now: datetime | None = None, workers_dead: bool = False, prune: bool = True, caller: str = ""
) -> dict[str, str]:
    """Repair every periodic task; returns what was done per task name ("ok", "enqueued",
    "recovered"). `workers_dead`: no worker is running (the caller knows, e.g. `jinlin demo`
    before starting one), so every RUNNING row is stale whatever its age. `caller`: the periodic
    task calling, which schedules its own next run when it finishes."""
    from django_tasks.base import TaskResultStatus

    now = now or timezone.now()
    done = {}
    for periodic in discover().values():
        if periodic.name == caller:
            continue
        path = periodic.task.module_path
        with transaction.atomic():
            running = _results().filter(task_path=path, status=TaskResultStatus.RUNNING)
            stale = running if workers_dead else running.filter(started_at__lt=now - stale_after(periodic))
            recovered = stale.update(status=TaskResultStatus.FAILED, finished_at=now)
            alive = running.exists() if not workers_dead else False
            waiting = _results().filter(task_path=path, status=TaskResultStatus.READY).exists()
            if not waiting and not alive:
                periodic.task.using(run_after=now).enqueue()
                done[periodic.name] = "recovered" if recovered else "enqueued"
            else:
                done[periodic.name] = "recovered" if recovered else "ok"
    if prune:
        from .idempotency import idempotent_replies_prune

        prune_finished(now=now)
        idempotent_replies_prune(now=now)
    return done


def prune_finished(*, now: datetime | None = None, keep: timedelta = KEEP_FINISHED) -> int:
    """Delete finished task rows (successful or failed) older than `keep`."""
    from django_tasks.base import TaskResultStatus

    now = now or timezone.now()
    finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    return _results().filter(status__in=finished, finished_at__lt=now - keep).delete()[0]


def status(*, now: datetime | None = None) -> list[dict]:
    """Each periodic task's last finished run, next run and lag (seconds the next run is late;
    0 when on time or running)."""
    from django_tasks.base import TaskResultStatus

    now = now or timezone.now()
    out = []
    for periodic in sorted(discover().values(), key=lambda p: p.name):
        rows = _results().filter(task_path=periodic.task.module_path)
        last = rows.filter(status=TaskResultStatus.SUCCESSFUL).order_by("-finished_at").first()
        waiting = rows.filter(status=TaskResultStatus.READY).order_by("run_after").first()
        running = rows.filter(status=TaskResultStatus.RUNNING).order_by("-started_at").first()
        next_run = waiting.run_after if waiting else None
        if running is not None:
            lag = 0.0
        elif next_run is not None:
            lag = max(0.0, (now - next_run).total_seconds())
        elif last is not None:
            lag = max(0.0, (now - last.finished_at - periodic.every).total_seconds())
        else:
            lag = None
        out.append(
            {
                "name": periodic.name,
                "last_finished_at": last.finished_at.isoformat() if last else None,
                "next_run_at": next_run.isoformat() if next_run else None,
                "running_since": running.started_at.isoformat() if running and running.started_at else None,
                "lag_seconds": None if lag is None else int(lag),
            }
        )
    return out
