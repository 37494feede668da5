"""REST API of the case loop (the contract of issue 3). Thin: schemas in, a service or selector,
schemas out. Cases a user may not see answer 404 (their existence is not revealed); an action
not allowed in the current state answers 409; bad input 422 with messages in the user's language.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status as Reply
from pydantic import Field

from jinlin.core import ratelimit
from jinlin.core.http import AuthedRequest, json_response
from jinlin.core.models import OrgUnit, User

from . import selectors, services
from .machine import Status, action_label
from .models import Case, CaseKind, CasePhoto, Channel, Rating, Tier, TimelineEntry

router = Router(tags=["cases"])
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Deep pages by number cost an OFFSET; past this, page by cursor (`after`). Also keeps the
# OFFSET inside a 64-bit integer whatever a client sends.
MAX_PAGE_NUMBER = 100_000


def one_of(*values: Any, **kwargs: Any) -> Any:
    """A string field documented as an enum in the OpenAPI schema; the values are still checked
    by the services (so refusals keep their translated messages)."""
    return Field(json_schema_extra={"enum": [str(v) if v is not None else None for v in values]}, **kwargs)


# ---------------------------------------------------------------- schemas


class ErrorOut(Schema):
    detail: str | list


class OrgRef(Schema):
    id: int
    code: str
    name: str
    kind: str


class UserRef(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    code: str
    name: str
    name_en: str = ""


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    localized_name: str
    parent_code: str | None
    department: OrgRef | None
    default_tier: str = one_of(*Tier.values)


class OwnerOut(Schema):
    unit: OrgRef | None
    user: UserRef | None


class ReporterOut(Schema):
    name: str
    phone_masked: str


class CaseRef(Schema):
    id: int
    number: str


class CaseOut(Schema):
    id: int
    number: str
    kind: str = one_of(*CaseKind.values)
    title: str
    description: str
    category: CategoryRef | None
    tier: str = one_of(*Tier.values)
    status: str = one_of(*Status.values)
    status_label: str
    channel: str = one_of(*Channel.values)
    owner: OwnerOut
    due_at: datetime
    supervision_due_at: datetime | None
    urge_at: datetime | None
    overdue: bool
    overdue_by_seconds: int
    overdue_count: int
    tier_raised: int
    place: str
    address_masked: str
    lat: float | None
    lng: float | None
    grid: OrgRef | None
    community: OrgRef | None
    reporter: ReporterOut
    result: str
    resolved_level: str
    rating: str = one_of(*Rating.values, "", description="empty until rated")
    rating_comment: str
    rating_deadline: datetime | None
    merged_into: CaseRef | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None


class TimelineOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    note: str
    data: dict


class EscalationOut(Schema):
    unit: OrgRef
    role: str
    due_at: datetime
    reported_at: datetime | None


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    width: int
    height: int


class CategorySuggestionOut(Schema):
    code: str
    name: str
    probability: float


class UnitSuggestionOut(Schema):
    id: int
    code: str
    name: str
    probability: float
    source: str = Field(description="model | category (the top category's department)")


class DuplicateOut(Schema):
    id: int | None = Field(description="null when the viewer may not open that case")
    number: str | None
    title: str
    status: str = one_of(*Status.values)
    status_label: str


class TriageOut(Schema):
    """What triage suggested on intake (jinlin.triage.adapter)."""

    source: str = Field(description="model | keywords | none")
    version: int | None
    threshold: float | None
    categories: list[CategorySuggestionOut]
    unit: UnitSuggestionOut | None
    auto_dispatched: bool
    duplicates: list[DuplicateOut]


class CaseDetailOut(CaseOut):
    suggestions: TriageOut | None = Field(
        description="Triage suggestions, for staff handling the case; null for residents and when none were made"
    )
    timeline: list[TimelineOut]
    escalations: list[EscalationOut]
    photos: list[PhotoOut]
    allowed_actions: list[str]


class CasePage(Schema):
    count: int | None = Field(description="Matching cases; null when paging by cursor (`after`)")
    page: int
    page_size: int
    pages: int | None = Field(description="Pages of page_size; null when paging by cursor (`after`)")
    next: str | None = Field(description="Cursor of the next page (pass it as `after`); null on the last page")
    results: list[CaseOut]


class CaseIn(Schema):
    title: str
    description: str = ""
    category_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str | None = None
    channel: str | None = one_of(*Channel.values, None, default=None)
    on_behalf_of_phone: str | None = None
    contact_name: str | None = None
    tier: str | None = one_of(*Tier.values, None, default=None)
    kind: str | None = one_of(*CaseKind.values, None, default=None)


class AcceptIn(Schema):
    category_code: str | None = None
    tier: str | None = one_of(*Tier.values, None, default=None)
    note: str = ""


class ReasonIn(Schema):
    reason: str


class DispatchIn(Schema):
    unit_id: int
    user_id: int | None = None
    note: str = ""


class ResolveIn(Schema):
    result: str
    level: str | None = None


class EvaluateIn(Schema):
    rating: str = one_of(*Rating.values, description=" | ".join(Rating.values))
    comment: str = ""


class NoteIn(Schema):
    note: str = ""


class CommentIn(Schema):
    note: str
    # A staff comment is internal unless it is a reply to the reporter (issue 13 §8).
    reply: bool = False


class EscalateIn(Schema):
    unit_ids: list[int]
    lead_unit_id: int | None = None
    note: str = ""


class MergeIn(Schema):
    into_case_id: int
    note: str = ""


class ContactOut(Schema):
    name: str
    phone: str
    address: str


class SuggestionOut(Schema):
    unit: OrgRef
    user: UserRef | None
    reason: str


# ---------------------------------------------------------------- rendering


def _rendered(request: AuthedRequest, status: int, data: dict | None) -> HttpResponse:
    """`data` rendered as ninja renders a validated answer, without validating it again.

    The dicts of this module are built field by field for their schemas (tests hold them to
    exactly the schema's fields and types); running 20 cases of 30 fields back through pydantic
    cost a handler's inbox more than building them. The declared response schemas still
    document the API. Rendered by the same JSON renderer the root API uses (NinjaAPI's default),
    so this module need not import the root, which imports this module's router."""
    return json_response(request, data, status)


def _org(unit: OrgUnit | None) -> dict | None:
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind}


def _case_out(case: Case, viewer: User) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "title": case.title,
        "description": case.description,
        "category": {
            "code": case.category.code,
            "name": case.category.name,
            "name_en": case.category.name_en,
        }
        if case.category_id
        else None,
        "tier": case.tier,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "channel": case.channel,
        "owner": {
            "unit": _org(case.owner_unit),
            "user": {"id": case.owner_user.pk, "name": case.owner_user.name} if case.owner_user_id else None,
        },
        "due_at": case.due_at,
        "supervision_due_at": case.supervision_due_at,
        "urge_at": case.urge_at,
        "overdue": selectors.is_overdue(case),
        "overdue_by_seconds": int(selectors.overdue_by(case).total_seconds()),
        "overdue_count": case.overdue_count,
        "tier_raised": case.tier_raised,
        "place": case.place_label,
        "address_masked": selectors.mask_address(case.address),
        "lat": case.lat,
        "lng": case.lng,
        "grid": _org(case.grid),
        "community": _org(case.community),
        "reporter": selectors.reporter_view(case, viewer),
        "result": case.result,
        "resolved_level": case.resolved_level,
        "rating": case.rating,
        "rating_comment": case.rating_comment,
        "rating_deadline": case.rating_deadline,
        "merged_into": {"id": case.merged_into.pk, "number": case.merged_into.number} if case.merged_into_id else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "published_at": case.published_at,
    }


