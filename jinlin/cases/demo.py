"""Demo data of the case loop: categories (mapped to the demo district's departments), SLA
policies, and a few hundred historical cases with complete timelines.

Cases are not inserted as rows: each one lives its life through the real services — submitted,
accepted, dispatched, claimed, returned, escalated, resolved, rated, reopened, merged, published
— at simulated moments, with the SLA sweeper running every twelve simulated hours in between. So
every timeline is one the platform itself would have written (urges, overdue marks and tier
raises included), and every invariant of the machine holds in the demo too.

The simulation runs from `DAYS_BACK` days before `now` up to `now`: older cases are finished,
recent ones are still open in every state. The random choices are fixed by `seed`; only the
absolute dates follow the day the demo is seeded (open cases need deadlines around today).
"""

import heapq
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jinlin.core.demo_accounts import DEMO_RESIDENTS
from jinlin.core.models import Grid, OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import reach_code
from jinlin.core.selectors import grid_of

from . import selectors, services
from .machine import TransitionNotAllowed
from .models import Case, Category, Channel, LimitUnit, SlaPolicy, Tier

DEMO_CASES_SEED = 2026
CASE_COUNT = 300
DAYS_BACK = 120
SWEEP_EVERY = timedelta(hours=12)

# code → (name, department name keywords in order of preference, default tier, sort order)
CATEGORIES = [
    ("streetlight", "路灯", ["城市管理"], Tier.NORMAL),
    ("road", "道路", ["城市管理", "住房和城乡建设"], Tier.NORMAL),
    ("garbage", "垃圾", ["城市管理"], Tier.NORMAL),
    ("noise", "噪音", ["生态环境"], Tier.NORMAL),
    ("property", "物业", ["住房和城乡建设"], Tier.NORMAL),
    ("illegal_building", "违建", ["城市管理", "自然资源"], Tier.NORMAL),
    ("water", "供水", ["水利", "水务"], Tier.KEY),
    ("gas_heating", "燃气/供暖", ["住房和城乡建设"], Tier.KEY),
    ("public_security", "治安", ["公安"], Tier.KEY),
    ("fire_lane", "消防通道", ["消防", "应急管理"], Tier.KEY),
    ("greening", "绿化", ["园林", "城市管理"], Tier.NORMAL),
    ("market", "市场监管", ["市场监督管理"], Tier.NORMAL),
    ("elderly", "养老救助", ["民政"], Tier.NORMAL),
    ("other", "其他", [], Tier.NORMAL),
]

# English names of the demo categories (shown when the interface language is English).
CATEGORY_NAMES_EN = {
    "streetlight": "Street lights",
    "road": "Roads",
    "garbage": "Rubbish",
    "noise": "Noise",
    "property": "Property management",
    "illegal_building": "Illegal construction",
    "water": "Water supply",
    "gas_heating": "Gas and heating",
    "public_security": "Public security",
    "fire_lane": "Fire lanes",
    "greening": "Greenery",
    "market": "Market regulation",
    "elderly": "Elderly care and relief",
    "other": "Other",
}

# (category code or None for the tier default, tier, amount, unit, urge hours before or None)
POLICIES = [
    (None, Tier.NORMAL, 7, LimitUnit.WORKING_DAYS, None),  # Beijing 接诉即办: ordinary 7 days
    (None, Tier.KEY, 3, LimitUnit.WORKING_DAYS, None),
    (None, Tier.HARD, 15, LimitUnit.WORKING_DAYS, None),  # complex problems: 15 days
    (None, Tier.EMERGENCY, 2, LimitUnit.NATURAL_HOURS, 1),  # 早发现、早核实、早拦截、早打击: hours, not days
    ("streetlight", Tier.NORMAL, 5, LimitUnit.WORKING_DAYS, None),
    ("garbage", Tier.NORMAL, 2, LimitUnit.WORKING_DAYS, None),
    ("noise", Tier.NORMAL, 3, LimitUnit.WORKING_DAYS, None),
    ("water", Tier.KEY, 24, LimitUnit.NATURAL_HOURS, 4),  # utilities: 24 hours
    ("gas_heating", Tier.KEY, 24, LimitUnit.NATURAL_HOURS, 4),
    ("public_security", Tier.KEY, 2, LimitUnit.NATURAL_HOURS, 1),  # urgent: 2 hours
    ("fire_lane", Tier.KEY, 24, LimitUnit.NATURAL_HOURS, 4),
]

