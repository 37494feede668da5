"""Demo data of the volunteers app, on top of the demo district (core.demo) and built through the
services, so every row is audited and the ledger verifies:

- the demo resident 13900000001 (林秀英) is an approved volunteer with hours to redeem;
- 13900000012 (林阿婆), a second resident of G1's community, an elder living alone, posts needs;
- 13900000011 (蔡建华) is the party-organisation admin of G1's street (its 党工委);
- teams, a dozen volunteers, a reward catalogue with stock, open and finished needs, wishes
  (open, claimed, fulfilled and thanked), mutual-aid projects, party members reported in with
  posts, 4+1 duties and points (武夷山's 10 plus and 2 minus items, 道德银行 items), a
  co-building agreement with both sides' lists.
Runs once: it does nothing when volunteers exist already.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jinlin.core import services as core
from jinlin.core.demo_accounts import DEMO_PASSWORD, DEMO_RESIDENTS
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

from . import ledger, party, services, wishes
from .models import (
    Agreement,
    PartyMember,
    PartyPost,
    PointItem,
    Side,
    TeamKind,
    Volunteer,
)

ELDER_PHONE, PARTY_ADMIN_PHONE = "13900000012", "13900000011"

# 武夷山: ten plus items and two minus items, per event, capped per year.
POINT_ITEMS = [
    ("P01", "参加组织生活", 2, 24),
    ("P02", "参加志愿服务", 3, 30),
    ("P03", "认领岗位并履职", 5, 20),
    ("P04", "结对帮扶困难群众", 5, 20),
    ("P05", "参与矛盾纠纷调解", 4, 20),
    ("P06", "参与应急值守", 3, 18),
    ("P07", "宣讲党的政策", 3, 12),
    ("P08", "走访收集民意", 2, 20),
    ("P09", "参与环境整治", 2, 20),
    ("P10", "获得表彰", 10, 20),
    ("M01", "无故不参加组织生活", -3, 12),
    ("M02", "违反社区公约", -5, 10),
]
MORAL_ITEMS = [("D01", "孝老爱亲", 5, 20), ("D02", "邻里互助", 3, 30), ("D03", "乱扔垃圾", -2, 10)]


def _user(phone: str) -> User | None:
    return User.objects.filter(phone_digest=User.digest_phone(phone)).first()


def _make_user(phone: str, name: str, role: str, org: OrgUnit) -> User:
    found = _user(phone)
    if found is not None:
        return found
    return core.user_create(actor=None, phone=phone, name=name, password=DEMO_PASSWORD, roles=[(role, org)])


def _residents_of(community: OrgUnit, exclude: set[int], n: int) -> list[User]:
    ids = (
        RoleAssignment.objects.filter(role=Role.RESIDENT, is_active=True, org__code__startswith=community.code)
        .exclude(user_id__in=exclude)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:n]
    )
    return list(User.objects.filter(pk__in=list(ids)).order_by("pk"))


def _serve(need, volunteer: User, hours: str, confirmer: User) -> None:
    services.need_take(actor=volunteer, need=need)
    services.need_done(actor=volunteer, need=need, hours=hours)
    if confirmer is not None:
        services.need_confirm(actor=confirmer, need=need)


@transaction.atomic
def seed_volunteers_demo(stdout=None) -> dict:
    if Volunteer.objects.exists():
        return {"volunteers": 0}
    resident, staff = _user("13900000001"), _user("13900000003")
    if resident is None or staff is None:
        return {"volunteers": 0}
    home = services.home_community(resident)
    if home is None:
        return {"volunteers": 0}
    street = home.parent
    resident_org = RoleAssignment.objects.filter(user=resident, role=Role.RESIDENT).first().org
    elder = _make_user(ELDER_PHONE, "林阿婆", Role.RESIDENT, resident_org)  # made by the people demo if it ran first
    committee = OrgUnit.objects.filter(kind=OrgKind.PARTY_COMMITTEE, code__startswith=street.code).first()
    if committee is None:
        committee = core.org_unit_create(
            actor=None,
            kind=OrgKind.PARTY_COMMITTEE,
            code=f"{street.code}P01",
            name=f"中共{street.name}工作委员会",
            parent=street,
        )
    party_admin = _make_user(PARTY_ADMIN_PHONE, "蔡建华", Role.PARTY_ADMIN, committee)

    # --- volunteers and teams
    teams = {
        kind: services.team_create(actor=staff, community=home, name=f"{home.name}{label}", kind=kind)
        for kind, label in [
            (TeamKind.YOUTH, "青年服务队"),
            (TeamKind.SILVER, "银发服务队"),
            (TeamKind.PARTY, "党员志愿队"),
            (TeamKind.MEDIATION, "调解服务队"),
        ]
    }
    skills = [
        "理发",
        "维修,水电",
        "陪诊,聊天",
        "法律咨询",
        "应急救护",
        "家电维修",
        "书法,教学",
        "心理疏导",
        "烹饪",
        "摄影",
    ]
    # The thirty demo residents of G1's community (13900000101–…130) first, then anyone living there.
    neighbours = [u for u in (_user(p) for p in DEMO_RESIDENTS[:14]) if u is not None]
    if len(neighbours) < 14:
        taken = {resident.pk, elder.pk, *(u.pk for u in neighbours)}
        neighbours += _residents_of(home, taken, 14 - len(neighbours))
    volunteers = []
    for i, person in enumerate([resident, *neighbours[:11]]):
        vol = services.volunteer_apply(
            actor=person,
            community=home,
            skills="理发,陪诊" if person == resident else skills[i % len(skills)],
            availability="周末" if i % 2 else "工作日晚上",
            place=resident_org.name if person == resident else f"{home.name}{i % 5 + 1}号楼",
        )
        if i < 10:
            services.volunteer_decide(actor=staff, volunteer=vol, approve=True)
            Volunteer.objects.filter(pk=vol.pk).update(is_star=i in (0, 3, 6))
            vol.teams.add(list(teams.values())[i % len(teams)])
            volunteers.append(person)
    # 11th and 12th stay applied: the staff page has applications to approve.

    # --- needs and hours: 林秀英 earns 6.5 hours, another volunteer some more
    titles = [
        ("陪同去医院复诊", "2"),
        ("帮忙换灯泡、修水龙头", "1"),
        ("代买一周的菜", "1.5"),
        ("上门理发", "1"),
        ("陪老人聊天读报", "1"),
    ]
    for title, hours in titles:
        need = services.need_post(actor=elder, title=title, hours=hours, description="独居，行动不便，请提前电话联系。")
        _serve(need, resident, hours, elder)
    for title, hours in [("辅导孩子功课", "2"), ("搬运旧家具", "1.5")]:
        need = services.need_post(actor=neighbours[12] if len(neighbours) > 12 else elder, title=title, hours=hours)
        _serve(need, volunteers[1] if len(volunteers) > 1 else resident, hours, staff)
    served = services.need_post(actor=elder, title="帮忙取快递", hours="0.5")
    _serve(served, volunteers[2] if len(volunteers) > 2 else resident, "0.5", None)  # waits for confirmation
    services.need_post(actor=elder, title="周六陪同去银行办业务", hours="2", description="上午九点出发")
    services.need_post(actor=elder, title="窗户玻璃松动，请帮忙加固", hours="1")
    services.need_post(actor=staff, requester=elder, title="代老人申请：冬季被褥晾晒", hours="1")

    # --- rewards (one from a sponsor unit based in the district)
    sponsor = OrgUnit.objects.filter(kind=OrgKind.RESIDENT_UNIT).order_by("code").first()
    rewards = [
        services.reward_create(actor=staff, community=home, name="爱心理发一次", cost="1", stock=20, kind="service"),
        services.reward_create(
            actor=staff, community=home, name="粮油礼包", cost="3", stock=8, kind="goods", sponsor=sponsor
        ),
        services.reward_create(
            actor=staff, community=home, name="日间照料中心优先预约", cost="2", stock=10, kind="priority"
        ),
        services.reward_create(actor=staff, community=home, name="家电清洗", cost="4", stock=0, kind="service"),
    ]
    services.reward_redeem(actor=resident, reward=rewards[0])  # 6.5 → 5.5 hours left to redeem

    # --- wishes and mutual-aid projects
    wish_rows = [
        ("想要一台收音机听戏", "独居老人王阿婆", "thanked"),
        ("孩子想要一套绘本", "留守儿童小宇", "thanked"),
        ("希望有人教我用智能手机挂号", "", "fulfilled"),
        ("想要一副老花镜", "孤寡老人李爷爷", "claimed"),
        ("想学写毛笔字", "留守儿童小琪", "open"),
        ("冬天想要一床厚棉被", "困难家庭张阿姨", "open"),
    ]
    for title, label, state in wish_rows:
        wish = wishes.wish_post(actor=staff, title=title, wisher_label=label, community=home)
        if state != "open":
            claimer = volunteers[3] if len(volunteers) > 3 else resident
            wishes.wish_claim(actor=claimer, wish=wish)
            if state in ("fulfilled", "thanked"):
                wishes.wish_fulfil(actor=claimer, wish=wish)
            if state == "thanked":
                wishes.wish_thank(actor=staff, wish=wish, message="谢谢好心的邻居，老人孩子都很开心！")
    wishes.wish_post(actor=elder, title="想和大家一起包饺子过冬至")
    for title, places in [("爱心理发日（每月第一个周六）", 20), ("四点半课堂", 15), ("邻里互助菜园", 12)]:
        project = wishes.aid_project_create(actor=staff, community=home, title=title, places=places)
        wishes.aid_signup(actor=resident, project=project)

    # --- party members: 双报到, posts, 4+1, points
    for code, name, points, cap in POINT_ITEMS:
        PointItem.objects.create(org=committee, code=code, name=name, points=Decimal(points), cap=Decimal(cap))
    for code, name, points, cap in MORAL_ITEMS:
        PointItem.objects.create(
            org=committee,
            code=code,
            name=f"道德银行·{name}",
            points=Decimal(points),
            cap=Decimal(cap),
            is_moral_bank=True,
        )
    departments = list(OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT).order_by("code")[:4])
    members = []
    for i, person in enumerate([resident, *neighbours[:7]]):
        member = party.report_in(
            actor=person, community=home, work_unit=departments[i % len(departments)] if departments else None
        )
        members.append(member)
    posts = [
        party.post_create(actor=staff, community=home, title=title, kind=kind, places=places)
        for title, kind, places in [
            ("楼道长助理", "post", 4),
            ("文明劝导岗", "post", 3),
            ("政策宣讲员", "post", 2),
            ("老旧小区加装电梯协调", "project", 3),
            ("防汛应急值守（平战结合）", "post", 6),
        ]
    ]
    for i, member in enumerate(members[1:], start=1):
        party.post_claim(actor=member.user, post=posts[i % len(posts)])
    kinds = ["meeting", "talk", "survey", "volunteer_day", "pairing"]
    for i, member in enumerate(members):
        for kind in kinds[: (i % 5) + 1]:
            party.duty_record(actor=party_admin, member=member, kind=kind, note="已完成")
    for i, member in enumerate(members[1:], start=1):
        for code in ["P01", "P02", "P03"][: (i % 3) + 1]:
            record = party.points_record(actor=party_admin, member=member, item_code=code, note="社区报到后参加活动")
            party.points_decide(actor=party_admin, record=record, approve=True)
    record = party.points_record(actor=party_admin, member=members[2], item_code="M01", note="十一月组织生活未请假缺席")
    party.points_decide(actor=party_admin, record=record, approve=True)
    party.points_record(actor=staff, member=members[3], item_code="P05", note="调解楼上楼下漏水纠纷")
    party.points_record(actor=staff, member=members[4], item_code="P04", note="结对帮扶独居老人王阿婆")

    # --- 结对共建: a unit based in the area and the community, both sides' lists
    unit = sponsor or (departments[0] if departments else None)
    if unit is not None:
        today = timezone.localdate()
        agreement = party.agreement_create(
            actor=staff,
            unit=unit,
            community=home,
            starts_on=date(today.year, 1, 1),
            ends_on=date(today.year + 1, 12, 31),
            contacts="单位联络员 陈老师；社区 黄丽萍",
            commitments="每季度一次联合志愿服务；开放场地；资助微心愿。",
        )
        items = [
            (Side.COMMUNITY, "四点半课堂需要辅导老师", "项目"),
            (Side.COMMUNITY, "老年活动室缺少桌椅", "心愿"),
            (Side.COMMUNITY, "防汛值守需要人手", "岗位"),
            (Side.UNIT, "每月义诊一次", "人员"),
            (Side.UNIT, "操场周末向居民开放", "场地"),
            (Side.UNIT, "微心愿资助 5000 元", "资金"),
        ]
        rows = [
            party.pairing_item_add(actor=staff, agreement=agreement, side=s, title=t, category=c) for s, t, c in items
        ]
        for row in rows[:4]:
            party.pairing_item_claim(actor=staff, item=row)
        for row in rows[:2]:
            party.pairing_item_deliver(actor=staff, item=row)
    for offset in range(7):
        from .models import RosterShift

        member = members[offset % len(members)]
        RosterShift.objects.create(
            community=home, scope_code=home.code, day=timezone.localdate() + timedelta(days=offset), member=member
        )
    report = ledger.ledger_verify()
    counts = {
        "volunteers": Volunteer.objects.count(),
        "party_members": PartyMember.objects.count(),
        "posts": PartyPost.objects.count(),
        "agreements": Agreement.objects.count(),
        "ledger_ok": report["ok"],
    }
    if stdout is not None:
        stdout.write(
            f"Demo volunteers: {counts['volunteers']} volunteers, {counts['party_members']} party members, "
            f"ledger {'ok' if report['ok'] else 'BROKEN'} ({report['transfers']} transfers).\n"
        )
    return counts
