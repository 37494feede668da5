"""Side actions on the record: urging, supervision, comments, publishing (晒单)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core.masking import mask_text
from jinlin.core.models import Role, User
from jinlin.core.scope import active_assignments

from .. import rules
from ..models import Case, TimelineEntry
from .common import _acting_unit, _granted, _lock, _now, _text, _write


@transaction.atomic
def case_urge(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """中心催单 by hand (the sweeper urges automatically before the limit)."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "urge", case, platform=True)
    return _write(case, action="urge", actor=actor, unit=unit, at=at, note=_text(note, "note"))


# A second 督单 by the same unit within this time is the same click twice, not a second supervision.
SUPERVISE_REPEAT = timedelta(hours=1)


@transaction.atomic
def case_supervise(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """纪委督单: the discipline supervisor puts the case under supervision, on the record. The note
    (what is demanded, by when) is required; a repeat within SUPERVISE_REPEAT writes nothing."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "supervise", case)
    note = _text(note, "note", required=True)
    repeat = TimelineEntry.objects.filter(
        case=case, action="supervise", actor_unit=unit, at__gte=at - SUPERVISE_REPEAT
    ).exists()
    if repeat:
        return case
    return _write(case, action="supervise", actor=actor, unit=unit, at=at, note=note)


@transaction.atomic
def case_comment(*, actor: User | None, case: Case, note: str, reply: bool = False, at: datetime | None = None) -> Case:
    """A note on the case. A staff note is internal (staff only) unless `reply` says it answers
    the reporter; a resident's own note is shown to them. Reporter and public views filter by it
    (selectors.case_timeline_for)."""
    at = _now(at)
    case = _lock(case)
    _granted(actor, "comment", case)
    note = _text(note, "note", required=True, max_length=2000)
    grant = next((a for a in active_assignments(actor) if a.role not in {Role.RESIDENT, Role.VOLUNTEER}), None)
    unit = grant.org if grant and not rules.is_follower(actor, case) else None
    data = {"reply": True} if reply and unit is not None else {}
    return _write(case, action="comment", actor=actor, unit=unit, at=at, note=note, data=data)


def publish_preview(case: Case, *, title: str | None = None, result: str | None = None) -> dict[str, str]:
    """What the board would show: the title and result with personal data masked (core.masking),
    the case's own or those the publisher typed (the preview before 晒单)."""
    return {
        "public_title": mask_text(case.title if title is None else title),
        "public_result": mask_text(case.result if result is None else result),
    }


@transaction.atomic
def case_publish(
    *,
    actor: User | None,
    case: Case,
    note: str = "",
    public_title: str | None = None,
    public_result: str | None = None,
    at: datetime | None = None,
) -> Case:
    """晒单: a closed case goes on the public board, as the publisher edited its preview. Whatever
    they typed is masked again (no phone, ID or door number reaches the board by an edit); the
    original title and result stay on the record."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "publish", case)
    if case.published_at is not None:
        raise ValidationError(_("This case is already published."))
    preview = publish_preview(case)
    title = mask_text(_text(public_title, "public_title", max_length=200)) if public_title else preview["public_title"]
    result = mask_text(_text(public_result, "public_result")) if public_result else preview["public_result"]
    edited = title != preview["public_title"] or result != preview["public_result"]
    return _write(
        case,
        action="publish",
        actor=actor,
        unit=unit,
        at=at,
        note=_text(note, "note"),
        data={"edited": edited},
        fields={"published_at": at, "public_title": title, "public_result": result},
    )
