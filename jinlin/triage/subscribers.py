"""What triage does when the case loop announces something (jinlin.core.events).

Imported by TriageConfig.ready; `cases` never imports triage."""

from jinlin.cases.models import Case
from jinlin.core.events import Event, defer_write, subscribe


@subscribe("case.submitted")
def on_case_submitted(event: Event) -> None:
    """Suggest, look for duplicates and maybe auto-dispatch the new case (adapter.on_intake)."""
    # Imported here: the adapter loads numpy, and a process that takes in no case (a migration,
    # a management command) starts without it.
    from . import adapter

    # The case intake just committed, as it wrote it (Event.context), or read.
    case = event.context.get("case")
    if not (isinstance(case, Case) and case.pk == event["case_id"]):
        case = Case.objects.filter(pk=event["case_id"]).first()
    if case is not None:
        adapter.on_intake(case, live=event.get("live", True), defer=lambda write: defer_write(event, write))
        # The case as triage left it (suggestions, auto-dispatch flag) for intake's answer and
        # for the subscribers after it (notify's queue notice), so none of them reads it again.
        event.context["case"] = case
        event.context["case_current"] = True
