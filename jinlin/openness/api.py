"""REST API of openness (the contract of issue 17): public disclosures, and 我要举报 reports
(auth optional to file, a tracking code to follow, 404 for anyone but the discipline office in scope)."""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status as Reply

from jinlin.core.bearer import BearerToken
from jinlin.core.models import OrgUnit

from . import selectors, services
from .models import DisclosureKind, ReportStatus

router = Router(tags=["openness"])
MAX_PAGE = 100


def _anonymous(request):
    """Auth optional: without a (valid) bearer token the caller is anonymous."""
    request.user = AnonymousUser()
    return request.user


OPTIONAL = [BearerToken(), _anonymous]


class ErrorOut(Schema):
    detail: str | list


class DisclosureIn(Schema):
    unit_id: int
    kind: str
    title: str
    body: str = ""
    period: str = ""
    comment_days: int = 0


class AttachmentOut(Schema):
    name: str
    content_type: str
    url: str


class DisclosureOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    kind: str
    title: str
    body: str
    period: str
    published_at: datetime
    comment_until: datetime | None
    attachments: list[AttachmentOut]


def _disclosure(d) -> dict:
    return {
        "id": d.pk,
        "unit_id": d.unit_id,
        "unit_name": d.unit.name,
        "kind": d.kind,
        "title": d.title,
        "body": d.body,
        "period": d.period,
        "published_at": d.published_at,
        "comment_until": d.comment_until,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "url": a.file.url} for a in d.attachments.all()
        ],
    }


@router.get("/disclosures", auth=None, response=list[DisclosureOut])
def disclosure_list(
    request, unit_id: int | None = None, kind: str | None = None, q: str = "", limit: int = 50, offset: int = 0
):
    """Public (no login): the disclosures of a unit and everything under it, newest first."""
    if kind and kind not in DisclosureKind.values:
        raise ValidationError({"kind": f"one of {', '.join(DisclosureKind.values)}"})
    rows = selectors.disclosures(unit_id=unit_id, kind=kind, q=q).prefetch_related("attachments")
    limit, offset = max(1, min(limit, MAX_PAGE)), max(offset, 0)
    return [_disclosure(d) for d in rows[offset : offset + limit]]


@router.post("/disclosures", response={201: DisclosureOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def disclosure_create(request, payload: DisclosureIn):
    unit = get_object_or_404(OrgUnit, pk=payload.unit_id)
    row = services.disclosure_publish(
        actor=request.user,
        unit=unit,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        comment_days=payload.comment_days,
    )
    return Reply(201, _disclosure(row))


class ReportIn(Schema):
    unit_id: int
    subject: str
    body: str
    anonymous: bool = True


class TrackingOut(Schema):
    tracking_code: str


class ReplyOut(Schema):
    at: datetime
    body: str


class TrackOut(Schema):
    status: str
    replies: list[ReplyOut]


class ReportOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    subject: str
    body: str
    anonymous: bool
    status: str
    created_at: datetime
    replies: list[ReplyOut]


@router.post("/reports", auth=OPTIONAL, response={201: TrackingOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def report_create(request, payload: ReportIn):
    """我要举报: anyone, logged in or not; keep the tracking code — it is shown only once."""
    unit = get_object_or_404(OrgUnit, pk=payload.unit_id, is_active=True)
    try:
        _report, code = services.report_submit(
            actor=request.user, unit=unit, subject=payload.subject, body=payload.body, anonymous=payload.anonymous
        )
    except services.RateLimited as exc:
        return Reply(429, {"detail": str(exc)})
    return Reply(201, {"tracking_code": code})


@router.get("/reports/track/{code}", auth=None, response={200: TrackOut, 404: ErrorOut})
def report_track(request, code: str):
    report = services.report_track(code)
    if report is None:
        raise Http404
    return {"status": report.status, "replies": [{"at": r.at, "body": r.body} for r in report.replies.all()]}


def _report(r) -> dict:
    return {
        "id": r.pk,
        "unit_id": r.unit_id,
        "unit_name": r.unit.name,
        "subject": r.subject,
        "body": r.body,
        "anonymous": r.anonymous,
        "status": r.status,
        "created_at": r.created_at,
        "replies": [{"at": x.at, "body": x.body} for x in r.replies.all()],
    }


@router.get("/reports", auth=OPTIONAL, response={200: list[ReportOut], 404: ErrorOut})
def report_list(request, status: str | None = None, q: str = "", limit: int = 50, offset: int = 0):
    """For the discipline office in scope; 404 for anyone else (the list's existence is not shown)."""
    if not selectors.area_codes(request.user, selectors.DISCIPLINE):
        raise Http404
    if status and status not in ReportStatus.values:
        raise ValidationError({"status": f"one of {', '.join(ReportStatus.values)}"})
    rows = selectors.report_search(request.user, q=q, status=status or "").prefetch_related("replies")
    limit, offset = max(1, min(limit, MAX_PAGE)), max(offset, 0)
    return [_report(r) for r in rows[offset : offset + limit]]


@router.get("/reports/{report_id}", auth=OPTIONAL, response={200: ReportOut, 404: ErrorOut})
def report_detail(request, report_id: int):
    return _report(get_object_or_404(selectors.reports_for(request.user), pk=report_id))


class ReportReplyIn(Schema):
    body: str
    status: str | None = None


@router.post("/reports/{report_id}/replies", response={201: ReportOut, 404: ErrorOut, 422: ErrorOut})
def report_reply(request, report_id: int, payload: ReportReplyIn):
    report = get_object_or_404(selectors.reports_for(request.user), pk=report_id)
    services.report_reply(actor=request.user, report=report, body=payload.body, status=payload.status)
    return Reply(201, _report(report))
