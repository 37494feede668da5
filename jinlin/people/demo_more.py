"""Demo disputes in mediation, police–grid pairs with patrols and e-bikes, 部件 on the map, and jobs."""

import random
from datetime import timedelta

from django.utils import timezone

from jinlin.core.models import Grid, OrgKind, Role, RoleAssignment, User

from .models import Component, ComponentKind, DisputeParty, EBike, Patrol, PolicePair, Resident, Seeker, Vacancy
from .models_more import Dispute, DisputeStatus, JobMatch, MediationSession
from .services_more import match_score

STAFF_PHONE = "13900000003"
DISPUTES = [
    ("楼上漏水殃及楼下，双方就维修费用争执", "张某家卫生间渗漏三个月，楼下天花板霉变，要求赔偿维修费。", "调解员"),
    ("广场舞音响扰民", "晚间广场舞音量过大，附近住户多次投诉，双方情绪对立。", "老党员"),
    ("邻里共用过道堆放杂物", "一方在共用过道长期堆放杂物，另一方认为影响消防通道。", "能人"),
    ("宠物狗惊吓老人引发纠纷", "未拴绳的宠物狗在楼道惊吓老人，老人家属要求道歉并赔偿医药费。", "调解员"),
]
MEDIATORS = ["王秀兰", "陈德明", "刘建华", "林美玲"]
ATTENDEES = "双方当事人、调解员、网格员"
KINDS = [
    ComponentKind.MANHOLE,
    ComponentKind.LAMP,
    ComponentKind.CHARGER,
    ComponentKind.CAMERA,
    ComponentKind.HYDRANT,
    ComponentKind.PAVILION,
]
KIND_CODES = {"井盖": "JG", "路灯": "LD", "充电桩": "CD", "摄像头": "SX", "凉亭": "LT", "消防栓": "XF"}


def _bbox(boundary: dict) -> tuple[float, float, float, float]:
    ring = boundary["coordinates"][0] if boundary["type"] == "Polygon" else boundary["coordinates"][0][0]
    lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lngs), min(lats), max(lngs), max(lats)


