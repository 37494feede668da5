"""REST API of the time bank, 微心愿 and party members (the contract of issue 15).

Thin: a service or selector per route. Rows a user may not see answer 404; a refusal because of
the state of things (short balance, no stock, wrong status) 409; bad input 422; no right 403.
"""

from datetime import datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, UploadedFile
from ninja.responses import Status as Reply

from jinlin.core.models import OrgKind, OrgUnit

from . import party, selectors, services, wishes
from .errors import Conflict
from .models import Currency, PartyMember, PartyPost, Reward

router = Router(tags=["volunteers"])
ERRORS = {403: dict, 404: dict, 409: dict, 422: dict}


def _conflict(exc: Conflict) -> Reply:
    return Reply(409, {"detail": exc.message})


# ------------------------------------------------------------------------------ time bank


class NeedIn(Schema):
    title: str
    description: str = ""
    hours: Decimal


class StateOut(Schema):
    id: int
    status: str


class NeedOut(Schema):
    id: int
    status: str
    title: str
    description: str
    hours: Decimal
    served_hours: Decimal | None
    community: str
    created_at: datetime


class HoursIn(Schema):
    hours: Decimal
    note: str = ""


class ReasonIn(Schema):
    reason: str


def _need_out(n) -> dict:
    return {
        "id": n.pk,
        "status": n.status,
        "title": n.title,
        "description": n.description,
        "hours": n.hours,
        "served_hours": n.served_hours,
        "community": n.community.name,
        "created_at": n.created_at,
    }


@router.get("/timebank/needs", response=list[NeedOut])
def needs_list(request, status: str = ""):
    qs = selectors.needs_visible_to(request.user)
    if status:
        qs = qs.filter(status=status)
    return [_need_out(n) for n in qs[:100]]


@router.post("/timebank/needs", response={201: StateOut, **ERRORS})
def need_post(request, payload: NeedIn):
    need = services.need_post(
        actor=request.user, title=payload.title, description=payload.description, hours=payload.hours
    )
    return Reply(201, {"id": need.pk, "status": need.status})


@router.get("/timebank/needs/{need_id}", response={200: NeedOut, **ERRORS})
def need_detail(request, need_id: int):
    return _need_out(selectors.need_get(request.user, need_id))


def _need_action(request, need_id: int, fn, **kwargs):
    need = selectors.need_get(request.user, need_id)
    try:
        need = fn(actor=request.user, need=need, **kwargs)
    except Conflict as exc:
        return _conflict(exc)
    return Reply(200, {"id": need.pk, "status": need.status})


@router.post("/timebank/needs/{need_id}/take", response={200: StateOut, **ERRORS})
def need_take(request, need_id: int):
    return _need_action(request, need_id, services.need_take)


@router.post("/timebank/needs/{need_id}/done", response={200: StateOut, **ERRORS})
def need_done(request, need_id: int, payload: HoursIn):
    return _need_action(request, need_id, services.need_done, hours=payload.hours, note=payload.note)


@router.post("/timebank/needs/{need_id}/confirm", response={200: StateOut, **ERRORS})
def need_confirm(request, need_id: int):
    return _need_action(request, need_id, services.need_confirm)


@router.post("/timebank/needs/{need_id}/dispute", response={200: StateOut, **ERRORS})
def need_dispute(request, need_id: int, payload: ReasonIn):
    return _need_action(request, need_id, services.need_dispute, reason=payload.reason)


class EntryOut(Schema):
    at: datetime
    amount: Decimal
    kind: str
    counterparty: str
    memo: str


class AccountOut(Schema):
    balance: Decimal
    entries: list[EntryOut]


@router.get("/timebank/account", response=AccountOut)
def account(request, currency: str = Currency.HOURS):
    found = selectors.account_entries(request.user, currency if currency in Currency.values else Currency.HOURS)
    return {"balance": found["balance"], "entries": found["entries"]}


class RewardOut(Schema):
    id: int
    name: str
    kind: str
    cost: Decimal
    stock: int
    community: str


@router.get("/timebank/rewards", response=list[RewardOut])
def rewards(request):
    return [
        {"id": r.pk, "name": r.name, "kind": r.kind, "cost": r.cost, "stock": r.stock, "community": r.community.name}
        for r in selectors.rewards_for(request.user).select_related("community")
    ]


class RedeemIn(Schema):
    reward_id: int


class RedemptionOut(Schema):
    id: int
    reward_id: int
    cost: Decimal
    balance: Decimal
    stock: int


@router.post("/timebank/redeem", response={201: RedemptionOut, **ERRORS})
def redeem(request, payload: RedeemIn):
    reward = selectors.rewards_for(request.user).filter(pk=payload.reward_id).first()
    if reward is None:
        raise Http404
    try:
        redemption = services.reward_redeem(actor=request.user, reward=reward)
    except Conflict as exc:
        return _conflict(exc)
    balance = selectors.account_entries(request.user, limit=0)["balance"]
    return Reply(
        201,
        {
            "id": redemption.pk,
            "reward_id": reward.pk,
            "cost": redemption.reward.cost,
            "balance": balance,
            "stock": redemption.reward.stock,
        },
    )


# --------------------------------------------------------------------------------- wishes


class WishIn(Schema):
    title: str
    description: str = ""
    community_id: int | None = None
    wisher_label: str = ""


class ClaimIn(Schema):
    unit_id: int | None = None


class ThankIn(Schema):
    message: str = ""


