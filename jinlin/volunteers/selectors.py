"""Reads with their rules: every list goes through core.scope (staff reach their area; people see
their own rows, and volunteers the open needs and wishes of their community)."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from jinlin.core.models import Role, User
from jinlin.core.scope import area_code, area_codes, has_role, prefix_q, scope_q

from . import ledger
from .models import (
    Account,
    AccountKind,
    Currency,
    Need,
    NeedStatus,
    PartyMember,
    PartyPost,
    Posting,
    Reward,
    Team,
    Volunteer,
    VolunteerStatus,
    Wish,
    WishStatus,
)


def _party_codes(user: User) -> list[str]:
    from jinlin.core.scope import active_assignments

    return [area_code(a.org) for a in active_assignments(user) if a.role == Role.PARTY_ADMIN]


def staff_q(user: User, field: str = "scope_code") -> Q:
    return scope_q(user, code_field=field) | prefix_q(field, _party_codes(user))


def home_codes(user: User) -> list[str]:
    """The communities a person takes part in as a volunteer or a reported-in party member."""
    codes = list(
        Volunteer.objects.filter(user=user, status=VolunteerStatus.APPROVED).values_list("scope_code", flat=True)
    )
    codes += [c for c in PartyMember.objects.filter(user=user).values_list("scope_code", flat=True) if c]
    return codes


def needs_visible_to(user: User) -> QuerySet[Need]:
    q = staff_q(user) | Q(requester=user) | Q(volunteer=user) | Q(posted_by=user)
    volunteer_codes = list(
        Volunteer.objects.filter(user=user, status=VolunteerStatus.APPROVED).values_list("scope_code", flat=True)
    )
    if volunteer_codes:
        q |= Q(status=NeedStatus.OPEN, scope_code__in=volunteer_codes)
    return Need.objects.filter(q).select_related("requester", "volunteer", "community")


def need_get(user: User, pk: int) -> Need:
    found = needs_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def wishes_visible_to(user: User) -> QuerySet[Wish]:
    q = staff_q(user) | Q(posted_by=user) | Q(claimed_by=user)
    codes = home_codes(user)
    if codes:
        q |= Q(status=WishStatus.OPEN, scope_code__in=codes)
    return Wish.objects.filter(q).select_related("community", "claimed_unit")


def wish_get(user: User, pk: int) -> Wish:
    found = wishes_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def wish_wall(limit: int = 60) -> list[dict]:
    """The public wall: fulfilled wishes, the community's name and the thanks — no person at all."""
    rows = (
        Wish.objects.filter(status__in=[WishStatus.FULFILLED, WishStatus.THANKED])
        .select_related("community")
        .order_by("-fulfilled_at", "-pk")[:limit]
    )
    return [
        {
            "id": w.pk,
            "title": w.title,
            "community": w.community.name,
            "fulfilled_at": w.fulfilled_at,
            "thanks": w.thanks,
            "has_photo": bool(w.photo),
        }
        for w in rows
    ]


def rewards_for(user: User) -> QuerySet[Reward]:
    codes = home_codes(user)
    community = None
    if not codes:
        from .services import home_community

        community = home_community(user)
        codes = [community.code] if community else []
    q = staff_q(user) | Q(scope_code__in=codes)
    return Reward.objects.filter(q, is_active=True).order_by("cost", "pk")


def account_entries(user: User, currency: str = Currency.HOURS, limit: int = 100) -> dict:
    """A person's balance and history: each posting with the other side of its transfer."""
    account = Account.objects.filter(kind=AccountKind.PERSON, currency=currency, user=user).first()
    if account is None:
        return {"balance": Decimal("0"), "entries": [], "account": None}
    postings = list(
        Posting.objects.filter(account=account).select_related("transfer").order_by("-transfer__at", "-pk")[:limit]
    )
    others = {}
    for p in (
        Posting.objects.filter(transfer_id__in=[p.transfer_id for p in postings])
        .exclude(account=account)
        .select_related("account")
    ):
        others.setdefault(p.transfer_id, p.account.name)
    entries = [
        {
            "at": p.transfer.at,
            "amount": p.amount,
            "kind": p.transfer.kind,
            "kind_label": p.transfer.get_kind_display(),
            "counterparty": others.get(p.transfer_id, ""),
            "memo": p.transfer.memo,
            "transfer_id": p.transfer_id,
        }
        for p in postings
    ]
    return {"balance": account.balance, "entries": entries, "account": account}


