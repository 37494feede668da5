"""Writes of openness: disclosures (with content-checked attachments and 事前公示 comments), the
power list and the append-only seal register, live decisions, and 我要举报 reports."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.crypto import digest
from jinlin.core.events import emit
from jinlin.core.middleware import client_ip
from jinlin.core.models import OrgUnit, User
from jinlin.core.scope import area_code

from .models import (
    Attachment,
    Disclosure,
    DisclosureComment,
    DisclosureKind,
    DisclosureSchedule,
    LiveDecision,
    LiveStage,
    PowerItem,
    Report,
    ReportReply,
    ReportStatus,
    SealUse,
)
from .selectors import reports_for

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
REPORTS_PER_HOUR = 5


def _text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return value


# ---------------------------------------------------------------- disclosures


def attachment_check(upload) -> tuple[str, str]:
    """(content type, extension) judged by content: a PDF by its magic bytes, an image by Pillow."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": _("Each attachment may be at most 20 MB.")})
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "application/pdf", "pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fmt = None
    upload.seek(0)
    if fmt in {"JPEG", "PNG", "WEBP", "GIF"}:
        return f"image/{fmt.lower()}", {"JPEG": "jpg"}.get(fmt, fmt.lower())
    raise ValidationError(
        {"attachments": _("“%(name)s” is not a PDF or an image.") % {"name": getattr(upload, "name", "")[:80]}}
    )


def disclosure_publish(
    *,
    actor: User,
    unit: OrgUnit,
    kind: str,
    title: str,
    body: str = "",
    schedule: DisclosureSchedule | None = None,
    period: str = "",
    comment_days: int = 0,
    attachments: list | None = None,
    published_at: datetime | None = None,
) -> Disclosure:
    if kind not in DisclosureKind.values:
        raise ValidationError({"kind": _("Choose one of the disclosure kinds.")})
    scope = area_code(unit)
    policy.require(actor, "openness.disclose", Disclosure(scope_code=scope))
    title = _text(title, "title", max_length=160)
    body = _text(body, "body", max_length=20000, required=False)
    if schedule is not None and (schedule.unit_id != unit.pk or not period):
        raise ValidationError({"period": _("A scheduled item needs its own unit and a period.")})
    if not 0 <= comment_days <= 60:
        raise ValidationError({"comment_days": _("A comment period is from 0 to 60 days.")})
    checked = [(upload, *attachment_check(upload)) for upload in attachments or []]
    published_at = published_at or timezone.now()
    with transaction.atomic():
        if schedule is not None and Disclosure.objects.filter(schedule=schedule, period=period).exists():
            raise ValidationError({"period": _("This period has already been disclosed.")})
        row = Disclosure.objects.create(
            unit=unit,
            scope_code=scope,
            kind=kind,
            title=title,
            body=body,
            schedule=schedule,
            period=period,
            comment_until=published_at + timedelta(days=comment_days) if comment_days else None,
            published_at=published_at,
            published_by=actor,
        )
        for upload, content_type, ext in checked:
            upload.seek(0)
            data = upload.read()
            name = hashlib.sha256(data).hexdigest()[:16]
            Attachment.objects.create(
                disclosure=row,
                file=ContentFile(data, name=f"{name}.{ext}"),
                name=(getattr(upload, "name", "") or f"attachment.{ext}")[:120],
                content_type=content_type,
                size=len(data),
            )
        audit_record(actor=actor, action="openness.disclose", obj=row, after={"kind": kind, "period": period})
    return row


def disclosure_comment(*, actor: User, disclosure: Disclosure, body: str) -> DisclosureComment:
    policy.require(actor, "openness.comment", disclosure)
    if disclosure.comment_until is None or disclosure.comment_until < timezone.now():
        raise ValidationError(_("This disclosure does not take comments (or its comment period has ended)."))
    with transaction.atomic():
        row = DisclosureComment.objects.create(
            disclosure=disclosure, author=actor, body=_text(body, "body", max_length=2000)
        )
        audit_record(actor=actor, action="openness.comment", obj=disclosure)
    return row


def schedule_add(
    *,
    actor: User,
    unit: OrgUnit,
    kind: str,
    title: str,
    frequency: str = "monthly",
    due_day: int = 10,
    responsible: User | None = None,
) -> DisclosureSchedule:
    scope = area_code(unit)
    policy.require(actor, "openness.disclose", DisclosureSchedule(scope_code=scope))
    with transaction.atomic():
        row = DisclosureSchedule.objects.create(
            unit=unit,
            scope_code=scope,
            kind=kind,
            title=_text(title, "title", max_length=120),
            frequency=frequency,
            due_day=due_day,
            responsible=responsible,
        )
        audit_record(actor=actor, action="openness.schedule", obj=row)
    return row