@router.post("/wishes", response={201: StateOut, **ERRORS})
def wish_post(request, payload: WishIn):
    community = None
    if payload.community_id is not None:
        community = get_object_or_404(OrgUnit, pk=payload.community_id, kind=OrgKind.COMMUNITY)
    wish = wishes.wish_post(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        community=community,
        wisher_label=payload.wisher_label,
    )
    return Reply(201, {"id": wish.pk, "status": wish.status})


@router.get("/wishes/wall", auth=None)
def wish_wall(request):
    return [{**row, "fulfilled_at": row["fulfilled_at"]} for row in selectors.wish_wall()]


def _wish_action(request, wish_id: int, fn, **kwargs):
    wish = selectors.wish_get(request.user, wish_id)
    try:
        wish = fn(actor=request.user, wish=wish, **kwargs)
    except Conflict as exc:
        return _conflict(exc)
    return Reply(200, {"id": wish.pk, "status": wish.status})


@router.post("/wishes/{wish_id}/claim", response={200: StateOut, **ERRORS})
def wish_claim(request, wish_id: int, payload: ClaimIn | None = None):
    unit = None
    if payload is not None and payload.unit_id is not None:
        unit = get_object_or_404(OrgUnit, pk=payload.unit_id)
    return _wish_action(request, wish_id, wishes.wish_claim, unit=unit)


@router.post("/wishes/{wish_id}/fulfil", response={200: StateOut, **ERRORS})
def wish_fulfil(request, wish_id: int, photo: File[UploadedFile] = None):
    return _wish_action(request, wish_id, wishes.wish_fulfil, photo=photo)


@router.post("/wishes/{wish_id}/thank", response={200: StateOut, **ERRORS})
def wish_thank(request, wish_id: int, payload: ThankIn | None = None):
    return _wish_action(request, wish_id, wishes.wish_thank, message=payload.message if payload else "")


# ---------------------------------------------------------------------------------- party


class ReportInIn(Schema):
    community_id: int
    work_unit_id: int | None = None


class MemberOut(Schema):
    id: int
    community_id: int
    reported_at: datetime


@router.post("/party/report-in", response={201: MemberOut, **ERRORS})
def report_in(request, payload: ReportInIn):
    community = get_object_or_404(OrgUnit, pk=payload.community_id)
    work_unit = get_object_or_404(OrgUnit, pk=payload.work_unit_id) if payload.work_unit_id else None
    member = party.report_in(actor=request.user, community=community, work_unit=work_unit)
    return Reply(201, {"id": member.pk, "community_id": community.pk, "reported_at": member.reported_at})


class PostOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    community: str
    places: int
    claimed: int


@router.get("/party/posts", response=list[PostOut])
def posts(request):
    return [
        {
            "id": p.pk,
            "kind": p.kind,
            "title": p.title,
            "description": p.description,
            "community": p.community.name,
            "places": p.places,
            "claimed": p.claimed,
        }
        for p in selectors.posts_visible_to(request.user)[:200]
    ]


class ClaimOut(Schema):
    id: int
    post_id: int
    member_id: int


@router.post("/party/posts/{post_id}/claim", response={201: ClaimOut, **ERRORS})
def post_claim(request, post_id: int):
    post = selectors.posts_visible_to(request.user).filter(pk=post_id).first()
    if post is None:
        raise Http404
    try:
        claim = party.post_claim(actor=request.user, post=PartyPost.objects.get(pk=post.pk))
    except Conflict as exc:
        return _conflict(exc)
    return Reply(201, {"id": claim.pk, "post_id": post.pk, "member_id": claim.member_id})


class PointsIn(Schema):
    member_id: int
    item_code: str
    note: str


class RecordOut(Schema):
    id: int
    status: str
    item_code: str
    points: Decimal


@router.post("/party/points", response={201: RecordOut, **ERRORS})
def points_record(request, payload: PointsIn):
    member = get_object_or_404(PartyMember, pk=payload.member_id)
    record = party.points_record(actor=request.user, member=member, item_code=payload.item_code, note=payload.note)
    return Reply(
        201, {"id": record.pk, "status": record.status, "item_code": record.item.code, "points": record.item.points}
    )


class DecideIn(Schema):
    approve: bool = True


@router.post("/party/points/{record_id}/decide", response={200: RecordOut, **ERRORS})
def points_decide(request, record_id: int, payload: DecideIn):
    from .models import PointRecord

    record = get_object_or_404(PointRecord, pk=record_id)
    try:
        record = party.points_decide(actor=request.user, record=record, approve=payload.approve)
    except Conflict as exc:
        return _conflict(exc)
    return {"id": record.pk, "status": record.status, "item_code": record.item.code, "points": record.item.points}


class RankOut(Schema):
    rank: int
    member_id: int
    name: str
    community: str
    points: Decimal


@router.get("/party/rankings", response={200: list[RankOut], **ERRORS})
def rankings(request, unit_id: int | None = None):
    unit = get_object_or_404(OrgUnit, pk=unit_id) if unit_id else None
    codes = selectors.my_area_codes(request.user)
    if unit is None and not codes:
        raise Http404
    if unit is not None and not any(unit.code.startswith(c) or c.startswith(unit.code) for c in codes):
        # A member sees the ranking of their own community; others outside their reach get 404.
        own = PartyMember.objects.filter(user=request.user).values_list("scope_code", flat=True).first()
        if not own or not own.startswith(unit.code):
            raise Http404
    return party.rankings(unit)


__all__ = ["router", "Reward"]