PROBLEMS = {
    "streetlight": [
        ("路灯不亮", "{place}门口路灯已经坏了好几天，晚上出行很不方便。"),
        ("路灯白天常亮", "{place}附近路灯白天也亮着，浪费电。"),
    ],
    "road": [
        ("路面坑洼", "{place}旁边道路有个大坑，电动车经过很危险。"),
        ("井盖松动", "{place}路口井盖松动，车辆经过响声很大。"),
    ],
    "garbage": [
        ("垃圾未及时清运", "{place}垃圾桶已经满了两天没人清运，气味很大。"),
        ("建筑垃圾乱堆", "{place}有人在绿化带旁乱堆装修垃圾。"),
    ],
    "noise": [
        ("夜间施工噪音", "{place}附近工地晚上十点后还在施工，影响休息。"),
        ("广场舞音响太大", "{place}广场舞音响声音过大，影响老人孩子休息。"),
    ],
    "property": [
        ("电梯经常故障", "{place}电梯这个月坏了三次，物业维修不及时。"),
        ("楼道堆放杂物", "{place}楼道堆满杂物，物业不处理。"),
    ],
    "illegal_building": [
        ("楼顶违建", "{place}有住户在楼顶搭建彩钢房。"),
        ("占用绿地搭棚", "{place}有人占用公共绿地搭建棚子。"),
    ],
    "water": [
        ("停水无通知", "{place}突然停水，没有提前通知。"),
        ("水管爆裂", "{place}路边水管爆裂，水流到马路上。"),
    ],
    "gas_heating": [
        ("燃气管道有异味", "{place}楼道里有燃气味，请尽快检查。"),
        ("暖气不热", "{place}家里暖气一直不热。"),
    ],
    "public_security": [
        ("电动车被盗", "{place}楼下电动车昨晚被盗。"),
        ("可疑人员徘徊", "{place}附近连续几天有陌生人徘徊。"),
    ],
    "fire_lane": [
        ("消防通道被占", "{place}消防通道被私家车长期占用。"),
        ("楼道电动车充电", "{place}有人在楼道里给电动车充电，存在火灾隐患。"),
    ],
    "greening": [
        ("树枝遮挡路灯", "{place}行道树枝叶遮挡路灯和窗户。"),
        ("绿化带无人修剪", "{place}绿化带杂草丛生。"),
    ],
    "market": [
        ("商店卖过期食品", "{place}附近小超市出售过期食品。"),
        ("流动摊贩占道", "{place}门口流动摊贩占道经营。"),
    ],
    "elderly": [
        ("独居老人需要帮助", "{place}有位独居老人行动不便，希望社区帮忙。"),
        ("申请助餐服务", "{place}老人希望申请长者食堂助餐。"),
    ],
    "other": [
        ("建议增设休闲座椅", "{place}附近希望增加几张休闲座椅。"),
        ("快递柜位置不便", "{place}快递柜离楼栋太远，老人取件不便。"),
    ],
}
RESULTS = [
    "已派人到现场处理完毕，并拍照留存。",
    "已联系相关单位完成维修，经回访问题已解决。",
    "已约谈责任方，限期整改，现已整改到位。",
    "已现场核实并处置，后续纳入日常巡查。",
]
COMMENTS_GOOD = ["处理很及时，谢谢！", "工作人员态度很好。", "问题解决了，点赞。", ""]
COMMENTS_BAD = ["问题没有彻底解决。", "拖了太久，还是老样子。"]
RETURN_REASONS = ["不属于本部门职责，建议转城管。", "该事项属于物业服务范围。", "地址不在本辖区。"]
REJECT_REASONS = [
    "属于民事纠纷，建议通过人民调解或诉讼解决。",
    "重复反映，已在办理中。",
    "诉求内容不明确，已电话告知补充。",
]


