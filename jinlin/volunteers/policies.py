"""Who may do what in this app: one row per action (core.policy). Services call `require`; pages and
the API offer buttons through `allowed_actions`, so both read the same row."""

from django.utils.translation import gettext_noop as N_

from jinlin.core.models import Role
from jinlin.core.policy import Policy, register
from jinlin.core.scope import area_code, covers

from .models import NeedStatus, WishStatus

STAFF = frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER})
PARTY = frozenset({Role.PARTY_ADMIN})


def in_reach(assignment, obj) -> bool:
    """A place-bound role reaches rows under its place; a party admin bound to a party organisation
    (党工委, 社区党组织: not places) reaches the place its organisation hangs under."""
    if obj is None or not getattr(obj, "scope_code", ""):
        return False
    if assignment.role == Role.PARTY_ADMIN and not assignment.org.is_place():
        return obj.scope_code.startswith(area_code(assignment.org))
    return covers(assignment, obj.scope_code)


def is_volunteer(user, obj) -> bool:
    from .models import Volunteer

    return Volunteer.objects.filter(user=user, status="approved").exists()


register(
    # --- volunteers
    Policy("volunteer.apply", personal=lambda user, obj: True),
    Policy(
        "volunteer.decide",
        roles=STAFF,
        bound=in_reach,
        state=lambda v: v is not None and v.status == "applied",
        refusal=N_("只有本社区工作人员可以审核志愿者。"),
    ),
    Policy("team.create", roles=frozenset({Role.COMMUNITY_STAFF}), bound=in_reach),
    # --- the time bank
    Policy("need.post", personal=lambda user, obj: True),
    Policy(
        "need.post_for",
        roles=STAFF,
        bound=in_reach,
        refusal=N_("只有本社区工作人员可以代老人、儿童下单。"),
    ),
    Policy(
        "need.take",
        personal=lambda user, obj: is_volunteer(user, obj) and obj.requester_id != user.pk,
        state=lambda n: n is not None and n.status == NeedStatus.OPEN,
        refusal=N_("只有审核通过的志愿者可以接单，且不能接自己的单。"),
    ),
    Policy(
        "need.done",
        personal=lambda user, obj: obj.volunteer_id == user.pk,
        state=lambda n: n is not None and n.status == NeedStatus.TAKEN,
        refusal=N_("只有接单的志愿者可以标记服务完成。"),
    ),
    Policy(
        "need.confirm",
        roles=STAFF,
        bound=in_reach,
        personal=lambda user, obj: obj.requester_id == user.pk,
        state=lambda n: n is not None and n.status in (NeedStatus.SERVED, NeedStatus.DISPUTED),
        refusal=N_("只有下单人或社区工作人员可以确认服务。"),
    ),
    Policy(
        "need.dispute",
        roles=STAFF,
        bound=in_reach,
        personal=lambda user, obj: obj.requester_id == user.pk,
        state=lambda n: n is not None and n.status == NeedStatus.SERVED,
        refusal=N_("只有下单人或社区工作人员可以提出异议。"),
    ),
    Policy(
        "need.cancel",
        roles=STAFF,
        bound=in_reach,
        personal=lambda user, obj: obj.requester_id == user.pk,
        state=lambda n: n is not None and n.status in (NeedStatus.OPEN, NeedStatus.DISPUTED),
        refusal=N_("只有下单人或社区工作人员可以取消。"),
    ),
    Policy(
        "transfer.reverse",
        roles=frozenset({Role.COMMUNITY_STAFF}),
        bound=in_reach,
        refusal=N_("只有社区工作人员可以冲正记账。"),
    ),
    Policy("reward.manage", roles=frozenset({Role.COMMUNITY_STAFF}), bound=in_reach),
    Policy("reward.redeem", personal=lambda user, obj: True),
    # --- 微心愿 and 互助项目
    Policy("wish.post", personal=lambda user, obj: True),
    Policy("wish.post_for", roles=STAFF, bound=in_reach),
    Policy(
        "wish.claim",
        roles=STAFF | PARTY,
        bound=in_reach,
        personal=lambda user, obj: obj.posted_by_id != user.pk,
        state=lambda w: w is not None and w.status == WishStatus.OPEN,
        refusal=N_("这个心愿不能由你认领。"),
    ),
    Policy(
        "wish.fulfil",
        personal=lambda user, obj: obj.claimed_by_id == user.pk,
        state=lambda w: w is not None and w.status == WishStatus.CLAIMED,
        refusal=N_("只有认领人可以上传圆梦照片。"),
    ),
    Policy(
        "wish.thank",
        roles=STAFF,
        bound=in_reach,
        personal=lambda user, obj: obj.posted_by_id == user.pk,
        state=lambda w: w is not None and w.status == WishStatus.FULFILLED,
        refusal=N_("只有许愿人可以致谢。"),
    ),
    Policy("aid.manage", roles=frozenset({Role.COMMUNITY_STAFF}), bound=in_reach),
    Policy("aid.signup", personal=lambda user, obj: True),
    # --- party members
    Policy("party.report_in", personal=lambda user, obj: True),
    Policy("party.post_claim", personal=lambda user, obj: hasattr(user, "party_member")),
    Policy("party.post_manage", roles=STAFF | PARTY, bound=in_reach),
    Policy("party.duty_record", roles=PARTY | STAFF, bound=in_reach, personal=lambda user, obj: obj.user_id == user.pk),
    Policy(
        "party.points_record", roles=PARTY | STAFF, bound=in_reach, personal=lambda user, obj: obj.user_id == user.pk
    ),
    Policy(
        "party.points_decide",
        roles=PARTY,
        bound=in_reach,
        state=lambda r: r is not None and r.status == "pending",
        refusal=N_("只有党组织管理员可以审核积分。"),
    ),
    Policy("party.pairing_manage", roles=STAFF | PARTY, bound=in_reach),
    Policy("party.pairing_claim", roles=STAFF | PARTY, bound=in_reach),
)