def _photo_out(photo: CasePhoto) -> dict:
    return {
        "id": photo.pk,
        "kind": photo.kind,
        "url": f"/api/cases/{photo.case_id}/photos/{photo.pk}",
        "width": photo.width,
        "height": photo.height,
    }


def _timeline_out(entry: TimelineEntry, viewer: User) -> dict:
    return {
        "action": entry.action,
        "action_label": action_label(entry.action),
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "actor": selectors.actor_label(entry, viewer),
        "at": entry.at,
        "note": entry.note,
        "data": entry.data,
    }


def _detail(case_id: int, viewer: User) -> dict:
    case = _visible(viewer, case_id)
    out = _case_out(case, viewer)
    out["suggestions"] = _suggestions_out(case, viewer)
    out["timeline"] = [_timeline_out(e, viewer) for e in selectors.case_timeline_for(case, viewer)]
    escalations = list(case.escalations.select_related("unit"))
    out["escalations"] = [
        {"unit": _org(t.unit), "role": t.role, "due_at": t.due_at, "reported_at": t.reported_at} for t in escalations
    ]
    out["photos"] = [_photo_out(p) for p in case.photos.all()]
    out["allowed_actions"] = selectors.allowed_actions(viewer, case, escalations=escalations)
    return out


def _suggestions_out(case: Case, viewer: User) -> dict | None:
    """Triage suggestions are working notes for staff: residents (and anyone who sees the case
    only as its reporter) get null; duplicates are shown as the viewer may see them."""
    stored = case.suggestions or {}
    if not stored or not selectors.is_staff_viewer(viewer, case):
        return None
    return {
        "source": stored.get("source", "none"),
        "version": stored.get("version"),
        "threshold": stored.get("threshold"),
        "categories": stored.get("categories", []),
        "unit": stored.get("unit"),
        "auto_dispatched": bool(stored.get("auto_dispatched")),
        "duplicates": selectors.duplicate_cards(case, viewer),
    }