def seed_more(rng: random.Random, stdout=None) -> dict:
    now = timezone.now()
    counts = {"components": 0, "disputes": 0, "police_pairs": 0, "patrols": 0, "ebikes": 0, "vacancies": 0}
    # 部件: a handful in every grid with a boundary, linked to cases of the same grid where there are some.
    from jinlin.cases.models import Case

    components = []
    for grid in Grid.objects.select_related("unit").order_by("unit__code"):
        x0, y0, x1, y1 = _bbox(grid.boundary)
        for n in range(6):
            kind = KINDS[n % len(KINDS)]
            lng = x0 + (x1 - x0) * rng.uniform(0.1, 0.9)
            lat = y0 + (y1 - y0) * rng.uniform(0.1, 0.9)
            components.append(
                Component(
                    kind=kind,
                    code=f"BJ{grid.unit.code}{KIND_CODES[kind]}{n + 1:03d}",
                    name=f"{grid.unit.name}{kind}{n + 1}号",
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    grid=grid.unit,
                    scope_code=grid.unit.code,
                    created_at=now,
                )  # fmt: skip
            )
    Component.objects.bulk_create(components, batch_size=1000)
    counts["components"] = len(components)
    for component in components[::5]:
        case = Case.objects.filter(grid=component.grid).order_by("id").first()
        if case is not None:
            component.cases.add(case)
    # Police–grid pairs: each community's officer with each grid worker of that community.
    officers = {
        a.org.code: a.user
        for a in RoleAssignment.objects.filter(role=Role.POLICE_OFFICER, org__kind=OrgKind.COMMUNITY).select_related(
            "org", "user"
        )
    }
    pairs = []
    for a in (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, org__kind=OrgKind.GRID)
        .select_related("org", "user")
        .order_by("org__code", "id")
    ):
        officer = officers.get(a.org.code[:12])
        if officer is not None and not any(p.grid_id == a.org_id for p in pairs):
            pairs.append(
                PolicePair(
                    grid=a.org,
                    grid_worker=a.user,
                    officer=officer,
                    scope_code=a.org.code,
                    created_at=now - timedelta(days=90),
                )
            )
    PolicePair.objects.bulk_create(pairs)
    counts["police_pairs"] = len(pairs)
    for pair in pairs[:6]:
        patrol = Patrol.objects.create(
            pair=pair, at=now - timedelta(days=rng.randint(1, 10)), route="小区主干道—地下车库—楼道",
            findings="夜间联合巡逻，发现楼道停放电动车、未上锁电动车，已登记并提醒车主。", scope_code=pair.scope_code,
            recorded_by=pair.grid_worker,
        )  # fmt: skip
        counts["patrols"] += 1
        for k in range(rng.randint(1, 3)):
            EBike.objects.create(
                patrol=patrol, plate=f"闽A{rng.randint(10000, 99999)}", place=f"{rng.randint(1, 8)}号楼楼道",
                locked=k == 0 and rng.random() < 0.5, issue=rng.choice(["楼道停放", "未上锁", "飞线充电"]),
                scope_code=pair.scope_code, at=patrol.at,
            )  # fmt: skip
            counts["ebikes"] += 1
    # Disputes in mediation: cases of kind `dispute`, opened by the community staff at reception.
    staff = User.objects.filter(phone_digest=User.digest_phone(STAFF_PHONE)).first()
    if staff is not None:
        from jinlin.cases.models import CaseKind, Channel
        from jinlin.cases.services import case_submit

        community = next(
            (a.org for a in RoleAssignment.objects.filter(user=staff, role=Role.COMMUNITY_STAFF).select_related("org")),
            None,
        )
        neighbours = list(
            Resident.objects.filter(scope_code__startswith=community.code if community else "-", relation="户主")[:8]
        )
        for i, (title, text, mediator_kind) in enumerate(DISPUTES):
            case, _created = case_submit(
                actor=staff, title=title, description=text, kind=CaseKind.DISPUTE, channel=Channel.RECEPTION_DAY
            )
            dispute = Dispute.objects.create(
                case=case, intake_type="纠纷化解", status=DisputeStatus.MEDIATING if i < 3 else DisputeStatus.AGREED,
                mediator_name=MEDIATORS[i], mediator_kind=mediator_kind, scope_code=case.scope_code,
                created_by=staff, agreement="双方同意由责任方承担维修费用，并于两周内完成修缮。" if i >= 3 else "",
            )  # fmt: skip
            parties = [neighbours[(2 * i + k) % len(neighbours)] for k in range(2)] if len(neighbours) >= 2 else []
            for role, resident in zip(("applicant", "respondent"), parties, strict=False):
                DisputeParty.objects.create(
                    dispute=dispute, role=role, name=resident.name, resident=resident, household=resident.household
                )
            MediationSession.objects.create(
                dispute=dispute, at=now - timedelta(days=3 - i % 3), room="社区厝边解纷室", attendees=ATTENDEES,
                notes="听取双方陈述，释法说理，约定下次调解时间。", recorded_by=staff,
            )  # fmt: skip
            counts["disputes"] += 1
    # Jobs (订单式就业): seekers among adults without work, vacancies, and the proposed matches.
    seekers = [
        Seeker(resident=r, skills=rng.choice(["电工,维修", "驾驶", "保洁,家政", "收银,销售", "厨师", "电工,驾驶"]),
               min_pay=rng.choice([3000, 3500, 4000]), near_code=r.scope_code, scope_code=r.scope_code)
        for r in Resident.objects.filter(occupation="待业").order_by("id")[:40]
    ]  # fmt: skip
    Seeker.objects.bulk_create(seekers)
    district = next(iter(Grid.objects.select_related("unit").order_by("unit__code")), None)
    if district is not None:
        code = district.unit.code
        vacancies = [
            Vacancy(
                employer=e,
                title=t,
                skills=s,
                pay=p,
                pay_max=m,
                openings=o,
                place_code=code,
                scope_code=code,
                until=(now + timedelta(days=d)).date(),
            )
            for e, t, s, p, m, o, d in [
                ("清溪物业服务有限公司", "水电维修工", "电工,维修", 4500, 5500, 3, 30),
                ("近邻万家超市", "收银员", "收银,销售", 3800, None, 5, 45),
                ("桂湖家政服务中心", "家政服务员", "保洁,家政", 4200, 6000, 6, 60),
                ("清溪公交公司", "驾驶员", "驾驶", 6000, 7500, 2, 20),
                ("福清食品加工厂", "厨师", "厨师", 5000, 6500, 2, 40),
            ]
        ]
        Vacancy.objects.bulk_create(vacancies)
        counts["vacancies"] = len(vacancies)
        matches = [
            JobMatch(seeker=s, vacancy=v, score=score, scope_code=s.scope_code)
            for v in vacancies
            for s in seekers
            if (score := match_score(s, v)) > 0
        ]
        JobMatch.objects.bulk_create(matches)
    return counts
