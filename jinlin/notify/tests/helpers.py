"""Emitting case events as the cases app will (struct issue): after the action, with the ids."""

from jinlin.cases.models import TimelineEntry
from jinlin.core.events import Event, deliver


def announce(case, event: str, actor=None, **extra) -> None:
    """Deliver `case.<event>` for the case's latest timeline entry, as the services emit it."""
    entry = TimelineEntry.objects.filter(case=case).order_by("-at", "-pk").first()
    payload = {"case_id": case.pk, "actor_id": actor.pk if actor else None, "entry_id": entry.pk if entry else None}
    deliver(Event(f"case.{event}", {**payload, **extra}))