def _visible(user: User, case_id: int) -> Case:
    case = selectors.case_get(user, case_id)
    if case is None:
        raise Http404
    return case


def _unit(unit_id: int | None, field: str) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({field: _("Unknown unit %(id)s.") % {"id": unit_id}})
    return unit


ACTION_RESPONSES = {200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _act(request: AuthedRequest, case_id: int, service: Callable[..., object], **kwargs: Any) -> Reply:
    """Run one action of the machine (409 when the state does not allow it: jinlin/api.py)."""
    case = _visible(request.user, case_id)
    service(actor=request.user, case=case, **kwargs)
    return Reply(200, _detail(case_id, request.user))


# ---------------------------------------------------------------- endpoints


@router.get("/categories", response=list[CategoryOut])
def categories_list(request: AuthedRequest) -> list[dict]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "localized_name": c.localized_name,
            "parent_code": c.parent.code if c.parent_id else None,
            "department": _org(c.department),
            "default_tier": c.default_tier,
        }
        for c in selectors.categories_active()
    ]


@router.post("/cases", response={201: CaseDetailOut, 403: ErrorOut, 422: ErrorOut})
def case_create(request: AuthedRequest, payload: CaseIn) -> HttpResponse:
    """点单: submit a request. A retry with the same `Idempotency-Key` header returns the same case.
    Limited per user and per address (429 with Retry-After; settings.RATE_LIMITS["intake"])."""
    ratelimit.check("intake", user=request.user)
    case, created = services.case_submit(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        category_code=payload.category_code,
        tier=payload.tier,
        kind=payload.kind,
        lat=payload.lat,
        lng=payload.lng,
        address=payload.address or "",
        channel=payload.channel or Channel.API,
        on_behalf_of_phone=payload.on_behalf_of_phone,
        contact_name=payload.contact_name or "",
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    answer = _rendered(request, 201, _intake_detail(case, request.user))
    if not created:
        answer["Idempotent-Replayed"] = "true"
    return answer


def _intake_detail(case: Case, viewer: User) -> dict:
    """What GET /api/cases/{id} would answer for a case just taken in, from the instance intake
    returned instead of reading it back through the visibility rule: the submitter may see their
    own case by definition, and a new case has one timeline entry, no escalation and no photo.
    A replayed retry is read as any case is. A case the platform dispatched on intake has moved
    on: it is read back by id (still the submitter's own) with its three timeline entries."""
    entry = getattr(case, "intake_entry", None)
    if entry is None:
        return _detail(case.pk, viewer)
    if (case.suggestions or {}).get("auto_dispatched"):
        return _new_case_out(selectors.case_by_id(case.pk), viewer)
    # Deadlines were computed in local time; the database hands every moment back in UTC.
    out = {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in _case_out(case, viewer).items()}
    return _new_case_rest(out, case, viewer, [_timeline_out(entry, viewer) | {"at": entry.at.astimezone(UTC)}])


def _new_case_out(case: Case, viewer: User) -> dict:
    timeline = [_timeline_out(e, viewer) for e in selectors.case_timeline_for(case, viewer)]
    return _new_case_rest(_case_out(case, viewer), case, viewer, timeline)


def _new_case_rest(out: dict, case: Case, viewer: User, timeline: list[dict]) -> dict:
    out["suggestions"] = _suggestions_out(case, viewer)
    out["timeline"] = timeline
    # Whistles and photos come later (photos are uploaded to the case once it exists).
    out["escalations"] = []
    out["photos"] = []
    out["allowed_actions"] = selectors.allowed_actions(viewer, case, escalations=[])
    return out


@router.get("/cases", response=CasePage)
def case_list(
    request: AuthedRequest,
    status: str | None = None,
    mine: bool = False,
    org: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE_NUMBER, description="1-based page number"),
    page_size: int = PAGE_SIZE,
    after: str | None = None,
) -> HttpResponse:
    """Cases the caller may see, soonest due first (by due time, then id). `org` is an org unit's id or code.
    `q` searches the case number, the reporter's mobile number and the words of the title, text and
    place (Chinese words: "路灯" finds "门口路灯坏了"; every word must match).

    Two ways to page:
    - by cursor (keyset, preferred): leave `after` out for the first page, then pass the `next`
      of each answer as `after` until `next` is null. Each page costs the same however deep it
      is and nothing is counted: `count` and `pages` are null. The cursor is opaque.
    - by number (`page`, 1-based): as before, with `count` and `pages` (a COUNT over every
      matching case, and an OFFSET that grows with the page). `next` is given here too, so a
      client can switch to cursors after the first page.
    """
    unit = None
    if org:
        unit = OrgUnit.objects.filter(code=org).first()
        if unit is None and org.isdigit():
            unit = OrgUnit.objects.filter(pk=int(org)).first()
        if unit is None:
            raise ValidationError({"org": _("Unknown unit %(id)s.") % {"id": org}})
    if status and any(s not in Status.values for s in status.split(",") if s):
        raise ValidationError({"status": _("Unknown status %(status)s.") % {"status": status}})
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    qs = (
        selectors.case_list(request.user, status=status, mine=mine, org=unit, category=category, overdue=overdue, q=q)
        .select_related(None)
        .select_related(*selectors.CASE_JOINED)
    )
    if after is not None:
        count = pages = None
        rows = list(selectors.after_cursor(qs, after)[: page_size + 1])
    else:
        rows = list(qs[(page - 1) * page_size : page * page_size + 1])
        # The last page (an inbox of a few cases is all on its first) tells the count itself.
        last = len(rows) <= page_size and (rows or page == 1)
        count = (page - 1) * page_size + len(rows) if last else qs.count()
        pages = (count + page_size - 1) // page_size
    more = len(rows) > page_size
    rows = selectors.with_related(rows[:page_size])
    answer = {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "next": selectors.cursor_of(rows[-1]) if more else None,
        "results": [_case_out(c, request.user) for c in rows],
    }
    return _rendered(request, 200, answer)


