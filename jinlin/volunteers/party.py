"""Party members: 双报到 (report in to the home community), posts and projects to claim (认领岗位),
the yearly "4+1" duties, duty rosters (平战结合), 结对共建/双向认领, and points (积分制/道德银行)
on the same ledger as the time bank (currency "points": an organisation's issuing account pays
plus items, minus items go back to it)."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgKind, OrgUnit, User
from jinlin.core.scope import area_code

from . import ledger
from .errors import StateConflict
from .models import (
    Agreement,
    Currency,
    Duty,
    DutyKind,
    PairingItem,
    PartyMember,
    PartyPost,
    Period,
    PointItem,
    PointRecord,
    PostClaim,
    RecordStatus,
    Side,
    TransferKind,
)


@transaction.atomic
def report_in(*, actor: User, community: OrgUnit, work_unit: OrgUnit | None = None) -> PartyMember:
    """双报到: the member reports to the community they live in (again: moves the report)."""
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community_id": _("请选择一个社区。")})
    policy.require(actor, "party.report_in", community)
    member, _created = PartyMember.objects.select_for_update().get_or_create(user=actor)
    before = member.community_id
    member.community, member.scope_code, member.reported_at = community, community.code, timezone.now()
    if work_unit is not None:
        member.work_unit = work_unit
    member.save()
    audit_record(
        actor=actor,
        action="party.report_in",
        obj=member,
        before={"community": before},
        after={"community": community.pk},
    )
    emit("volunteers.party_reported_in", member_id=member.pk, actor_id=actor.pk, community_id=community.pk)
    return member


@transaction.atomic
def post_create(
    *, actor: User, community: OrgUnit, title: str, kind: str = "post", places: int = 3, description: str = ""
) -> PartyPost:
    post = PartyPost(community=community, scope_code=community.code, title=(title or "").strip()[:100], kind=kind,
                     places=max(1, int(places)), description=description)  # fmt: skip
    policy.require(actor, "party.post_manage", post)
    if not post.title:
        raise ValidationError({"title": _("请填写岗位名称。")})
    post.save()
    audit_record(actor=actor, action="party.post_create", obj=post, after={"title": post.title})
    return post


@transaction.atomic
def post_claim(*, actor: User, post: PartyPost) -> PostClaim:
    post = PartyPost.objects.select_for_update().get(pk=post.pk)
    policy.require(actor, "party.post_claim", post)
    member = actor.party_member
    if member.reported_at is None:
        raise StateConflict(_("请先到居住地社区报到。"))
    if PostClaim.objects.filter(post=post, member=member).exists():
        raise StateConflict(_("你已经认领了这个岗位。"))
    if post.claims.count() >= post.places:
        raise StateConflict(_("这个岗位已经认领满了。"))
    claim = PostClaim.objects.create(post=post, member=member)
    audit_record(actor=actor, action="party.post_claim", obj=claim, after={"post": post.pk})
    emit("volunteers.party_post_claimed", post_id=post.pk, member_id=member.pk, actor_id=actor.pk)
    return claim


@transaction.atomic
def duty_record(*, actor: User, member: PartyMember, kind: str, year: int | None = None, note: str = "") -> Duty:
    """One of the yearly 4+1 duties done (once per member, year and kind)."""
    if kind not in DutyKind.values:
        raise ValidationError({"kind": _("未知的履职项目。")})
    policy.require(actor, "party.duty_record", member)
    year = year or timezone.localdate().year
    if Duty.objects.filter(member=member, year=year, kind=kind).exists():
        raise StateConflict(_("这一项今年已经完成。"))
    duty = Duty.objects.create(member=member, year=year, kind=kind, note=note[:200])
    audit_record(actor=actor, action="party.duty_record", obj=duty, after={"kind": kind, "year": year})
    emit("volunteers.party_duty_done", duty_id=duty.pk, member_id=member.pk, actor_id=actor.pk)
    return duty


def duty_progress(member: PartyMember, year: int | None = None) -> dict:
    year = year or timezone.localdate().year
    done = set(Duty.objects.filter(member=member, year=year).values_list("kind", flat=True))
    return {
        "year": year,
        "done": len(done),
        "of": len(DutyKind.values),
        "items": [{"kind": k, "label": str(label), "done": k in done} for k, label in DutyKind.choices],
    }


# ------------------------------------------------------------------------------------ points


def _period_start(item: PointItem, at: datetime) -> datetime:
    local = timezone.localtime(at)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start if item.period == Period.MONTH else start.replace(month=1)


def points_org_for(member: PartyMember) -> OrgUnit | None:
    """The organisation whose items apply to a member: the nearest unit above the member's community
    (or branch) that has points items."""
    base = member.branch or member.community
    if base is None:
        return None
    # A party organisation (党工委 350102001P01) is not a place: it reaches the place it hangs under.
    orgs = {o.pk: o for o in OrgUnit.objects.filter(pk__in=PointItem.objects.values("org_id"))}
    fitting = [o for o in orgs.values() if base.code.startswith(area_code(o)) or base.code.startswith(o.code)]
    best = max(fitting, key=lambda o: (len(area_code(o)), len(o.code)), default=None)
    return best


@transaction.atomic
def points_record(*, actor: User, member: PartyMember, item_code: str, note: str, evidence=None) -> PointRecord:
    """一事一记: a pending record; the party admin approves it onto the ledger."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请写明事由。")})
    org = points_org_for(member)
    item = PointItem.objects.filter(org=org, code=item_code).first() if org else None
    if item is None:
        raise ValidationError({"item_code": _("没有这个积分项目。")})
    policy.require(actor, "party.points_record", member)
    record = PointRecord(member=member, item=item, note=note[:200], recorded_by=actor)
    if evidence is not None:
        record.evidence.save(f"evidence-{member.pk}", evidence, save=False)
    record.save()
    audit_record(actor=actor, action="party.points_record", obj=record, after={"item": item.code, "note": record.note})
    emit("volunteers.points_recorded", record_id=record.pk, member_id=member.pk, actor_id=actor.pk)
    return record