@dataclass
class Cast:
    """The people of the demo district the simulation gives roles to."""

    residents: list[RoleAssignment]
    dispatchers: list[User]
    supervisors: list[User]
    members: dict[int, list[User]]  # org unit id → handlers bound to it
    community_staff: dict[int, list[User]]  # community id → staff
    grid_workers: dict[int, list[User]]  # grid id → workers
    grids: list[OrgUnit]
    dispatcher_roles: list[RoleAssignment]  # to find the command centre covering a case


def _department(keywords: list[str]) -> OrgUnit | None:
    for word in keywords:
        unit = (
            OrgUnit.objects.filter(
                kind__in=[OrgKind.DEPARTMENT, OrgKind.POLICE_STATION], name__contains=word, is_active=True
            )
            .order_by("code")
            .first()
        )
        if unit is not None:
            return unit
    return None


def seed_categories() -> list[Category]:
    """The demo categories and SLA policies; departments are found by name, missing ones left empty."""
    categories = []
    for order, (code, name, keywords, tier) in enumerate(CATEGORIES):
        category, _created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": CATEGORY_NAMES_EN.get(code, ""),
                "department": _department(keywords),
                "default_tier": tier,
                "sort_order": order,
            },
        )
        categories.append(category)
    by_code = {c.code: c for c in categories}
    for code, tier, amount, unit, urge_hours in POLICIES:
        SlaPolicy.objects.get_or_create(
            category=by_code[code] if code else None,
            tier=tier,
            defaults={"limit_amount": amount, "limit_unit": unit, "urge_before_hours": urge_hours},
        )
    return categories


def _cast(district: str = "") -> Cast:
    """The people of one district (its code; "" for the whole tree): its residents (but the thirty
    demo residents, left free for trying things), the dispatchers and supervisors whose reach is
    exactly that district, and its grids."""
    own = (lambda a: reach_code(a) == district) if district else (lambda a: True)
    spare = {User.digest_phone(p) for p in DEMO_RESIDENTS}

    def users_by_org(role):
        out: dict[int, list[User]] = {}
        for a in RoleAssignment.objects.filter(role=role, is_active=True).select_related("user").order_by("id"):
            out.setdefault(a.org_id, []).append(a.user)
        return out

    members: dict[int, list[User]] = {}
    for role in (Role.DEPARTMENT_HANDLER, Role.GRID_WORKER, Role.COMMUNITY_STAFF):
        for org_id, users in users_by_org(role).items():
            members.setdefault(org_id, []).extend(users)
    return Cast(
        residents=list(
            RoleAssignment.objects.filter(role=Role.RESIDENT, is_active=True, org__code__startswith=district)
            .exclude(user__phone_digest__in=spare)
            .select_related("user", "org")
            .order_by("id")
        ),
        dispatchers=[
            a.user for a in RoleAssignment.objects.filter(role=Role.DISPATCHER).select_related("user", "org") if own(a)
        ],
        dispatcher_roles=[
            a
            for a in RoleAssignment.objects.filter(role=Role.DISPATCHER, is_active=True).select_related("user", "org")
            if own(a)
        ],
        supervisors=[
            a.user
            for a in RoleAssignment.objects.filter(role=Role.DISCIPLINE_SUPERVISOR).select_related("user", "org")
            if own(a)
        ],
        members=members,
        community_staff=users_by_org(Role.COMMUNITY_STAFF),
        grid_workers=users_by_org(Role.GRID_WORKER),
        grids=list(
            OrgUnit.objects.filter(kind=OrgKind.GRID, grid_boundary__isnull=False, code__startswith=district).order_by(
                "code"
            )
        ),
    )