@router.get("/cases/{case_id}", response={200: CaseDetailOut, 404: ErrorOut})
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    return _rendered(request, 200, _detail(case_id, request.user))


@router.post("/cases/{case_id}/accept", response=ACTION_RESPONSES)
def case_accept(request: AuthedRequest, case_id: int, payload: AcceptIn = None) -> Reply:
    payload = payload or AcceptIn()
    return _act(
        request,
        case_id,
        services.case_accept,
        category_code=payload.category_code,
        tier=payload.tier,
        note=payload.note,
    )


@router.post("/cases/{case_id}/reject", response=ACTION_RESPONSES)
def case_reject(request: AuthedRequest, case_id: int, payload: ReasonIn) -> Reply:
    return _act(request, case_id, services.case_reject, reason=payload.reason)


@router.post("/cases/{case_id}/dispatch", response=ACTION_RESPONSES)
def case_dispatch(request: AuthedRequest, case_id: int, payload: DispatchIn) -> Reply:
    """派单 to a unit (and a person in it); from `dispatched` this is a transfer (转派)."""
    unit = _unit(payload.unit_id, "unit_id")
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if user is None:
            raise ValidationError({"user_id": _("Unknown person.")})
    return _act(request, case_id, services.case_dispatch, unit=unit, user=user, note=payload.note)