@transaction.atomic
def points_decide(*, actor: User, record: PointRecord, approve: bool) -> PointRecord:
    record = PointRecord.objects.select_for_update().select_related("item", "member__user").get(pk=record.pk)
    policy.require(actor, "party.points_decide", _Scoped(record))
    item = record.item
    if approve:
        if item.cap is not None:
            since = _period_start(item, record.at)
            used = PointRecord.objects.filter(
                member=record.member, item=item, status=RecordStatus.APPROVED, at__gte=since
            ).count() * abs(item.points)
            if used + abs(item.points) > item.cap:
                raise StateConflict(_("“%(item)s”本周期已达上限 %(cap)s 分。") % {"item": item.name, "cap": item.cap})
        account = ledger.person_account(record.member.user, Currency.POINTS, record.member.community)
        issuing = ledger.issuing_account(item.org, Currency.POINTS)
        record.transfer = ledger.transfer_post(
            legs=[(issuing, -item.points), (account, item.points)],
            kind=TransferKind.POINTS,
            memo=f"{item.name}：{record.note}"[:200],
            actor=actor,
            ref=f"points:{record.pk}",
        )
    record.status = RecordStatus.APPROVED if approve else RecordStatus.REJECTED
    record.decided_by, record.decided_at = actor, timezone.now()
    record.save(update_fields=["status", "decided_by", "decided_at", "transfer"])
    audit_record(actor=actor, action="party.points_decide", obj=record, after={"status": record.status})
    emit(
        "volunteers.points_decided",
        record_id=record.pk,
        member_id=record.member_id,
        actor_id=actor.pk,
        approved=approve,
    )
    return record


class _Scoped:
    """A record seen by the policy through its member's community (and its pending state)."""

    def __init__(self, record: PointRecord) -> None:
        self.scope_code = record.member.scope_code
        self.status = record.status


def rankings(unit: OrgUnit | None, currency: str = Currency.POINTS, limit: int = 50) -> list[dict]:
    """Members under `unit` (a community, street or branch) by their points balance, highest first."""
    queryset = PartyMember.objects.select_related("user", "community")
    if unit is not None:
        queryset = queryset.filter(Q(scope_code__startswith=unit.code) | Q(branch=unit) | Q(work_unit=unit))
    members = list(queryset[:2000])
    balances = dict(
        ledger.Account.objects.filter(currency=currency, kind="person", user__in=[m.user_id for m in members])
        .values_list("user_id")
        .annotate(s=Sum("postings__amount"))
        .values_list("user_id", "s")
    )
    rows = [
        {
            "member_id": m.pk,
            "name": m.user.name,
            "community": m.community.name if m.community else "",
            "points": str((balances.get(m.user_id) or Decimal("0")).quantize(Decimal("0.01"))),
        }
        for m in members
    ]
    rows.sort(key=lambda r: (-Decimal(str(r["points"])), r["member_id"]))
    for i, row in enumerate(rows[:limit], start=1):
        row["rank"] = i
    return rows[:limit]