def volunteers_visible_to(
    user: User, *, status: str = "", skill: str = "", place: str = "", star: bool = False
) -> QuerySet:
    qs = Volunteer.objects.filter(staff_q(user) | Q(user=user)).select_related("user", "community")
    if status:
        qs = qs.filter(status=status)
    if skill:
        qs = qs.filter(skills__icontains=skill)
    if place:
        qs = qs.filter(Q(place__icontains=place) | Q(community__name__icontains=place))
    if star:
        qs = qs.filter(is_star=True)
    return qs.order_by("status", "-applied_at")


def talent_pool(*, skill: str = "", place: str = "", codes: list[str] | None = None) -> QuerySet:
    """社区民星: approved volunteers searchable by skill and place (names only, no phones)."""
    qs = Volunteer.objects.filter(status=VolunteerStatus.APPROVED).select_related("user", "community")
    if codes is not None:
        qs = qs.filter(prefix_q("scope_code", codes))
    if skill:
        qs = qs.filter(skills__icontains=skill)
    if place:
        qs = qs.filter(Q(place__icontains=place) | Q(community__name__icontains=place))
    return qs.order_by("-is_star", "user__name")


def hours_by_person(codes: list[str]) -> list[dict]:
    rows = (
        Posting.objects.filter(
            account__kind=AccountKind.PERSON,
            account__currency=Currency.HOURS,
            transfer__kind="service",
            transfer__reversed_by__isnull=True,
        )
        .filter(prefix_q("account__scope_code", codes))
        .values("account__name")
        .annotate(hours=Sum("amount"), services=Count("pk"))
        .order_by("-hours")
    )
    return [dict(row) for row in rows[:50]]


def hours_by_team(codes: list[str]) -> list[dict]:
    out = []
    for team in Team.objects.filter(prefix_q("scope_code", codes)).order_by("name"):
        user_ids = list(team.members.values_list("user_id", flat=True))
        hours = Posting.objects.filter(
            account__user_id__in=user_ids, account__currency=Currency.HOURS, transfer__kind="service", amount__gt=0
        ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
        out.append({"team": team, "members": len(user_ids), "hours": hours})
    return out


def posts_visible_to(user: User) -> QuerySet[PartyPost]:
    codes = home_codes(user)
    return (
        PartyPost.objects.filter(staff_q(user) | Q(scope_code__in=codes))
        .annotate(claimed=Count("claims"))
        .select_related("community")
        .order_by("community__code", "-created_at")
    )


def figures(codes: list[str]) -> dict:
    """The dashboard's figures for an area (code prefixes)."""
    scoped = prefix_q("scope_code", codes)
    people = Posting.objects.filter(
        prefix_q("account__scope_code", codes), account__kind=AccountKind.PERSON, account__currency=Currency.HOURS
    )
    hours = people.filter(transfer__kind="service").aggregate(s=Sum("amount"))["s"]
    redeemed = people.filter(transfer__kind="redeem").aggregate(s=Sum("amount"))["s"]
    return {
        "volunteers": Volunteer.objects.filter(scoped, status=VolunteerStatus.APPROVED).count(),
        "hours": hours or Decimal("0"),
        "redeemed": -(redeemed or Decimal("0")),
        "needs_met": Need.objects.filter(scoped, status=NeedStatus.CONFIRMED).count(),
        "needs_open": Need.objects.filter(scoped, status=NeedStatus.OPEN).count(),
        "wishes_fulfilled": Wish.objects.filter(scoped, status__in=[WishStatus.FULFILLED, WishStatus.THANKED]).count(),
        "party_reported": PartyMember.objects.filter(scoped, reported_at__isnull=False).count(),
    }


def my_area_codes(user: User) -> list[str]:
    return area_codes(user) + _party_codes(user)


def is_staff(user: User) -> bool:
    return has_role(user, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.PARTY_ADMIN) or bool(area_codes(user))


__all__ = ["ledger"]


def _q_own_records(user: User) -> Q:
    return Q(member__user=user)


def aid_projects_for(user: User) -> QuerySet:
    """互助项目清单 of the person's community (or of the staff's area), with sign-up counts."""
    from .models import AidProject
    from .services import home_community

    community = home_community(user)
    q = staff_q(user)
    if community is not None:
        q |= Q(scope_code=community.code)
    return (
        AidProject.objects.filter(q)
        .annotate(taken=Count("signups"), mine=Count("signups", filter=Q(signups__user=user)))
        .select_related("community")
        .order_by("community__code", "title")
    )