def _point_in_grid(rng: random.Random, grid: OrgUnit) -> tuple[float, float]:
    """A point well inside the grid's boundary box (the demo grids are rectangles)."""
    ring = Grid.objects.get(unit=grid).boundary["coordinates"][0]
    lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
    lat = min(lats) + (max(lats) - min(lats)) * rng.uniform(0.3, 0.7)
    lng = min(lngs) + (max(lngs) - min(lngs)) * rng.uniform(0.3, 0.7)
    return round(lat, 6), round(lng, 6)


class _Simulation:
    def __init__(self, rng: random.Random, cast: Cast, categories: list[Category], now: datetime):
        self.rng = rng
        self.cast = cast
        self.categories = categories
        self.now = now
        self.open_by_grid: dict[tuple, list[Case]] = {}
        self.refused = 0

    def dispatcher_for(self, case: Case, chosen: User) -> tuple[User, str]:
        """A dispatcher of the nearest command centre covering the case (its district's, not the
        city's), with the code of the area they reach; `chosen` when it is one of them."""
        reach = [(a, reach_code(a)) for a in self.cast.dispatcher_roles]
        covering = [(a, code) for a, code in reach if code is not None and case.scope_code.startswith(code)]
        if not covering:
            return chosen, ""
        nearest = max(len(code) for _a, code in covering)
        users = [(a.user, code) for a, code in covering if len(code) == nearest]
        return next(((u, c) for u, c in users if u.pk == chosen.pk), None) or self.rng.choice(users)

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def life(self, start: datetime):
        """One case from intake to its end, yielding the moment of its next step."""
        rng, cast = self.rng, self.cast
        t = start
        category = rng.choice(self.categories)
        title, text = rng.choice(PROBLEMS.get(category.code, PROBLEMS["other"]))
        dispatcher = rng.choice(cast.dispatchers)
        channel = rng.choices(
            [Channel.RESIDENT_APP, Channel.GRID_PATROL, Channel.HOTLINE_12345, Channel.PHONE, Channel.WECHAT_GROUP,
             Channel.RECEPTION_DAY],
            weights=[55, 18, 12, 7, 5, 3],
        )[0]  # fmt: skip
        home = rng.choice(cast.residents)
        grid = grid_of(home.org) or rng.choice(cast.grids)
        if channel == Channel.GRID_PATROL:
            grid = rng.choice(cast.grids)
            actor = rng.choice(cast.grid_workers.get(grid.pk) or [dispatcher])
            lat, lng = _point_in_grid(rng, grid)
            extra = {}
        elif channel == Channel.RESIDENT_APP:
            actor = home.user
            lat, lng = (home.org.lat, home.org.lng) if rng.random() < 0.8 else (None, None)
            extra = {"address": home.org.address} if home.org.address else {}
        else:
            community = grid.parent
            actor = rng.choice(cast.community_staff.get(community.pk) or [dispatcher])
            lat, lng = (None, None)
            phone = home.user.phone if rng.random() < 0.8 else f"137{rng.randrange(10**8):08d}"
            extra = {"on_behalf_of_phone": phone, "contact_name": home.user.name}
        place = home.org.name if channel != Channel.GRID_PATROL else grid.name
        case, _ = services.case_submit(
            actor=actor,
            title=title,
            description=text.format(place=place),
            category_code=category.code,
            lat=lat,
            lng=lng,
            channel=channel,
            at=t,
            **extra,
        )
        key = (case.grid_id, category.pk)
        # The command centre of the case's own district takes it (a city has several).
        dispatcher, area = self.dispatcher_for(case, dispatcher)

        t += self.minutes(5, 240)
        yield t
        case.refresh_from_db()
        if case.status != "submitted":
            return
        candidates = [c.pk for c in self.open_by_grid.get(key, [])]
        survivors = list(Case.objects.filter(pk__in=candidates, status__in=["accepted", "dispatched", "in_progress"]))
        if survivors and rng.random() < 0.5:
            services.case_merge(actor=dispatcher, case=case, into=survivors[0], note="同一问题，合并办理", at=t)
            return
        if rng.random() < 0.07:
            services.case_reject(actor=dispatcher, case=case, reason=rng.choice(REJECT_REASONS), at=t)
            return
        services.case_accept(actor=dispatcher, case=case, at=t)
        self.open_by_grid.setdefault(key, []).append(case)

        t += self.minutes(10, 360)
        yield t
        case.refresh_from_db()
        suggestions = [
            s for s in selectors.route_suggestions(case) if cast.members.get(s.unit.pk) and s.unit.code.startswith(area)
        ]
        if not suggestions:
            return
        # 小事不出小区: about a third of the matters go to the grid rather than the department.
        target = suggestions[-1] if len(suggestions) > 1 and rng.random() < 0.35 else suggestions[0]
        unit = target.unit
        services.case_dispatch(actor=dispatcher, case=case, unit=unit, user=target.user, at=t)

        if rng.random() < 0.08:
            # 退单: the unit says it is not theirs; the dispatcher sends it to the grid instead.
            t += self.minutes(30, 600)
            yield t
            handler = rng.choice(cast.members[unit.pk])
            services.case_return(actor=handler, case=case, reason=rng.choice(RETURN_REASONS), at=t)
            t += self.minutes(10, 240)
            yield t
            unit = case.grid if case.grid_id and cast.members.get(case.grid_id) else unit
            services.case_dispatch(actor=dispatcher, case=case, unit=unit, note="改派属地网格", at=t)

        handler = rng.choice(cast.members[unit.pk])
        t += self.minutes(20, 1440)
        yield t
        services.case_claim(actor=handler, case=case, at=t)

        if unit.kind == OrgKind.GRID and rng.random() < 0.15:
            # 吹哨报到: the grid calls in departments, police among them.
            named = [
                u
                for u in OrgUnit.objects.filter(
                    kind__in=[OrgKind.DEPARTMENT, OrgKind.POLICE_STATION], code__startswith=area, is_active=True
                )
                if cast.members.get(u.pk) or u.kind == OrgKind.POLICE_STATION
            ]
            lead, *helpers = rng.sample(named, k=min(3, len(named)))
            services.case_escalate(
                actor=handler, case=case, units=helpers, lead_unit=lead, note="涉及多部门，请求联合处置", at=t
            )
            for target_unit in [lead, *helpers]:
                reporters = cast.members.get(target_unit.pk)
                if reporters and rng.random() < 0.85:
                    t += self.minutes(30, 600)
                    yield t
                    services.case_report_in(actor=rng.choice(reporters), case=case, at=t)

        rounds = 0
        while True:
            # Handling time: mostly within the limit, sometimes well over it (the sweeper notices).
            t += self.minutes(60, 60 * 24 * (3 if rng.random() < 0.8 else 16))
            yield t
            services.case_resolve(actor=handler, case=case, result=rng.choice(RESULTS), at=t)
            case.refresh_from_db()
            t += self.minutes(30, 60 * 24 * 3)
            roll = rng.random()
            if roll < 0.2:
                return  # never rated: the sweeper closes it when the window ends
            yield t
            unhappy = roll > 0.9 and rounds == 0
            rating = "unsatisfied" if unhappy else rng.choice(["satisfied"] * 5 + ["basically_satisfied"])
            comment = rng.choice(COMMENTS_BAD if unhappy else COMMENTS_GOOD)
            if case.reporter_id and rng.random() < 0.85:
                services.case_evaluate(actor=case.reporter, case=case, rating=rating, comment=comment, at=t)
            else:
                staff = cast.community_staff.get(case.community_id) or cast.dispatchers
                services.case_visit(
                    actor=rng.choice(staff), case=case, rating=rating, comment="电话回访：" + comment, at=t
                )
            if not unhappy:
                break
            rounds += 1
            t += self.minutes(30, 600)
            yield t
            services.case_claim(actor=handler, case=case, at=t)

        if rng.random() < 0.3 and case.community_id and cast.community_staff.get(case.community_id):
            t += self.minutes(60, 60 * 24 * 2)
            yield t
            services.case_publish(actor=rng.choice(cast.community_staff[case.community_id]), case=case, at=t)

    def sweeps(self, start: datetime):
        t = start
        while True:
            services.sla_sweep_run(now=t)
            t += SWEEP_EVERY
            yield t

    def run(self, starts: list[datetime], others: list[tuple["_Simulation", list[datetime]]] = ()) -> None:
        """Live the cases starting at `starts`, and those of `others` (other districts, each with its
        own generator) in the same time line, with the sweeper every twelve hours from the first."""
        counter = itertools.count()
        queue: list = [(s, next(counter), self.life(s)) for s in starts]
        queue.append((starts[0], next(counter), self.sweeps(starts[0])))
        for other, their_starts in others:
            queue += [(s, next(counter), other.life(s)) for s in their_starts]
        heapq.heapify(queue)
        while queue:
            t, _n, life = heapq.heappop(queue)
            if t > self.now:
                continue
            try:
                following = next(life)
            except StopIteration:
                continue
            except (TransitionNotAllowed, PermissionDenied, ValidationError):
                # The simulated world refused a step (e.g. a merged case): that case's story ends.
                self.refused += 1
                continue
            heapq.heappush(queue, (following, next(counter), life))


