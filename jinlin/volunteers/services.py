"""Writes of the volunteers and the time bank: each checks its policy, writes, audits and announces
(`volunteers.*` events after commit) in one transaction.

The time bank's flow: 点单 need_post → 接单 need_take → 服务 need_done → 确认 need_confirm (记账) or
need_dispute. Confirmation credits the volunteer from the community's issuing account (the default,
as most Chinese 时间银行 run) or, where the community runs mutual credit, from the requester.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import active_assignments

from . import ledger
from .errors import OutOfStock, StateConflict
from .models import (
    Currency,
    LedgerMode,
    Need,
    NeedStatus,
    Redemption,
    Reward,
    Team,
    Transfer,
    TransferKind,
    Volunteer,
    VolunteerStatus,
)

MAX_HOURS = Decimal("24")


def home_community(user: User) -> OrgUnit | None:
    """The community a person belongs to: their volunteer record, else their first bound place."""
    vol = Volunteer.objects.filter(user=user).select_related("community").first()
    if vol is not None:
        return vol.community
    for assignment in active_assignments(user):
        found = ledger.community_of(assignment.org)
        if found is not None:
            return found
    return None


def _hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写时长（小时），如 1.5。")}) from None
    if hours <= 0 or hours > MAX_HOURS:
        raise ValidationError({field: _("时长应在 0 到 24 小时之间。")})
    return hours


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


def _state_check(user: User, action: str, obj) -> None:
    """PermissionDenied when the user may never do this; StateConflict when only the state is wrong."""
    p = policy.policy_for(action)
    if not p.state(obj):
        raise StateConflict(_("当前状态下不能这样做（%(status)s）。") % {"status": obj.get_status_display()})
    policy.require(user, action, obj)


# --------------------------------------------------------------------------- volunteers


@transaction.atomic
def volunteer_apply(
    *, actor: User, skills: str = "", availability: str = "", place: str = "", community: OrgUnit | None = None
) -> Volunteer:
    policy.require(actor, "volunteer.apply")
    community = community or home_community(actor)
    if community is None:
        raise ValidationError({"community": _("请先选择你居住的社区。")})
    existing = Volunteer.objects.filter(user=actor).first()
    if existing is not None and existing.status != VolunteerStatus.REJECTED:
        raise StateConflict(_("你已经申请过志愿者。"))
    vol = existing or Volunteer(user=actor)
    vol.community, vol.scope_code = community, community.code
    vol.skills, vol.availability, vol.place = skills[:200], availability[:120], place[:120]
    vol.status, vol.applied_at = VolunteerStatus.APPLIED, timezone.now()
    vol.save()
    audit_record(actor=actor, action="volunteer.apply", obj=vol, after={"community": community.code, "skills": skills})
    emit("volunteers.volunteer_applied", volunteer_id=vol.pk, actor_id=actor.pk)
    return vol


@transaction.atomic
def volunteer_decide(*, actor: User, volunteer: Volunteer, approve: bool) -> Volunteer:
    vol = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    _state_check(actor, "volunteer.decide", vol)
    vol.status = VolunteerStatus.APPROVED if approve else VolunteerStatus.REJECTED
    vol.decided_at, vol.decided_by = timezone.now(), actor
    vol.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        # The volunteer role card (志) on the home page; bound to the community like the record.
        assignment, created = RoleAssignment.objects.get_or_create(
            user=vol.user, role=Role.VOLUNTEER, org=vol.community, defaults={"is_active": True}
        )
        if not assignment.is_active:
            RoleAssignment.objects.filter(pk=assignment.pk).update(is_active=True)
        ledger.person_account(vol.user, Currency.HOURS, vol.community)
    audit_record(actor=actor, action="volunteer.decide", obj=vol, after={"status": vol.status})
    emit("volunteers.volunteer_decided", volunteer_id=vol.pk, actor_id=actor.pk, approved=approve)
    return vol


@transaction.atomic
def team_create(*, actor: User, community: OrgUnit, name: str, kind: str) -> Team:
    team = Team(community=community, scope_code=community.code, name=name.strip()[:80], kind=kind)
    policy.require(actor, "team.create", team)
    if not team.name:
        raise ValidationError({"name": _("请填写队名。")})
    team.save()
    audit_record(actor=actor, action="team.create", obj=team, after={"name": team.name, "kind": kind})
    return team


# ------------------------------------------------------------------------------ needs


@transaction.atomic
def need_post(*, actor: User, title: str, hours, description: str = "", requester: User | None = None) -> Need:
    """点单. Staff may post for an elder or a child (`requester`), who stays the one served."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请写明需要什么帮助。")})
    hours = _hours(hours)
    requester = requester or actor
    community = home_community(requester)
    if community is None:
        raise ValidationError({"community": _("没有找到你所在的社区，请联系社区工作人员。")})
    need = Need(
        community=community,
        scope_code=community.code,
        requester=requester,
        posted_by=actor,
        title=title[:100],
        description=(description or "")[:2000],
        hours=hours,
    )
    policy.require(actor, "need.post_for" if requester.pk != actor.pk else "need.post", need)
    need.save()
    audit_record(actor=actor, action="need.post", obj=need, after={"hours": str(hours), "requester": requester.pk})
    emit("volunteers.need_posted", need_id=need.pk, actor_id=actor.pk)
    return need


