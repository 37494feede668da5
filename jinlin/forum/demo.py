"""Demo deliberation: in each demo community a 民声剧场 cycle (last month's topics selected, a held
meeting with decisions as tasks, progress and satisfaction scores; this month's open topics with
supports), a month's theme (每月一题) in G1's community, and a conversation whose votes show groups.

Written through the services, as the staff of each community, so the demo obeys the same rules.
Skips itself when topics already exist.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jinlin.core.demo_accounts import DEMO_RESIDENTS
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

from . import services
from .models import ForumSettings, MeetingKind, MeetingRoleKind, Topic

SEED = 17
TOPICS = [
    ("小区充电桩不够，电动车飞线充电", "楼道里拉线充电很危险，希望增设集中充电桩。"),
    ("晚间广场舞噪音扰民", "晚上九点后音响还很大，影响老人孩子休息。"),
    ("老旧小区加装电梯怎么分摊费用", "一楼二楼住户意见不一，需要协商出办法。"),
    ("停车位紧张，外来车辆占位", "建议划线停车，外来车辆登记收费。"),
    ("垃圾分类投放点位置不合理", "投放点离单元门太近，夏天有异味。"),
    ("小区门口道路积水", "每次下雨门口积水，老人出行不便。"),
    ("楼道杂物堆放", "消防通道被占，建议定期清理。"),
    ("社区食堂开到晚上", "双职工家庭希望晚饭也能在食堂解决。"),
]
DECISIONS = [
    "物业在3号楼和7号楼间增设集中充电桩20个",
    "社区与广场舞队约定21:00后降低音量",
    "成立加装电梯协商小组，逐栋征求意见",
]
STATEMENTS = [
    "小区内应当划线停车，一户一位",  # camp A agrees
    "外来车辆应当登记并收费",  # camp A
    "停车收入应公开并用于小区维修",  # consensus
    "消防通道绝对不能停车",  # consensus
    "绿地可以改建为停车位",  # camp B agrees
    "不应向业主收取停车费",  # camp B
    "电动车应统一在充电棚停放",  # consensus
    "车位应先到先得，不必分配",  # camp B
    "物业应增加夜间巡逻",  # camp A
    "停车管理应由业委会决定",  # camp C
    "应当引入智能道闸",  # camp C
]
# Stances of three camps on STATEMENTS (1 agree, -1 disagree).
CAMPS = [
    [1, 1, 1, 1, -1, -1, 1, -1, 1, -1, 1],
    [-1, -1, 1, 1, 1, 1, 1, 1, -1, -1, -1],
    [-1, 1, 1, 1, -1, 1, 1, -1, -1, 1, 1],
]


def _staff(community: OrgUnit) -> User | None:
    row = (
        RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, org=community, is_active=True)
        .select_related("user")
        .order_by("user__phone_digest")
        .first()
    )
    if community.code == "350102001001":
        demo = User.objects.filter(phone_digest=User.digest_phone("13900000003")).first()
        if demo is not None:
            return demo
    return row.user if row else None


def _residents(community: OrgUnit, limit: int = 30) -> list[User]:
    if community.code == "350102001001":
        people = list(User.objects.filter(phone_digest__in=[User.digest_phone(p) for p in DEMO_RESIDENTS]))
        if people:
            return people
    return [
        a.user
        for a in RoleAssignment.objects.filter(role=Role.RESIDENT, org__code__startswith=community.code, is_active=True)
        .select_related("user")
        .order_by("id")[:limit]
    ]


def _first_of_month(d: date, back: int = 0) -> date:
    year, month = d.year, d.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def seed_forum_demo(stdout=None) -> dict:
    if Topic.objects.exists():
        return {"topics": 0}
    rng = random.Random(SEED)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    counts = {"topics": 0, "meetings": 0, "tasks": 0, "scores": 0}
    communities = list(OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, is_active=True).order_by("code"))
    for community in communities:
        staff = _staff(community)
        residents = _residents(community)
        if staff is None or len(residents) < 4:
            continue
        with transaction.atomic():
            # Last month: topics collected, 定剧本, a meeting held, decisions carried out and scored.
            last = _first_of_month(today, 1)
            picks = rng.sample(TOPICS, 5)
            past = []
            for n, (title, body) in enumerate(picks):
                author = residents[n % len(residents)]
                t = services.topic_propose(
                    actor=author, unit=community, title=title, body=body, today=last + timedelta(days=2)
                )
                Topic.objects.filter(pk=t.pk).update(
                    created_at=datetime.combine(last + timedelta(days=2), time(10), tz)
                )
                for supporter in rng.sample(residents, min(len(residents), rng.randint(3, 12))):
                    services.topic_support(actor=supporter, topic=t)
                past.append(t)
                counts["topics"] += 1
            chosen = sorted(past, key=lambda t: -Topic.objects.get(pk=t.pk).supports)[:2]
            services.topic_select(actor=staff, topics=chosen)
            meeting = services.meeting_create(
                actor=staff,
                unit=community,
                title=f"{last.month}月民声剧场",
                kind=MeetingKind.THEATRE,
                starts_at=datetime.combine(last + timedelta(days=19), time(19, 30), tz),
                location=f"{community.name}党群服务中心",
                topics=chosen,
                roles=[
                    (MeetingRoleKind.CONVENER, "社区党组织书记", None),
                    (MeetingRoleKind.STAFF, staff.name, None),
                    (MeetingRoleKind.PROPERTY, "物业项目经理", None),
                    (MeetingRoleKind.OWNERS, "业委会主任", None),
                    (MeetingRoleKind.INVITED, "区住建局、居民代表8人", None),
                ],
            )
            for r in residents[:10]:
                services.meeting_register(actor=r, meeting=meeting)
            services.meeting_record(
                actor=staff,
                meeting=meeting,
                minutes="居民、物业、业委会和职能部门面对面协商，形成以下决定。",
                attended_user_ids=[r.pk for r in residents[:8]],
            )
            counts["meetings"] += 1
            for n, topic in enumerate(chosen):
                task = services.task_create(
                    actor=staff,
                    meeting=meeting,
                    title=DECISIONS[n % len(DECISIONS)]
                    if n == 0
                    else f"{topic.title}：{DECISIONS[(n + 1) % len(DECISIONS)]}",
                    owner_unit=community,
                    owner=staff,
                    deadline=today + timedelta(days=10 + 10 * n),
                    topic=topic,
                )
                services.task_progress(actor=staff, task=task, progress=100 if n == 0 else 60, note="按计划推进")
                counts["tasks"] += 1
                for r in residents[:8]:
                    services.topic_score(
                        actor=r, topic=Topic.objects.get(pk=topic.pk), score=rng.choice([3, 4, 4, 5, 5])
                    )
                    counts["scores"] += 1
            # This month: topics open (the window is widened in the demo so proposals work any day).
            ForumSettings.objects.update_or_create(
                unit=community, defaults={"window_start_day": 1, "window_end_day": 28}
            )
            this = _first_of_month(today)
            for n, (title, body) in enumerate(rng.sample(TOPICS, 3)):
                t = services.topic_propose(
                    actor=residents[(n + 3) % len(residents)],
                    unit=community,
                    title=title,
                    body=body,
                    today=this + timedelta(days=1),
                )
                for supporter in rng.sample(residents, min(len(residents), rng.randint(1, 9))):
                    services.topic_support(actor=supporter, topic=t)
                counts["topics"] += 1
    g1 = OrgUnit.objects.filter(code="350102001001").first() or (communities[0] if communities else None)
    if g1 is not None and _staff(g1) is not None:
        _conversation(g1, rng)
        _theme(g1)
        _convention(g1, rng)
        _survey(g1, rng)
    if stdout is not None:
        stdout.write(
            f"Deliberation demo: {counts['topics']} topics, {counts['meetings']} meetings, {counts['tasks']} tasks.\n"
        )
    return counts


def _conversation(community: OrgUnit, rng: random.Random) -> None:
    staff = _staff(community)
    residents = _residents(community, limit=60)
    conversation = services.conversation_create(
        actor=staff,
        unit=community,
        title="小区停车怎么管？",
        description="对每条观点表态：同意、不同意或跳过。平台把看法相近的居民归成几组，并找出大家都同意的观点。",
        statements=STATEMENTS,
    )
    statements = list(conversation.statements.order_by("id"))
    with transaction.atomic():
        for n, person in enumerate(residents):
            stance = CAMPS[n % len(CAMPS)]
            for s, side in zip(statements, stance, strict=True):
                if rng.random() < 0.15:
                    continue
                vote = side if rng.random() > 0.1 else rng.choice([1, -1, 0])
                services.vote_cast(actor=person, statement=s, vote=vote)
    services.groups_recompute(conversation.pk)


def _theme(community: OrgUnit) -> None:
    from jinlin.cases.models import Case

    staff = _staff(community)
    cases = list(
        Case.objects.filter(scope_code__startswith=community.code, title__contains="噪").order_by("-created_at")[:8]
    )
    if not cases:
        cases = list(Case.objects.filter(scope_code__startswith=community.code).order_by("-created_at")[:6])
    services.theme_adopt(
        actor=staff,
        unit=community,
        title="每月一题：夜间噪音扰民整治",
        cases=cases,
        plan="1. 与广场舞队、夜市摊主约定时段；2. 联合城管、派出所夜间巡查；3. 月底回访投诉居民。",
        owner=staff,
        open_topic=True,
    )


def _convention(community: OrgUnit, rng: random.Random) -> None:
    from . import civic

    staff = _staff(community)
    residents = _residents(community)
    c = civic.convention_draft(
        actor=staff,
        unit=community,
        title=f"{community.name}居民公约",
        articles=[
            "爱护公共设施和绿化，不私占公共空间。",
            "文明养犬，出门牵绳，及时清理粪便。",
            "垃圾分类投放，不高空抛物。",
            "电动车不进楼道，不飞线充电。",
            "邻里互助，有事先商量，矛盾不上交。",
        ],
        # The demo community has two hundred residents and thirty demo voters: a household-representative quorum.
        quorum_pct=10,
        threshold_pct=67,
    )
    for person in residents[:3]:
        civic.article_comment(actor=person, article=c.articles.get(number=2), body="建议加上：大型犬登记备案。")
    civic.convention_open_vote(actor=staff, convention=c)
    for person in residents[: max(1, len(residents) * 3 // 4)]:
        civic.convention_vote(actor=person, convention=c, in_favour=rng.random() < 0.85)
    civic.convention_close_vote(actor=staff, convention=c)


def _survey(community: OrgUnit, rng: random.Random) -> None:
    from . import civic

    staff = _staff(community)
    residents = _residents(community)
    questions = [
        {"kind": "scale", "text": "晚上在小区里走路，您觉得安全吗？", "index": "安全", "weight": 2},
        {"kind": "scale", "text": "消防通道、楼道是否保持畅通？", "index": "安全", "weight": 1},
        {"kind": "scale", "text": "社区卫生服务站看病方便吗？", "index": "健康", "weight": 1},
        {"kind": "scale", "text": "买菜、办事、出行方便吗？", "index": "便利", "weight": 1},
        {"kind": "scale", "text": "社区工作人员办事热情、及时吗？", "index": "服务", "weight": 1},
        {
            "kind": "single",
            "text": "党群服务中心最应该增加哪项服务？",
            "options": ["老年助餐", "儿童托管", "家电维修", "法律咨询"],
        },
        {"kind": "multiple", "text": "您常去哪些地方？", "options": ["公园", "菜场", "卫生站", "党群服务中心"]},
        {"kind": "text", "text": "其他意见和建议"},
    ]
    survey = civic.survey_create(
        actor=staff, unit=community, title="四大微指数测评（安全·健康·便利·服务）", questions=questions, audience=""
    )
    q = list(survey.questions.order_by("number"))
    tilt = {"安全": 4, "健康": 3, "便利": 4, "服务": 5}
    for person in residents:
        answers = {}
        for question in q:
            if question.kind == "scale":
                answers[str(question.pk)] = max(1, min(5, tilt[question.index] + rng.choice([-1, 0, 0, 1])))
            elif question.kind == "single":
                answers[str(question.pk)] = rng.choice([0, 0, 1, 2, 3])
            elif question.kind == "multiple":
                answers[str(question.pk)] = sorted(rng.sample(range(4), rng.randint(1, 3)))
            elif rng.random() < 0.3:
                answers[str(question.pk)] = rng.choice(["希望多装路灯", "楼道堆物要管一管", "食堂晚上也开就好了"])
        civic.survey_answer(actor=person, survey=survey, answers=answers)
