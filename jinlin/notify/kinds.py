"""The kinds of notification a user can choose channels for, and which are sent by SMS unless
the user says otherwise."""

from django.utils.translation import gettext_lazy as _

KINDS: dict[str, str] = {
    "case.submitted": _("A new case waits for dispatch"),
    "case.accepted": _("My case was accepted"),
    "case.rejected": _("My case was not accepted"),
    "case.dispatched": _("A case was dispatched (to me, or mine to a unit)"),
    "case.transferred": _("A case was transferred to my unit"),
    "case.returned": _("A case was returned"),
    "case.resolved": _("My case was resolved: please rate it"),
    "case.closed": _("My case was closed"),
    "case.published": _("My case is on the public board"),
    "case.commented": _("A reply about my case"),
    "case.urged": _("A case of mine was urged"),
    "case.overdue": _("A case of mine is overdue"),
    "case.supervised": _("A case of mine is under supervision"),
    "case.escalated": _("My unit was called in (吹哨)"),
    "broadcast": _("Notices for my home (通知公告)"),
    "centre.promoted": _("A place freed up for me in an activity"),
    "people.visit_overdue": _("A household I care for is due a visit"),
}

# What goes by SMS when the user has not chosen: outcomes a resident waits for.
SMS_BY_DEFAULT = {"case.accepted", "case.rejected", "case.resolved", "case.closed"}

# User-selectable channels besides in-app (which is always on).
USER_CHANNELS = ("sms", "email")


def default_channels(kind: str) -> list[str]:
    return ["sms"] if kind in SMS_BY_DEFAULT else []


def held_by_quiet_hours(kind: str, channel: str) -> bool:
    """Quiet hours hold SMS about cases, never the in-app row, a code or a broadcast."""
    return channel == "sms" and kind.startswith("case.")
