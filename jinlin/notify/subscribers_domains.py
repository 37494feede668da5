"""Who hears what beyond the case loop: the domain apps announce events (core.events) and notify
tells the people they name. Payloads carry ids, so notify imports none of those apps."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jinlin.core.events import Event, subscribe
from jinlin.core.models import User

from .services import notify


def _users(*ids: int | None) -> list[User]:
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True))


@subscribe("centre.promoted")
def on_waitlist_promoted(event: Event) -> None:
    """A place freed up in an activity: the first on the waitlist is now registered (CENTER-4)."""
    notify(
        _users(event.get("user_id")),
        "centre.promoted",
        title=_("A place freed up: you are now registered for the activity"),
        body=_("Show your QR code at the door."),
        link=reverse("centre:activity", args=[event["activity_id"]]),
        data={"activity_id": event["activity_id"]},
    )


@subscribe("people.visit_overdue")
def on_visit_overdue(event: Event) -> None:
    """A care pairing's visit is overdue (PEOPLE-4): the carer is told, with the household's page."""
    notify(
        _users(event.get("carer_id")),
        "people.visit_overdue",
        title=_("A household you care for is due a visit"),
        body=_("The visit was due on %(date)s.") % {"date": str(event.get("due_at", ""))[:10]},
        link=reverse("people:household", args=[event["household_id"]]),
        data={"household_id": event["household_id"], "pairing_id": event.get("pairing_id")},
    )