def _starts(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """When `count` cases are filed over the last DAYS_BACK days, in order."""
    begin = now - timedelta(days=DAYS_BACK)
    # A quarter of the intake falls in the last ten days, so every open state has cases in it.
    offsets = [
        DAYS_BACK - 10 * rng.random() if rng.random() < 0.25 else DAYS_BACK * rng.random() for _n in range(count)
    ]
    days = [timezone.localtime(begin + timedelta(days=offset)) for offset in offsets]
    starts = [d.replace(hour=rng.randrange(7, 22), minute=rng.randrange(60)) for d in days]
    return sorted(min(s, now - timedelta(minutes=5)) for s in starts)


@transaction.atomic
def seed_cases_demo(
    stdout: Any | None = None, *, now: datetime | None = None, count: int = CASE_COUNT, seed: int = DEMO_CASES_SEED
) -> dict:
    """Categories, SLA policies and `count` historical cases over the demo district (and, in
    proportion to their residents, over the other districts of the demo city).

    Needs the demo district (core.demo.seed_demo) first. Does nothing to cases if any exist, so
    it can run on every start of the demo.
    """
    categories = seed_categories()
    if Case.objects.exists():
        return {"categories": len(categories), "cases": 0}
    # One story per district, each from its own generator: the demo district's history stays the
    # one it always was, and the city's other districts get cases in proportion to their people.
    districts = list(OrgUnit.objects.filter(kind=OrgKind.DISTRICT).order_by("code").values_list("code", flat=True))
    casts = [(code, _cast(code)) for code in districts or [""]]
    casts = [(code, c) for code, c in casts if c.residents and c.dispatchers and c.grids]
    if not casts:
        return {"categories": len(categories), "cases": 0}
    now = now or timezone.now()
    # `count` cases in all, shared by the districts in proportion to their residents.
    people = sum(len(cast.residents) for _code, cast in casts)
    shares = [round(count * len(cast.residents) / people) for _code, cast in casts[1:]]
    shares = [count - sum(shares), *shares]
    simulations = []
    for n, ((_code, cast), share) in enumerate(zip(casts, shares, strict=True)):
        if share > 0 or n == 0:
            rng = random.Random(seed + n)
            simulations.append((_Simulation(rng, cast, categories, now), _starts(rng, now, share)))
    (first, starts), *others = simulations
    first.run(starts, others)
    refused = sum(simulation.refused for simulation, _starts_ in simulations)
    counts = {"categories": len(categories), "cases": Case.objects.count(), "refused_steps": refused}
    if stdout is not None:
        stdout.write(f"Demo cases: {counts['cases']} cases over {DAYS_BACK} days, {len(categories)} categories.\n")
    return counts