# --------------------------------------------------------------------- 结对共建 and 双向认领


@transaction.atomic
def agreement_create(
    *, actor: User, unit: OrgUnit, community: OrgUnit, starts_on, ends_on, contacts: str = "", commitments: str = ""
) -> Agreement:
    agreement = Agreement(unit=unit, community=community, scope_code=community.code, starts_on=starts_on,
                          ends_on=ends_on, contacts=contacts[:120], commitments=commitments)  # fmt: skip
    policy.require(actor, "party.pairing_manage", agreement)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    agreement.save()
    audit_record(
        actor=actor, action="pairing.agreement", obj=agreement, after={"unit": unit.pk, "community": community.pk}
    )
    return agreement


@transaction.atomic
def pairing_item_add(*, actor: User, agreement: Agreement, side: str, title: str, category: str = "") -> PairingItem:
    policy.require(actor, "party.pairing_manage", agreement)
    if side not in Side.values or not (title or "").strip():
        raise ValidationError({"title": _("请填写需求或资源。")})
    item = PairingItem.objects.create(agreement=agreement, side=side, title=title.strip()[:100], category=category[:20])
    audit_record(actor=actor, action="pairing.item_add", obj=item, after={"side": side, "title": item.title})
    return item


@transaction.atomic
def pairing_item_claim(*, actor: User, item: PairingItem) -> PairingItem:
    """双向认领: the unit claims a community need, the community claims a unit resource."""
    item = PairingItem.objects.select_for_update().select_related("agreement").get(pk=item.pk)
    policy.require(actor, "party.pairing_claim", item.agreement)
    if item.claimed_at is not None:
        raise StateConflict(_("已经被认领。"))
    item.claimed_at, item.claimed_by = timezone.now(), actor
    item.save(update_fields=["claimed_at", "claimed_by"])
    audit_record(actor=actor, action="pairing.item_claim", obj=item)
    emit("volunteers.pairing_claimed", item_id=item.pk, actor_id=actor.pk)
    return item


@transaction.atomic
def pairing_item_deliver(*, actor: User, item: PairingItem) -> PairingItem:
    item = PairingItem.objects.select_for_update().select_related("agreement").get(pk=item.pk)
    policy.require(actor, "party.pairing_claim", item.agreement)
    if item.claimed_at is None or item.delivered_at is not None:
        raise StateConflict(_("只有已认领、未兑现的事项可以标记兑现。"))
    item.delivered_at = timezone.now()
    item.save(update_fields=["delivered_at"])
    audit_record(actor=actor, action="pairing.item_deliver", obj=item)
    emit("volunteers.pairing_delivered", item_id=item.pk, actor_id=actor.pk)
    return item


def points_workbook(*, actor: User, members) -> bytes:
    """积分结果反馈单位: one sheet per work unit, each member's approved records and total (Excel).

    The export is audited (who took which members' records out)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    members = list(members.select_related("user", "work_unit", "community"))
    records = (
        PointRecord.objects.filter(member__in=members, status=RecordStatus.APPROVED)
        .select_related("item")
        .order_by("member_id", "at")
    )
    by_member: dict[int, list[PointRecord]] = {}
    for r in records:
        by_member.setdefault(r.member_id, []).append(r)
    book = Workbook()
    book.remove(book.active)
    by_unit: dict[str, list[PartyMember]] = {}
    for m in members:
        by_unit.setdefault(m.work_unit.name if m.work_unit else _("未填工作单位"), []).append(m)
    for unit_name, unit_members in sorted(by_unit.items()):
        sheet = book.create_sheet(title=unit_name[:31])
        sheet.append([_("党员"), _("居住地社区"), _("日期"), _("项目"), _("分值"), _("事由")])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for m in unit_members:
            total = Decimal("0")
            for r in by_member.get(m.pk, []):
                total += r.item.points
                day = timezone.localtime(r.at).date().isoformat()
                home = m.community.name if m.community else ""
                sheet.append([m.user.name, home, day, r.item.name, float(r.item.points), r.note])
            sheet.append([m.user.name, "", "", _("合计"), float(total), ""])
    if not book.sheetnames:
        book.create_sheet(title=_("无记录"))
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor, action="party.points_export", object_type="volunteers.partymember", after={"members": len(members)}
    )
    return buffer.getvalue()
