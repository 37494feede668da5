"""What triage does when the case loop announces something (jinlin.core.events).

Imported by TriageConfig.ready; `cases` never imports triage."""

from jinlin.cases.models import Case
from jinlin.core.events import Event, subscribe


@subscribe("case.submitted")
def on_case_submitted(event: Event) -> None:
    """Suggest, look for duplicates and maybe auto-dispatch the new case (adapter.on_intake)."""
    # Imported here: the adapter loads numpy, and a process that takes in no case (a migration,
    # a management command) starts without it.
    from . import adapter

    case = Case.objects.filter(pk=event["case_id"]).first()
    if case is not None:
        adapter.on_intake(case, live=event.get("live", True))
