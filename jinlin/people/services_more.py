"""Writes for disputes and mediation, police–grid linkage, 部件 and jobs: policy, write, audit, one transaction."""

from datetime import datetime
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import has_role

from .models import (
    Component,
    ComponentKind,
    Dispute,
    DisputeParty,
    DisputeStatus,
    EBike,
    Household,
    IntakeType,
    MediationSession,
    Patrol,
    PolicePair,
    Resident,
)
from .models_more import MediatorKind, PartyRole, ReferralTarget


def _text(value: str | None, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return text


# ---------------------------------------------------------------- disputes


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    title: str,
    description: str = "",
    intake_type: str = IntakeType.DISPUTE,
    parties: list[dict] | None = None,
    lat: float | None = None,
    lng: float | None = None,
    at: datetime | None = None,
) -> Dispute:
    """综治中心 intake: a case of kind `dispute` on the cases machine, with its parties beside it."""
    from jinlin.cases.models import CaseKind, Channel
    from jinlin.cases.services import case_submit

    policy.require(actor, "people.dispute.manage")
    if intake_type not in IntakeType.values:
        raise ValidationError({"intake_type": _("Choose 纠纷化解, 信访诉求, 投诉举报 or 法律咨询.")})
    parties = parties or []
    if intake_type == IntakeType.DISPUTE and len(parties) < 2:
        raise ValidationError({"parties": _("A dispute has at least two parties.")})
    case, _created = case_submit(
        actor=actor,
        title=title,
        description=description,
        kind=CaseKind.DISPUTE,
        lat=lat,
        lng=lng,
        channel=Channel.RECEPTION_DAY,
        at=at,
    )
    dispute = Dispute.objects.create(
        case=case,
        intake_type=intake_type,
        scope_code=case.scope_code,
        created_by=actor,
        created_at=at or timezone.now(),
    )
    for party in parties:
        role = party.get("role", PartyRole.OTHER)
        if role not in PartyRole.values:
            raise ValidationError({"parties": _("Unknown party role.")})
        household = None
        resident = None
        if party.get("resident_id"):
            resident = Resident.objects.filter(pk=party["resident_id"]).first()
            if resident is None or not policy.allows(actor, "people.household.view", resident.household):
                raise ValidationError({"parties": _("No such resident in your area.")})
            household = resident.household
        elif party.get("household_id"):
            household = Household.objects.filter(pk=party["household_id"]).first()
            if household is None or not policy.allows(actor, "people.household.view", household):
                raise ValidationError({"parties": _("No such household in your area.")})
        name = _text(party.get("name") or (resident.name if resident else ""), "parties", 60, required=True)
        DisputeParty.objects.create(dispute=dispute, role=role, name=name, resident=resident, household=household)
    audit_record(
        actor=actor, action="people.dispute_open", obj=dispute, after={"case_id": case.pk, "type": intake_type}
    )
    emit("people.dispute_opened", dispute_id=dispute.pk, case_id=case.pk, actor_id=actor.pk)
    return dispute


def _open_dispute(actor: User, dispute: Dispute) -> None:
    policy.require(actor, "people.dispute.manage", dispute)
    if dispute.status != DisputeStatus.MEDIATING:
        raise ValidationError(_("This dispute is no longer in mediation."))


@transaction.atomic
def dispute_assign_mediator(
    *, actor: User, dispute: Dispute, name: str, kind: str, mediator: User | None = None
) -> Dispute:
    _open_dispute(actor, dispute)
    if kind not in MediatorKind.values:
        raise ValidationError({"mediator_kind": _("Choose 能人, 老党员, 调解员 or 网格员.")})
    dispute.mediator = mediator
    dispute.mediator_name = _text(name or (mediator.name if mediator else ""), "mediator_name", 60, required=True)
    dispute.mediator_kind = kind
    dispute.save(update_fields=["mediator", "mediator_name", "mediator_kind"])
    audit_record(actor=actor, action="people.dispute_mediator", obj=dispute, after={"mediator": dispute.mediator_name})
    return dispute


@transaction.atomic
def mediation_session_add(
    *, actor: User, dispute: Dispute, at: datetime, room: str = "", attendees: str = "", notes: str = ""
) -> MediationSession:
    _open_dispute(actor, dispute)
    session = MediationSession.objects.create(
        dispute=dispute,
        at=at,
        room=_text(room, "room", 80),
        attendees=_text(attendees, "attendees", 300),
        notes=_text(notes, "notes", 4000),
        recorded_by=actor,
    )
    audit_record(actor=actor, action="people.mediation_session", obj=dispute, after={"session_id": session.pk})
    return session