def late_alerts_run() -> int:
    """Tell the responsible staff about each late scheduled disclosure (an event; notify delivers)."""
    from .selectors import late_items

    items = late_items()
    for item in items:
        s = item["schedule"]
        emit(
            "openness.disclosure_late",
            schedule_id=s.pk,
            period=item["period"],
            responsible_id=s.responsible_id,
            actor_id=None,
        )
    return len(items)


# ---------------------------------------------------------------- power list, seal register, live decisions


def power_item_add(*, actor: User, unit: OrgUnit, title: str, steps: list[dict], basis: str = "") -> PowerItem:
    scope = area_code(unit)
    policy.require(actor, "openness.register", PowerItem(scope_code=scope))
    clean = []
    for step in steps:
        name = _text(step.get("step"), "steps", max_length=60)
        clean.append({"step": name, "approver": str(step.get("approver", ""))[:60], "days": int(step.get("days") or 0)})
    if not clean:
        raise ValidationError({"steps": _("A power needs its procedure's steps.")})
    with transaction.atomic():
        row = PowerItem.objects.create(
            unit=unit, scope_code=scope, title=_text(title, "title", max_length=120), basis=basis[:200], steps=clean
        )
        audit_record(actor=actor, action="openness.power", obj=row)
    return row


def seal_use_record(
    *, actor: User, unit: OrgUnit, user_name: str, document: str, approved_by: str, used_at: datetime | None = None
) -> SealUse:
    scope = area_code(unit)
    policy.require(actor, "openness.register", SealUse(scope_code=scope))
    with transaction.atomic():
        row = SealUse.objects.create(
            unit=unit,
            scope_code=scope,
            used_at=used_at or timezone.now(),
            user_name=_text(user_name, "user_name", max_length=60),
            document=_text(document, "document", max_length=200),
            approved_by=_text(approved_by, "approved_by", max_length=60),
            recorded_by=actor,
        )
        audit_record(actor=actor, action="openness.seal", obj=row)
    return row


def live_decision_stage(
    *, actor: User, unit: OrgUnit, stage: str, note: str = "", decision: LiveDecision | None = None, title: str = ""
) -> LiveDecision:
    """Open a live decision (with its first stage) or add the next stage to one."""
    scope = area_code(unit)
    policy.require(actor, "openness.disclose", LiveDecision(scope_code=scope))
    with transaction.atomic():
        now = timezone.now()
        if decision is None:
            decision = LiveDecision.objects.create(
                unit=unit, scope_code=scope, title=_text(title, "title", max_length=160)
            )
        LiveStage.objects.create(decision=decision, name=_text(stage, "stage", max_length=60), note=note[:2000], at=now)
        LiveDecision.objects.filter(pk=decision.pk).update(updated_at=now)
        audit_record(actor=actor, action="openness.live", obj=decision, after={"stage": stage})
    return decision


# ---------------------------------------------------------------- 我要举报


class RateLimited(Exception):
    pass


def tracking_digest(code: str) -> str:
    return digest("report-tracking", code.strip())


def report_submit(
    *, actor: User | None, unit: OrgUnit, subject: str, body: str, anonymous: bool = True, ip: str | None = None
) -> tuple[Report, str]:
    """File a report; returns it and its tracking code (shown once, stored only as a digest)."""
    subject = _text(subject, "subject", max_length=120)
    body = _text(body, "body", max_length=5000)
    ip = ip or client_ip() or ""
    source = digest("report-ip", ip) if ip else ""
    if (
        source
        and Report.objects.filter(source_digest=source, created_at__gte=timezone.now() - timedelta(hours=1)).count()
        >= REPORTS_PER_HOUR
    ):
        raise RateLimited(_("Too many reports from this address; try again in an hour."))
    code = secrets.token_urlsafe(18)
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        report = Report.objects.create(
            unit=unit,
            scope_code=area_code(unit),
            subject=subject,
            body=body,
            anonymous=anonymous or not signed_in,
            reporter=actor if signed_in and not anonymous else None,
            tracking_digest=tracking_digest(code),
            source_digest=source,
        )
        # The audit entry names neither the reporter of an anonymous report nor the subject.
        audit_record(
            actor=None,
            action="openness.report",
            object_type="openness.report",
            object_id=str(report.pk),
            object_repr=_("report"),
        )
    # No event: notifications would reach people and units a report names.
    return report, code


def report_track(code: str) -> Report | None:
    if not code or len(code) > 64:
        return None
    return Report.objects.filter(tracking_digest=tracking_digest(code)).first()


def report_reply(*, actor: User, report: Report, body: str, status: str | None = None) -> ReportReply:
    if not reports_for(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(_("Only the discipline office of this place handles its reports."))
    policy.require(actor, "openness.report.handle", report)
    if status is not None and status not in ReportStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        reply = ReportReply.objects.create(report=report, body=_text(body, "body", max_length=5000), by=actor)
        report.status = status or (ReportStatus.HANDLING if report.status == ReportStatus.RECEIVED else report.status)
        report.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="openness.report.reply",
            object_type="openness.report",
            object_id=str(report.pk),
            after={"status": report.status},
        )
    return reply