@router.post("/cases/{case_id}/claim", response=ACTION_RESPONSES)
def case_claim(request: AuthedRequest, case_id: int) -> Reply:
    return _act(request, case_id, services.case_claim)


@router.post("/cases/{case_id}/return", response=ACTION_RESPONSES)
def case_return(request: AuthedRequest, case_id: int, payload: ReasonIn) -> Reply:
    return _act(request, case_id, services.case_return, reason=payload.reason)


@router.post("/cases/{case_id}/resolve", response=ACTION_RESPONSES)
def case_resolve(request: AuthedRequest, case_id: int, payload: ResolveIn) -> Reply:
    return _act(request, case_id, services.case_resolve, result=payload.result, level=payload.level)


@router.post("/cases/{case_id}/evaluate", response=ACTION_RESPONSES)
def case_evaluate(request: AuthedRequest, case_id: int, payload: EvaluateIn) -> Reply:
    return _act(request, case_id, services.case_evaluate, rating=payload.rating, comment=payload.comment)


@router.post("/cases/{case_id}/visit", response=ACTION_RESPONSES)
def case_visit(request: AuthedRequest, case_id: int, payload: EvaluateIn) -> Reply:
    """回访: staff record the rating of a resident who cannot rate online."""
    return _act(request, case_id, services.case_visit, rating=payload.rating, comment=payload.comment)


@router.post("/cases/{case_id}/reopen", response=ACTION_RESPONSES)
def case_reopen(request: AuthedRequest, case_id: int, payload: NoteIn = None) -> Reply:
    return _act(request, case_id, services.case_reopen, note=(payload or NoteIn()).note)


@router.post("/cases/{case_id}/urge", response=ACTION_RESPONSES)
def case_urge(request: AuthedRequest, case_id: int, payload: NoteIn = None) -> Reply:
    return _act(request, case_id, services.case_urge, note=(payload or NoteIn()).note)


@router.post("/cases/{case_id}/supervise", response=ACTION_RESPONSES)
def case_supervise(request: AuthedRequest, case_id: int, payload: NoteIn = None) -> Reply:
    return _act(request, case_id, services.case_supervise, note=(payload or NoteIn()).note)


@router.post("/cases/{case_id}/escalate", response=ACTION_RESPONSES)
def case_escalate(request: AuthedRequest, case_id: int, payload: EscalateIn) -> Reply:
    """吹哨: name units (one lead) that must report in (报到)."""
    units = [_unit(uid, "unit_ids") for uid in payload.unit_ids]
    lead = _unit(payload.lead_unit_id, "lead_unit_id")
    return _act(request, case_id, services.case_escalate, units=units, lead_unit=lead, note=payload.note)


@router.post("/cases/{case_id}/report_in", response=ACTION_RESPONSES)
def case_report_in(request: AuthedRequest, case_id: int) -> Reply:
    """报到: a unit called in by a whistle reports that it has taken the case up."""
    # The contract answers 403 to anyone who is not a member of a named unit, also to someone who
    # cannot see the case: the policy row decides on the case itself (404 only when there is none).
    case = selectors.case_get(request.user, case_id) or Case.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404
    services.case_report_in(actor=request.user, case=case)
    return Reply(200, _detail(case_id, request.user))


@router.post("/cases/{case_id}/comment", response=ACTION_RESPONSES)
def case_comment(request: AuthedRequest, case_id: int, payload: CommentIn) -> Reply:
    return _act(request, case_id, services.case_comment, note=payload.note, reply=payload.reply)


class FollowOut(Schema):
    following: bool
    followers: int


