"""What every action shares: the text and permission checks, the row lock, and `_write`, which
applies one action of the machine (state check, fields, timeline entry, audit entry, event)."""

from datetime import datetime
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgUnit, User
from jinlin.core.policy import Grant

from ..models import Case, TimelineEntry
from ..timeline import event_names, timeline_entry

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ADDRESS = 200


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _text(value: str | None, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("At most %(max)d characters, please (now %(n)d).") % {"max": max_length, "n": len(value)}}
        )
    return value


def _granted(actor: User | None, action: str, case: Case, *, platform: bool = False) -> Grant | None:
    """Why `actor` may do `action` to `case`, by its row in the policy table (cases/policies.py),
    or PermissionDenied (403) with the row's words. The state is left to `_write`, whose machine
    check answers 409. `platform`: the platform itself (actor None) may do this action (intake's
    automatic dispatch, the sweeper's urges, the replay of a hotline's history); None then."""
    if actor is None and platform:
        return None
    return policy.require(actor, f"case.{action}", case, state=False)


def _acting_unit(actor: User | None, action: str, case: Case, *, platform: bool = False) -> OrgUnit | None:
    """The unit `actor` acts for in `action` (recorded on the timeline): their granting role's unit,
    None for the platform or a personal grant (a resident rating their own case)."""
    grant = _granted(actor, action, case, platform=platform)
    return grant.org if grant is not None else None


def _deny(message: str | None = None) -> NoReturn:
    raise PermissionDenied(message or _("You may not do this to this case."))


def _lock(case: Case) -> Case:
    """The case re-read under a row lock: every state check looks at the committed state."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _write(
    case: Case,
    *,
    action: str,
    actor: User | None,
    unit: OrgUnit | None,
    at: datetime,
    to: str | None = None,
    note: str = "",
    data: dict | None = None,
    fields: dict | None = None,
    announce: dict | None = None,
) -> Case:
    """Apply one action of the machine: state check, field changes, timeline and audit entries, and
    its case events after commit (`announce` adds to their payload)."""
    from_status = case.status
    entry = timeline_entry(
        case,
        action,
        from_status,
        to=to,
        actor=actor,
        actor_unit=unit,
        owner_unit=(fields or {}).get("owner_unit", case.owner_unit_id),
        at=at,
        note=note,
        data=data,
    )
    to_status = entry.to_status
    changes = dict(fields or {})
    if to_status != from_status:
        changes["status"] = to_status
    if changes:
        for name, value in changes.items():
            setattr(case, name, value)
        case.save(update_fields=[*changes, "updated_at"])
    entry.save(force_insert=True)
    audit_record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        before={"status": from_status},
        after={"status": to_status, **{k: _jsonable(v) for k, v in changes.items() if k not in _PRIVATE_FIELDS}},
    )
    _announce(case, entry, actor=actor, extra=announce)
    return case


def _announce(case: Case, entry: TimelineEntry, *, actor: User | None, extra: dict | None = None) -> None:
    """Emit the entry's case events (timeline.event_names), delivered after the transaction commits:
    case_id, actor_id (None for the platform), entry_id; a dispatch or transfer adds the new
    owner_unit_id and assignee_id."""
    payload: dict[str, Any] = {
        "case_id": case.pk,
        "actor_id": actor.pk if actor is not None else None,
        "entry_id": entry.pk,
    }
    if entry.action in {"dispatch", "transfer"}:
        payload.update(owner_unit_id=case.owner_unit_id, assignee_id=case.owner_user_id)
    payload.update(extra or {})
    for name in event_names(entry.action, entry.from_status, entry.to_status):
        emit(f"case.{name}", **payload)


_PRIVATE_FIELDS = {"address", "contact_phone", "rating_comment"}


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