@transaction.atomic
def need_take(*, actor: User, need: Need) -> Need:
    need = _lock_need(need)
    _state_check(actor, "need.take", need)
    need.status, need.volunteer, need.taken_at = NeedStatus.TAKEN, actor, timezone.now()
    need.save(update_fields=["status", "volunteer", "taken_at"])
    audit_record(actor=actor, action="need.take", obj=need, after={"volunteer": actor.pk})
    emit("volunteers.need_taken", need_id=need.pk, actor_id=actor.pk, requester_id=need.requester_id)
    return need


@transaction.atomic
def need_done(*, actor: User, need: Need, hours, note: str = "") -> Need:
    need = _lock_need(need)
    _state_check(actor, "need.done", need)
    need.served_hours = _hours(hours)
    need.served_note, need.status, need.served_at = (note or "")[:200], NeedStatus.SERVED, timezone.now()
    need.save(update_fields=["served_hours", "served_note", "status", "served_at"])
    audit_record(actor=actor, action="need.done", obj=need, after={"hours": str(need.served_hours)})
    emit("volunteers.need_served", need_id=need.pk, actor_id=actor.pk, requester_id=need.requester_id)
    return need


@transaction.atomic
def need_confirm(*, actor: User, need: Need) -> Need:
    """确认 → 记账: the served hours go to the volunteer, from the community (or the requester)."""
    need = _lock_need(need)
    _state_check(actor, "need.confirm", need)
    hours = need.served_hours
    # The state check lets only a served need through, and only a volunteer serves one.
    assert need.volunteer is not None
    volunteer_account = ledger.person_account(need.volunteer, Currency.HOURS, need.community)
    if ledger.settings_for(need.community).mode == LedgerMode.MUTUAL:
        source = ledger.person_account(need.requester, Currency.HOURS, need.community)
    else:
        source = ledger.issuing_account(need.community, Currency.HOURS)
    transfer = ledger.transfer_post(
        legs=[(source, -hours), (volunteer_account, hours)],
        kind=TransferKind.SERVICE,
        memo=need.title,
        actor=actor,
        ref=f"need:{need.pk}",
    )
    need.status, need.transfer, need.confirmed_at = NeedStatus.CONFIRMED, transfer, timezone.now()
    need.save(update_fields=["status", "transfer", "confirmed_at"])
    audit_record(actor=actor, action="need.confirm", obj=need, after={"hours": str(hours), "transfer": transfer.pk})
    emit("volunteers.need_confirmed", need_id=need.pk, actor_id=actor.pk, volunteer_id=need.volunteer_id)
    return need


@transaction.atomic
def need_dispute(*, actor: User, need: Need, reason: str) -> Need:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明异议的理由。")})
    need = _lock_need(need)
    _state_check(actor, "need.dispute", need)
    need.status, need.dispute_reason = NeedStatus.DISPUTED, reason[:200]
    need.save(update_fields=["status", "dispute_reason"])
    audit_record(actor=actor, action="need.dispute", obj=need, after={"reason": need.dispute_reason})
    emit("volunteers.need_disputed", need_id=need.pk, actor_id=actor.pk, volunteer_id=need.volunteer_id)
    return need


