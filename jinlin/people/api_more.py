"""REST API for disputes and mediation, police–grid linkage, 部件 and jobs (paths beyond the fixed contract)."""

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema
from ninja.responses import Status as Reply

from jinlin.core import policy
from jinlin.core.models import User
from jinlin.core.scope import area_codes, prefix_q

from . import services_more as more
from .models import Component, Dispute, EBike, PolicePair, Vacancy
from .policies import VIEW_ROLES

router = Router(tags=["people"])


class PartyIn(Schema):
    role: str
    name: str = ""
    resident_id: int | None = None
    household_id: int | None = None


class DisputeIn(Schema):
    title: str
    description: str = ""
    intake_type: str = "纠纷化解"
    parties: list[PartyIn] = []
    lat: float | None = None
    lng: float | None = None


class SessionIn(Schema):
    at: datetime
    room: str = ""
    attendees: str = ""
    notes: str = ""


class MediatorIn(Schema):
    name: str = ""
    kind: str
    user_id: int | None = None


class AgreeIn(Schema):
    agreement: str


class ReferIn(Schema):
    to: str
    note: str = ""


class PatrolIn(Schema):
    pair_id: int
    route: str = ""
    findings: str = ""
    ebikes: list[dict] = []


class ComponentIn(Schema):
    kind: str
    code: str
    lat: float
    lng: float
    name: str = ""


def _dispute_out(d: Dispute) -> dict:
    return {
        "id": d.pk,
        "case_id": d.case_id,
        "number": d.case.number,
        "title": d.case.title,
        "intake_type": d.intake_type,
        "status": d.status,
        "mediator": d.mediator_name,
        "mediator_kind": d.mediator_kind,
        "parties": [{"role": p.role, "name": p.name} for p in d.parties.all()],
        "sessions": [
            {"at": s.at, "room": s.room, "attendees": s.attendees, "notes": s.notes} for s in d.sessions.all()
        ],
        "agreement": d.agreement,
        "referred_to": d.referred_to,
    }


def _area(user: User, roles=VIEW_ROLES):
    return prefix_q("scope_code", area_codes(user, roles))


def _dispute(user: User, pk: int) -> Dispute:
    d = Dispute.objects.select_related("case").filter(pk=pk).first()
    if d is None or not policy.allows(user, "people.dispute.view", d):
        raise Http404
    return d


@router.get("/disputes")
def disputes_list(request, status: str = ""):
    """Disputes in the user's area (scoped), newest first."""
    qs = Dispute.objects.filter(_area(request.user)).select_related("case").prefetch_related("parties", "sessions")
    if status:
        qs = qs.filter(status=status)
    return {"count": qs.count(), "items": [_dispute_out(d) for d in qs[:50]]}


@router.post("/disputes", response={201: dict, 403: dict, 422: dict})
def dispute_open(request, payload: DisputeIn):
    """综治中心 intake: 纠纷化解 / 信访诉求 / 投诉举报 / 法律咨询 as a case of kind `dispute`."""
    d = more.dispute_open(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        intake_type=payload.intake_type,
        parties=[p.dict() for p in payload.parties],
        lat=payload.lat,
        lng=payload.lng,
    )
    return Reply(201, _dispute_out(d))


@router.get("/disputes/{dispute_id}")
def dispute_detail(request, dispute_id: int):
    return _dispute_out(_dispute(request.user, dispute_id))


@router.post("/disputes/{dispute_id}/mediator")
def dispute_mediator(request, dispute_id: int, payload: MediatorIn):
    d = _dispute(request.user, dispute_id)
    mediator = User.objects.filter(pk=payload.user_id).first() if payload.user_id else None
    return _dispute_out(
        more.dispute_assign_mediator(
            actor=request.user, dispute=d, name=payload.name, kind=payload.kind, mediator=mediator
        )
    )


@router.post("/disputes/{dispute_id}/sessions", response={201: dict})
def dispute_session(request, dispute_id: int, payload: SessionIn):
    d = _dispute(request.user, dispute_id)
    more.mediation_session_add(actor=request.user, dispute=d, **payload.dict())
    return Reply(201, _dispute_out(d))


@router.post("/disputes/{dispute_id}/agree")
def dispute_agree(request, dispute_id: int, payload: AgreeIn):
    return _dispute_out(
        more.dispute_agree(actor=request.user, dispute=_dispute(request.user, dispute_id), agreement=payload.agreement)
    )


@router.post("/disputes/{dispute_id}/refer")
def dispute_refer(request, dispute_id: int, payload: ReferIn):
    d = _dispute(request.user, dispute_id)
    return _dispute_out(more.dispute_refer(actor=request.user, dispute=d, to=payload.to, note=payload.note))


@router.post("/patrols", response={201: dict})
def patrol_log(request, payload: PatrolIn):
    """A joint patrol of a police–grid pair, with e-bikes found (登记造册)."""
    pair = PolicePair.objects.select_related("grid").filter(pk=payload.pair_id, ended_at=None).first()
    if pair is None or not (
        request.user.pk in (pair.grid_worker_id, pair.officer_id)
        or policy.allows(request.user, "people.police.pair", pair.grid)
    ):
        raise Http404
    patrol = more.patrol_log(
        actor=request.user, pair=pair, route=payload.route, findings=payload.findings, ebikes=payload.ebikes
    )
    return Reply(201, {"id": patrol.pk, "ebikes": patrol.ebikes.count()})


@router.get("/ebikes")
def ebikes_list(request):
    """The e-bike register of the user's area."""
    qs = EBike.objects.filter(_area(request.user))
    return {
        "count": qs.count(),
        "items": [
            {"id": b.pk, "plate": b.plate, "place": b.place, "locked": b.locked, "issue": b.issue, "at": b.at}
            for b in qs[:100]
        ],
    }


def _component_out(c: Component) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "code": c.code,
        "name": c.name,
        "lat": c.lat,
        "lng": c.lng,
        "grid_id": c.grid_id,
    }


@router.get("/components")
def components_list(request, kind: str = ""):
    """部件 in the user's area, for the map."""
    qs = Component.objects.filter(_area(request.user), is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return {"count": qs.count(), "items": [_component_out(c) for c in qs[:2000]]}


@router.post("/components", response={201: dict, 403: dict, 422: dict})
def component_create(request, payload: ComponentIn):
    c = more.component_create(actor=request.user, **payload.dict())
    return Reply(201, _component_out(c))


@router.get("/components/{component_id}")
def component_detail(request, component_id: int):
    """One 部件 with the cases that name it (those the user may see)."""
    from jinlin.cases.selectors import cases_visible_to

    c = Component.objects.filter(pk=component_id).first()
    if (
        c is None
        or not c.scope_code
        or not any(c.scope_code.startswith(code) for code in area_codes(request.user, VIEW_ROLES))
    ):
        raise Http404
    cases = cases_visible_to(request.user).filter(components=c).order_by("-id")[:50]
    return {
        **_component_out(c),
        "cases": [{"id": k.pk, "number": k.number, "title": k.title, "status": k.status} for k in cases],
    }


@router.post("/jobs/vacancies/{vacancy_id}/match")
def jobs_match(request, vacancy_id: int):
    """Propose seekers for a vacancy by skill, place and pay."""
    vacancy = Vacancy.objects.filter(pk=vacancy_id).first()
    if vacancy is None or not policy.allows(request.user, "people.jobs.manage", vacancy):
        raise Http404
    matches = more.jobs_match(actor=request.user, vacancy=vacancy)
    return {"items": [{"seeker_id": m.seeker_id, "name": m.seeker.resident.name, "score": m.score} for m in matches]}
