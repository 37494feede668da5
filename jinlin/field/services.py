"""Writes of the field app: patrols (start, track, stop, findings) and the checklists.

Every write is safe to repeat: the phone may send the same thing twice (a lost answer, a
Background Sync that fired while the page was sending). A patrol is named by the key the phone
chose when it started; track points are merged by their time; a finding by its case."""

from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases.models import Case
from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import active_assignments

from .checklists import MAX_ITEM_LENGTH, MAX_ITEMS
from .models import Checklist, Finding, Patrol, PatrolType

MAX_POINTS_PER_PATROL = 5_000
MAX_NOTE = 2_000


def worker_grid(user: User | None) -> OrgUnit | None:
    """The grid a grid worker is bound to (their first grid binding)."""
    for assignment in active_assignments(user):
        if assignment.role == Role.GRID_WORKER and assignment.org.kind == OrgKind.GRID:
            return assignment.org
    return None


def _moment(value: datetime | None) -> datetime:
    if value is None:
        return timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    # A phone's clock may be wrong; a moment in the future is taken as now.
    return min(value, timezone.now())


def _point(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)):  # type: ignore[operator]
        raise ValidationError({"lat": _("A point needs a valid latitude and longitude.")})


@transaction.atomic
def patrol_start(
    *,
    actor: User,
    client_key: str,
    patrol_type: str,
    started_at: datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> tuple[Patrol, bool]:
    """Start a patrol of the actor's grid; the same key again returns the patrol already started."""
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > 80:
        raise ValidationError({"client_key": _("Give the patrol a key of 1 to 80 characters.")})
    existing = Patrol.objects.filter(worker=actor, client_key=client_key).first()
    if existing is not None:
        return existing, False
    grid = worker_grid(actor)
    if grid is None:
        raise PermissionDenied(_("Only the grid worker of this grid may patrol it."))
    policy.require(actor, "field.patrol.start", grid)
    if patrol_type not in PatrolType.values:
        raise ValidationError({"patrol_type": _("Choose one of the five patrol types.")})
    _point(lat, lng)
    start = _moment(started_at)
    track = [[int(start.timestamp()), lat, lng]] if lat is not None else []
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                worker=actor,
                grid=grid,
                scope_code=grid.code,
                patrol_type=patrol_type,
                client_key=client_key,
                started_at=start,
                track=track,
            )
    except IntegrityError:
        return Patrol.objects.get(worker=actor, client_key=client_key), False
    audit_record(actor=actor, action="field.patrol_start", obj=patrol, after={"type": patrol_type})
    return patrol, True


def _clean_points(points: list) -> list[list]:
    cleaned = []
    for row in points:
        if not isinstance(row, list | tuple) or len(row) != 3:
            raise ValidationError({"points": _("Each point is [time, latitude, longitude].")})
        t, lat, lng = row
        try:
            t, lat, lng = int(t), float(lat), float(lng)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"points": _("Each point is [time, latitude, longitude].")}) from exc
        _point(lat, lng)
        cleaned.append([t, round(lat, 6), round(lng, 6)])
    return cleaned


@transaction.atomic
def patrol_track_add(*, actor: User, patrol: Patrol, points: list) -> Patrol:
    """Add track points; a point already there (same second) is not added twice."""
    policy.require(actor, "field.patrol.update", patrol)
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    known = {row[0] for row in patrol.track}
    fresh = [row for row in _clean_points(points) if row[0] not in known]
    if len(patrol.track) + len(fresh) > MAX_POINTS_PER_PATROL:
        raise ValidationError({"points": _("A patrol keeps at most %(n)d points.") % {"n": MAX_POINTS_PER_PATROL}})
    if fresh:
        patrol.track = sorted(patrol.track + fresh, key=lambda row: row[0])
        patrol.save(update_fields=["track"])
    return patrol


@transaction.atomic
def patrol_stop(
    *, actor: User, patrol: Patrol, ended_at: datetime | None = None, checks: dict | None = None, note: str = ""
) -> Patrol:
    """End a patrol with the checklist as walked ({item: "ok" | "issue"}) and a note."""
    policy.require(actor, "field.patrol.update", patrol)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("The note may be at most %(n)d characters.") % {"n": MAX_NOTE}})
    checks = checks or {}
    if any(v not in ("ok", "issue") for v in checks.values()) or len(checks) > MAX_ITEMS:
        raise ValidationError({"checks": _("Mark each checklist item ok or issue.")})
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    if patrol.ended_at is None:
        patrol.ended_at = max(_moment(ended_at), patrol.started_at)
    patrol.checks = {str(k)[:MAX_ITEM_LENGTH]: v for k, v in checks.items()}
    patrol.note = note
    patrol.save(update_fields=["ended_at", "checks", "note"])
    audit_record(actor=actor, action="field.patrol_stop", obj=patrol, after={"checks": len(checks)})
    return patrol


@transaction.atomic
def finding_add(*, actor: User, patrol: Patrol, case: Case, item: str = "") -> Finding:
    """Link a case the worker filed on this patrol to it (the case went through intake)."""
    policy.require(actor, "field.patrol.update", patrol)
    if case.submitted_by_id != actor.pk:
        raise ValidationError({"case_id": _("Only a case you filed can be a finding of your patrol.")})
    finding, _created = Finding.objects.get_or_create(
        patrol=patrol, case=case, defaults={"item": (item or "")[:MAX_ITEM_LENGTH]}
    )
    return finding


@transaction.atomic
def checklist_save(*, actor: User, community: OrgUnit, patrol_type: str, items: list[str]) -> Checklist:
    """Set what a community's grid workers check on one patrol type."""
    policy.require(actor, "field.checklist.edit", community)
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community": _("Checklists belong to a community.")})
    if patrol_type not in PatrolType.values:
        raise ValidationError({"patrol_type": _("Choose one of the five patrol types.")})
    cleaned = [i.strip() for i in items if i and i.strip()]
    if not cleaned or len(cleaned) > MAX_ITEMS or any(len(i) > MAX_ITEM_LENGTH for i in cleaned):
        raise ValidationError(
            {"items": _("Give 1 to %(n)d items of at most %(m)d characters.") % {"n": MAX_ITEMS, "m": MAX_ITEM_LENGTH}}
        )
    checklist, _created = Checklist.objects.update_or_create(
        community=community,
        patrol_type=patrol_type,
        defaults={"items": cleaned, "updated_by": actor, "updated_at": timezone.now()},
    )
    audit_record(actor=actor, action="field.checklist_save", obj=checklist, after={"items": cleaned})
    return checklist