@transaction.atomic
def need_cancel(*, actor: User, need: Need) -> Need:
    need = _lock_need(need)
    _state_check(actor, "need.cancel", need)
    need.status = NeedStatus.CANCELLED
    need.save(update_fields=["status"])
    audit_record(actor=actor, action="need.cancel", obj=need)
    emit("volunteers.need_cancelled", need_id=need.pk, actor_id=actor.pk)
    return need


@transaction.atomic
def transfer_correct(*, actor: User, transfer: Transfer, memo: str = "") -> Transfer:
    """A staff correction: the reversing transfer (the original stays, both show in the history)."""
    postings = list(transfer.postings.select_related("account"))
    scope = next((p.account for p in postings if p.account.scope_code), None)
    policy.require(actor, "transfer.reverse", scope)
    reversal = ledger.transfer_reverse(transfer=transfer, actor=actor, memo=memo)
    audit_record(actor=actor, action="transfer.reverse", obj=reversal, after={"reverses": transfer.pk, "memo": memo})
    emit("volunteers.transfer_reversed", transfer_id=reversal.pk, reverses_id=transfer.pk, actor_id=actor.pk)
    return reversal


# ------------------------------------------------------------------------------ rewards


@transaction.atomic
def reward_create(
    *, actor: User, community: OrgUnit, name: str, cost, stock: int, kind: str = "goods", sponsor: OrgUnit | None = None
) -> Reward:
    reward = Reward(
        community=community,
        scope_code=community.code,
        name=(name or "").strip()[:80],
        kind=kind,
        cost=_hours(cost, "cost"),
        stock=max(0, int(stock)),
        sponsor=ledger.sponsor_account(sponsor) if sponsor is not None else None,
    )
    policy.require(actor, "reward.manage", reward)
    if not reward.name:
        raise ValidationError({"name": _("请填写名称。")})
    reward.save()
    audit_record(actor=actor, action="reward.create", obj=reward, after={"cost": str(reward.cost), "stock": stock})
    return reward


@transaction.atomic
def reward_restock(*, actor: User, reward: Reward, add: int) -> Reward:
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    policy.require(actor, "reward.manage", reward)
    if add <= 0:
        raise ValidationError({"add": _("补充数量应大于 0。")})
    before = reward.stock
    reward.stock += add
    reward.save(update_fields=["stock"])
    audit_record(
        actor=actor, action="reward.restock", obj=reward, before={"stock": before}, after={"stock": reward.stock}
    )
    return reward


@transaction.atomic
def reward_redeem(*, actor: User, reward: Reward) -> Redemption:
    """兑换: 409 (OutOfStock / InsufficientBalance) when the stock or the balance is short.

    The reward row is locked first, then the accounts (in id order inside the ledger), always in
    that order, so concurrent redemptions queue; stock and balance are read after the locks.
    """
    policy.require(actor, "reward.redeem", reward)
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.is_active or reward.stock <= 0:
        raise OutOfStock(_("“%(name)s”已兑完。") % {"name": reward.name})
    account = ledger.person_account(actor, Currency.HOURS, reward.community)
    sink = reward.sponsor or ledger.issuing_account(reward.community, Currency.HOURS)
    transfer = ledger.transfer_post(
        legs=[(account, -reward.cost), (sink, reward.cost)],
        kind=TransferKind.REDEEM,
        memo=reward.name,
        actor=actor,
        ref=f"reward:{reward.pk}",
    )
    reward.stock -= 1
    reward.save(update_fields=["stock"])
    redemption = Redemption.objects.create(reward=reward, user=actor, transfer=transfer)
    audit_record(
        actor=actor, action="reward.redeem", obj=redemption, after={"reward": reward.pk, "cost": str(reward.cost)}
    )
    emit("volunteers.reward_redeemed", redemption_id=redemption.pk, actor_id=actor.pk, reward_id=reward.pk)
    return redemption