def _followable(request: AuthedRequest, case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not services.can_follow(request.user, case):
        raise Http404
    return case


@router.post("/cases/{case_id}/follow", response={200: FollowOut, 404: ErrorOut})
def case_follow(request: AuthedRequest, case_id: int) -> dict:
    """我也关注: follow a case you can see (yours, in your grid, or on the public board)."""
    case = _followable(request, case_id)
    services.case_follow(actor=request.user, case=case)
    return {"following": True, "followers": case.follows.count()}


@router.delete("/cases/{case_id}/follow", response={200: FollowOut, 404: ErrorOut})
def case_unfollow(request: AuthedRequest, case_id: int) -> dict:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404
    services.case_unfollow(actor=request.user, case=case)
    return {"following": False, "followers": case.follows.count()}


@router.post("/cases/{case_id}/merge", response=ACTION_RESPONSES)
def case_merge(request: AuthedRequest, case_id: int, payload: MergeIn) -> Reply:
    into = selectors.case_get(request.user, payload.into_case_id)
    if into is None:
        raise ValidationError({"into_case_id": _("Unknown case %(id)s.") % {"id": payload.into_case_id}})
    return _act(request, case_id, services.case_merge, into=into, note=payload.note)


class PublishIn(Schema):
    note: str = ""
    public_title: str | None = None
    public_result: str | None = None


@router.post("/cases/{case_id}/publish", response=ACTION_RESPONSES)
def case_publish(request: AuthedRequest, case_id: int, payload: PublishIn = None) -> Reply:
    """晒单: put a closed case on the public disclosure board. `public_title` / `public_result` are
    what the board shows (masked again on the server); left out, the masked title and result."""
    payload = payload or PublishIn()
    return _act(
        request,
        case_id,
        services.case_publish,
        note=payload.note,
        public_title=payload.public_title,
        public_result=payload.public_result,
    )


@router.post(
    "/cases/{case_id}/photos",
    response={201: list[PhotoOut], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def case_photos_upload(
    request: AuthedRequest, case_id: int, photos: File[list[UploadedFile]], kind: Form[str] = "intake"
) -> Reply:
    """Upload up to 9 photos (multipart field `photos`, `kind` intake|result): images only, ≤ 10 MB each."""
    case = _visible(request.user, case_id)
    ratelimit.check("upload", user=request.user)
    added = services.case_photos_add(actor=request.user, case=case, kind=kind, uploads=photos)
    return Reply(201, [_photo_out(p) for p in added])


@router.get("/cases/{case_id}/photos/{photo_id}", response={404: ErrorOut})
def case_photo_file(request: AuthedRequest, case_id: int, photo_id: int) -> FileResponse:
    case = _visible(request.user, case_id)
    photo = CasePhoto.objects.filter(case=case, pk=photo_id).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except OSError as exc:  # the row outlived its file (a restored database, a lost volume)
        raise Http404 from exc
    content_type = "image/png" if photo.image.name.endswith(".png") else "image/jpeg"
    return FileResponse(handle, content_type=content_type)


@router.get("/cases/{case_id}/contact", response={200: ContactOut, 403: ErrorOut, 404: ErrorOut})
def case_contact(request: AuthedRequest, case_id: int) -> Reply:
    """The resident's exact address and phone, for those handling the case (each reveal is audited)."""
    case = _visible(request.user, case_id)
    return Reply(200, services.case_reveal_contact(actor=request.user, case=case))


@router.get("/cases/{case_id}/suggestions", response={200: list[SuggestionOut], 403: ErrorOut, 404: ErrorOut})
def case_suggestions(request: AuthedRequest, case_id: int) -> Reply:
    """Routing suggestions (属地属事) for the dispatcher, best first. Staff only: they name
    staff, and a resident sees their own case, not the platform's working notes (403)."""
    case = _visible(request.user, case_id)
    if not selectors.is_staff_viewer(request.user, case):
        raise PermissionDenied(_("Routing suggestions are for staff."))
    return Reply(
        200,
        [
            {
                "unit": _org(s.unit),
                "user": {"id": s.user.pk, "name": s.user.name} if s.user else None,
                "reason": s.reason,
            }
            for s in selectors.route_suggestions(case)
        ],
    )