@transaction.atomic
def dispute_agree(*, actor: User, dispute: Dispute, agreement: str, scan=None) -> Dispute:
    """An agreement (text and the signed scan) ends the mediation; the case goes on to its resolution."""
    _open_dispute(actor, dispute)
    dispute.agreement = _text(agreement, "agreement", 8000, required=True)
    if scan is not None:
        from jinlin.cases.services.photos import _clean_image

        content = _clean_image(scan).content
        dispute.agreement_scan.save(content.name or "agreement.jpg", content, save=False)
    dispute.status = DisputeStatus.AGREED
    dispute.closed_at = timezone.now()
    dispute.save()
    audit_record(actor=actor, action="people.dispute_agree", obj=dispute)
    emit("people.dispute_agreed", dispute_id=dispute.pk, case_id=dispute.case_id, actor_id=actor.pk)
    return dispute


@transaction.atomic
def dispute_refer(*, actor: User, dispute: Dispute, to: str, note: str = "") -> Dispute:
    _open_dispute(actor, dispute)
    if to not in ReferralTarget.values:
        raise ValidationError({"to": _("Refer to 司法所, 信访, 法院 or 派出所.")})
    dispute.referred_to = to
    dispute.referral_note = _text(note, "note", 300)
    dispute.status = DisputeStatus.REFERRED
    dispute.closed_at = timezone.now()
    dispute.save()
    audit_record(actor=actor, action="people.dispute_refer", obj=dispute, after={"to": to})
    emit("people.dispute_referred", dispute_id=dispute.pk, case_id=dispute.case_id, to=to, actor_id=actor.pk)
    return dispute


# ---------------------------------------------------------------- police–grid linkage


@transaction.atomic
def police_pair_create(*, actor: User, grid: OrgUnit, grid_worker: User, officer: User) -> PolicePair:
    policy.require(actor, "people.police.pair", grid)
    if grid.kind != OrgKind.GRID:
        raise ValidationError({"grid": _("Choose a grid.")})
    if not has_role(grid_worker, Role.GRID_WORKER) or not has_role(officer, Role.POLICE_OFFICER):
        raise ValidationError(_("Pair a grid worker with a police officer."))
    pair = PolicePair.objects.create(grid=grid, grid_worker=grid_worker, officer=officer, scope_code=grid.code)
    audit_record(actor=actor, action="people.police_pair", obj=pair)
    return pair


@transaction.atomic
def patrol_log(
    *, actor: User, pair: PolicePair, route: str = "", findings: str = "", ebikes: list[dict] | None = None
) -> Patrol:
    """A joint patrol and what it found; e-bikes go to the register (登记造册)."""
    if actor.pk not in (pair.grid_worker_id, pair.officer_id):
        policy.require(actor, "people.police.pair", pair.grid)
    patrol = Patrol.objects.create(
        pair=pair,
        route=_text(route, "route", 200),
        findings=_text(findings, "findings", 4000),
        scope_code=pair.scope_code,
        recorded_by=actor,
    )
    for bike in ebikes or []:
        EBike.objects.create(
            patrol=patrol,
            plate=_text(bike.get("plate"), "ebikes", 60, required=True),
            place=_text(bike.get("place"), "ebikes", 120, required=True),
            locked=bool(bike.get("locked")),
            issue=_text(bike.get("issue"), "ebikes", 120),
            scope_code=pair.scope_code,
        )
    audit_record(actor=actor, action="people.patrol", obj=patrol, after={"ebikes": len(ebikes or [])})
    return patrol


# ---------------------------------------------------------------- 部件


@transaction.atomic
def component_create(
    *, actor: User | None, kind: str, code: str, lat: float, lng: float, name: str = "", owner: OrgUnit | None = None
) -> Component:
    if kind not in ComponentKind.values:
        raise ValidationError({"kind": _("Unknown component type.")})
    code = _text(code, "code", 40, required=True)
    if Component.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A component with this code exists already.")})
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"lat": _("A point needs a valid latitude and longitude.")})
    from jinlin.core.grids import grid_at  # numpy and shapely: not on a web worker's start-up path

    grid = grid_at(lat, lng)
    if actor is not None:
        # The point decides the place: only staff whose area holds it may register the 部件.
        policy.require(actor, "people.component.manage", SimpleNamespace(scope_code=grid.code if grid else "-"))
    component = Component.objects.create(
        kind=kind,
        code=code,
        name=_text(name, "name", 120),
        lat=lat,
        lng=lng,
        grid=grid,
        scope_code=grid.code if grid else "",
        owner=owner,
    )
    audit_record(actor=actor, action="people.component_create", obj=component)
    return component


@transaction.atomic
def component_link_case(*, actor: User, component: Component, case) -> None:
    """A case names the 部件 it is about; the 部件's page then lists it."""
    policy.require(actor, "people.component.manage", component)
    component.cases.add(case)
    audit_record(actor=actor, action="people.component_case", obj=component, after={"case_id": case.pk})


# ---------------------------------------------------------------- jobs: people/jobs.py (re-exported for the API)

from .jobs import job_follow_up, jobs_match, match_score  # noqa: E402, F401
