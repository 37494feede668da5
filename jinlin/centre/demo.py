"""Demo data of the neighbourhood centre: a 党建+邻里中心 per street and a 邻里驿站 per community,
with rooms, a full 1+6+X catalogue at all three price tiers, the government items handled at the
centre with their procedures, a month of activities each way (the past with attendance and
ratings, the coming weeks open for registration), the 长者食堂's menus and 代办 in every state.

Places are found by kind, never by code, so the same seed serves one district or a city of
several. Skips itself when centres exist already.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.demo_accounts import DEMO_ACCOUNTS
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.workcalendar import add_working_time

from . import services
from .models import (
    Activity,
    ActivityKind,
    ActivitySeries,
    Audience,
    Booking,
    BookingStatus,
    Centre,
    CentreKind,
    Errand,
    ErrandAgent,
    ErrandStatus,
    GovItem,
    MealMenu,
    MealOrder,
    MemberProfile,
    Provider,
    ProviderKind,
    Rating,
    Registration,
    Room,
    RoomKind,
    Service,
    SubsidyClass,
)

SEED = 1414

# (name, domain, tier, price, per, provider index, place, hours); provider index into PROVIDERS.
CATALOGUE = [
    ("老年助餐（长者食堂）", "elderly", "at_cost", "12.00", "餐", 0, "长者食堂", "11:00–12:30"),
    ("助浴上门", "elderly", "low_profit", "35.00", "次", 0, "上门", "预约"),
    ("独居老人关爱探访", "elderly", "free", "0", "", 2, "上门", "每周"),
    ("四点半课堂", "children", "free", "0", "", 2, "四点半课堂教室", "周一至周五 16:30–18:00"),
    ("暑期托管班", "children", "at_cost", "300.00", "月", 1, "活动室", "7–8月"),
    ("家庭医生签约", "health", "free", "0", "", 3, "健康小屋", "周一至周五"),
    ("健康小屋自助体检", "health", "free", "0", "", 3, "健康小屋", "全天"),
    ("中医理疗", "health", "low_profit", "40.00", "次", 3, "健康小屋", "周二、周四"),
    ("爱心食堂", "food", "at_cost", "15.00", "餐", 0, "长者食堂", "11:00–13:00"),
    ("邻里学堂·书法", "culture", "free", "0", "", 4, "活动室", "周二 9:30"),
    ("陶艺体验", "culture", "low_profit", "30.00", "次", 1, "陶艺体验室", "周末"),
    ("政务服务代办", "affairs", "free", "0", "", 2, "政务服务窗口", "工作日"),
    ("医保窗口", "affairs", "free", "0", "", 3, "政务服务窗口", "工作日"),
    ("快递代收", "extra", "free", "0", "", 1, "大厅", "8:30–21:00"),
    ("家电维修", "extra", "at_cost", "20.00", "次", 5, "维修角", "周六"),
]
PROVIDERS = [
    (ProviderKind.ORGANISATION, "乐龄居家养老服务中心", "助餐、助浴、助医"),
    (ProviderKind.ORGANISATION, "阳光社会工作服务社", "托管、陶艺、快递代收"),
    (ProviderKind.DEPARTMENT, "社区党群服务中心", "代办、探访、课堂"),
    (ProviderKind.DEPARTMENT, "社区卫生服务站", "家庭医生、体检、理疗"),
    (ProviderKind.SKILLED_RESIDENT, "", "书法"),
    (ProviderKind.SKILLED_RESIDENT, "", "家电维修"),
]
# (code, name, class, department, promised days, window, can_proxy, home visit, off hours, home care, steps, materials)
GOV_ITEMS = [
    ("SB-01", "城乡居民养老保险参保登记", "社会保障", "区人社局", 1, "1号窗口", True, False, True, False,
     ["提交申请", "窗口审核", "登记参保"], ["身份证", "户口簿"]),
    ("SB-02", "养老保险待遇领取资格认证", "社会保障", "区人社局", 1, "1号窗口", True, True, True, False,
     ["人脸识别或上门认证", "系统确认"], ["身份证"]),
    ("SB-03", "灵活就业人员社保登记", "社会保障", "区人社局", 3, "1号窗口", True, False, True, False,
     ["提交申请", "审核", "登记"], ["身份证", "银行卡"]),
    ("YB-01", "城乡居民医保参保缴费", "医疗保障", "区医保局", 1, "2号窗口", True, False, True, False,
     ["提交信息", "缴费", "出具凭证"], ["身份证"]),
    ("YB-02", "门诊慢特病待遇认定", "医疗保障", "区医保局", 10, "2号窗口", True, True, False, False,
     ["提交病历", "专家评审", "认定结果告知"], ["身份证", "病历资料", "诊断证明"]),
    ("YB-03", "异地就医备案", "医疗保障", "区医保局", 1, "2号窗口", True, False, True, False,
     ["提交申请", "备案确认"], ["身份证", "异地居住证明"]),
    ("MZ-01", "高龄津贴申领", "民政服务", "区民政局", 5, "3号窗口", True, True, False, False,
     ["提交申请", "社区初审", "民政局审核", "按月发放"], ["身份证", "户口簿", "银行卡"]),
    ("MZ-02", "最低生活保障申请", "民政服务", "区民政局", 20, "3号窗口", True, True, False, False,
     ["提交申请", "入户调查", "民主评议与公示", "审批"], ["身份证", "户口簿", "收入证明", "家庭财产申报"]),
    ("MZ-03", "残疾人两项补贴申请", "民政服务", "区民政局", 15, "3号窗口", True, True, False, False,
     ["提交申请", "社区审核", "审批发放"], ["残疾人证", "身份证", "银行卡"]),
    ("MZ-04", "居家养老服务补贴申请", "民政服务", "区民政局", 10, "3号窗口", True, True, False, False,
     ["提交申请", "能力评估", "审批"], ["身份证", "评估表"]),
    ("HJ-01", "居民身份证换领", "户籍证照", "公安分局", 15, "4号窗口", False, True, True, False,
     ["采集照片指纹", "受理", "制证", "领取或邮寄"], ["原身份证", "户口簿"]),
    ("HJ-02", "居住证申领", "户籍证照", "公安分局", 10, "4号窗口", True, False, True, False,
     ["提交申请", "审核", "制证"], ["身份证", "居住证明"]),
    ("HJ-03", "户籍证明开具", "户籍证照", "公安分局", 1, "4号窗口", True, False, False, False,
     ["提交申请", "开具证明"], ["身份证", "户口簿"]),
    ("WJ-01", "生育登记", "卫生健康", "区卫健局", 1, "5号窗口", True, False, True, False,
     ["网上或窗口登记", "确认"], ["夫妻双方身份证", "结婚证"]),
    ("WJ-02", "出生医学证明补发", "卫生健康", "区卫健局", 10, "5号窗口", True, False, False, False,
     ["提交申请", "核查", "补发"], ["父母身份证", "原出生记录"]),
    ("WJ-03", "老年人健康体检预约", "卫生健康", "区卫健局", 3, "健康小屋", True, True, True, False,
     ["预约", "体检", "报告解读"], ["身份证"]),
    ("QY-01", "个体工商户设立登记", "企业服务", "区市场监管局", 1, "企业服务窗口", True, False, True, False,
     ["提交材料", "审核", "发照"], ["经营者身份证", "经营场所证明"]),
    ("QY-02", "食品经营许可", "企业服务", "区市场监管局", 10, "企业服务窗口", True, False, False, False,
     ["提交申请", "现场核查", "发证"], ["营业执照", "场所平面图", "食品安全管理制度"]),
    ("QY-03", "惠企政策咨询与申报", "企业服务", "区工信局", 5, "企业服务窗口", True, True, True, False,
     ["政策匹配", "材料准备", "代为申报"], ["营业执照", "申报材料"]),
    ("ZL-01", "助医陪诊", "助老服务", "社区", 2, "", True, True, False, True,
     ["预约", "上门接送与陪同就诊", "回访"], ["医保卡", "病历"]),
    ("ZL-02", "助急上门", "助老服务", "社区", 1, "", True, True, False, True,
     ["呼叫", "上门处置", "联系家属"], []),
]  # fmt: skip

# Weekly activities of every centre: (title, kind, weekday, start, minutes, capacity, room kind, audience)
SERIES = [
    ("四点半课堂", ActivityKind.AFTER_SCHOOL, 3, time(16, 30), 90, 20, RoomKind.CLASSROOM, Audience.ALL),
    ("邻里学堂·书法", ActivityKind.CLASS, 2, time(9, 30), 90, 15, RoomKind.ACTIVITY, Audience.ALL),
    ("银发健身操", ActivityKind.CLASS, 4, time(8, 30), 60, 25, RoomKind.ACTIVITY, Audience.ELDERS),
    ("红色讲堂", ActivityKind.RED_LECTURE, 5, time(15, 0), 90, 40, RoomKind.PARLOUR, Audience.ALL),
    ("健康义诊", ActivityKind.CLINIC, 6, time(9, 0), 120, 30, RoomKind.PARLOUR, Audience.ALL),
]
MENU = [
    "红烧肉、清炒时蔬、紫菜蛋汤",
    "清蒸鲈鱼、番茄炒蛋、冬瓜汤",
    "土豆烧鸡、蒜蓉菜心、海带汤",
    "香菇肉片、麻婆豆腐、萝卜汤",
]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _centre_point(unit: OrgUnit) -> tuple[float | None, float | None]:
    if unit.lat is not None:
        return unit.lat + 0.0012, unit.lng + 0.0012
    kids = list(OrgUnit.objects.filter(parent=unit, kind=OrgKind.COMMUNITY, lat__isnull=False))
    if not kids:
        return None, None
    return sum(k.lat for k in kids) / len(kids), sum(k.lng for k in kids) / len(kids)


def _residents_under(code: str, n: int, rng: random.Random) -> list[User]:
    ids = list(
        RoleAssignment.objects.filter(role=Role.RESIDENT, org__code__startswith=code, is_active=True)
        .values_list("user_id", flat=True)
        .order_by("user_id")[: n * 4]
    )
    rng.shuffle(ids)
    return list(User.objects.filter(pk__in=ids[:n]))


def seed_centre_demo(stdout=None) -> dict:
    """The centre's demo data on top of the demo organisation tree (skipped if centres exist)."""
    if Centre.objects.exists():
        return {}
    places = list(OrgUnit.objects.filter(kind__in=[OrgKind.STREET, OrgKind.COMMUNITY], is_active=True))
    if not places:
        return {}
    rng = random.Random(SEED)
    now = timezone.now()
    tz = timezone.get_default_timezone()
    counts = {"centres": 0, "activities": 0, "registrations": 0, "errands": 0}
    with transaction.atomic():
        items = _gov_items()
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        for place in places:
            centre = _centre(place)
            counts["centres"] += 1
            residents = _residents_under(place.code, 40, rng)
            rooms = _rooms(centre)
            providers = _providers(centre, residents)
            _catalogue(centre, providers)
            counts["activities"] += _activities(centre, rooms, admin, now)
            counts["registrations"] += _attendance(centre, residents, rng, now)
            _meals(centre, residents, rng, now, tz)
            counts["errands"] += _errands(centre, items, residents, rng, now)
            _bookings(centre, rooms, residents, rng, now, tz)
        _demo_accounts(rng, now)
    _say(
        stdout,
        _(
            "Seeded the neighbourhood centres: %(centres)d centres, %(activities)d activities, "
            "%(registrations)d registrations, %(errands)d errands."
        )
        % counts,
    )
    return counts


def _gov_items() -> list[GovItem]:
    rows = []
    for code, name, cls, dept, days, window, proxy, home, off, care, steps, materials in GOV_ITEMS:
        rows.append(
            GovItem(
                code=code,
                name=name,
                category=cls,
                department=dept,
                audience="enterprise" if cls == "企业服务" else "person",
                steps=steps,
                materials=materials,
                promised_days=days,
                window=window,
                can_proxy=proxy,
                can_home_visit=home,
                can_off_hours=off,
                is_home_care=care,
            )
        )
    GovItem.objects.bulk_create(rows, ignore_conflicts=True)
    return list(GovItem.objects.filter(code__in=[r.code for r in rows]))


def _centre(place: OrgUnit) -> Centre:
    lat, lng = _centre_point(place)
    street = place.kind == OrgKind.STREET
    return Centre.objects.create(
        unit=place,
        kind=CentreKind.CENTRE if street else CentreKind.STATION,
        name=f"{place.name}“党建+”邻里中心" if street else f"{place.name}邻里驿站",
        address=place.address or place.name,
        lat=lat,
        lng=lng,
        phone="0591-8" + place.code[-7:],
        description="1+6+X：老有所养、幼有所育、病有所医、食有所安、居有所乐、事有所办，加上本地特色服务。",
        opens_at=time(8, 30),
        closes_at=time(21, 0),
    )


def _rooms(centre: Centre) -> dict[str, Room]:
    specs = [
        ("邻里会客厅", RoomKind.PARLOUR, 30, False),
        ("多功能活动室", RoomKind.ACTIVITY, 40, centre.kind == CentreKind.CENTRE),
        ("四点半课堂教室", RoomKind.CLASSROOM, 24, False),
    ]
    if centre.kind == CentreKind.CENTRE:
        specs.append(("陶艺体验室", RoomKind.FACILITY, 12, True))
    rooms = {}
    for name, kind, seats, approval in specs:
        rooms.setdefault(
            kind, Room.objects.create(centre=centre, name=name, kind=kind, capacity=seats, requires_approval=approval)
        )
    return rooms


def _providers(centre: Centre, residents: list[User]) -> list[Provider]:
    out = []
    for i, (kind, name, skills) in enumerate(PROVIDERS):
        user = None
        if kind == ProviderKind.SKILLED_RESIDENT:
            user = residents[i % len(residents)] if residents else None
            name = f"近邻能人·{user.name if user else '热心居民'}（{skills}）"
        out.append(Provider.objects.create(kind=kind, name=name, centre=centre, user=user, skills=skills))
    return out


def _catalogue(centre: Centre, providers: list[Provider]) -> None:
    Service.objects.bulk_create(
        Service(
            centre=centre,
            name=name,
            domain=domain,
            tier=tier,
            price=Decimal(price),
            unit_label=per,
            provider=providers[p],
            place=place,
            hours=hours,
        )
        for name, domain, tier, price, per, p, place, hours in CATALOGUE
    )


def _activities(centre: Centre, rooms: dict[str, Room], admin: User | None, now: datetime) -> int:
    today = timezone.localdate(now)
    first = today - timedelta(days=30)
    n = 0
    for title, kind, weekday, start, minutes, cap, room_kind, audience in SERIES:
        series = ActivitySeries.objects.create(
            centre=centre,
            room=rooms.get(room_kind),
            title=title,
            kind=kind,
            weekday=weekday,
            start_time=start,
            duration_minutes=minutes,
            capacity=cap,
            audience=audience,
            first_date=first,
            created_by=admin,
        )
        n += services.series_extend(series, horizon_days=31, today=today)
    # A market day and a culture festival, one each, in the coming month.
    tz = timezone.get_default_timezone()
    for title, kind, days, cap in (
        ("近邻圩日", ActivityKind.MARKET, 10, 200),
        ("邻里文化节", ActivityKind.FESTIVAL, 24, 150),
    ):
        start = datetime.combine(today + timedelta(days=days), time(9, 0), tzinfo=tz)
        Activity.objects.create(
            centre=centre, title=title, kind=kind, domain="extra" if kind == "market" else "culture",
            start=start, end=start + timedelta(hours=4), capacity=cap, created_by=admin,
        )  # fmt: skip
        n += 1
    return n


def _attendance(centre: Centre, residents: list[User], rng: random.Random, now: datetime) -> int:
    """Registrations for the past month's activities (most checked in, some rated) and a few ahead."""
    if not residents:
        return 0
    regs, ratings_for = [], []
    for activity in Activity.objects.filter(centre=centre).order_by("start"):
        past = activity.end < now
        take = rng.randint(3, min(12, activity.capacity, len(residents))) if past else rng.randint(0, 4)
        for person in rng.sample(residents, take):
            attended = past and rng.random() < 0.8
            reg = Registration(
                activity=activity,
                user=person,
                status="registered",
                created_at=activity.start - timedelta(days=rng.randint(1, 6)),
                checked_in_at=activity.start + timedelta(minutes=rng.randint(-10, 10)) if attended else None,
                scope_code=centre.scope_code,
            )
            regs.append(reg)
            if attended and rng.random() < 0.3:
                ratings_for.append(reg)
    Registration.objects.bulk_create(regs, batch_size=500)
    Rating.objects.bulk_create(
        Rating(
            centre=centre,
            user=r.user,
            registration=r,
            stars=rng.choice([5, 5, 5, 4, 4, 3]),
            comment=rng.choice(["", "老师讲得好", "很方便", "希望多办几次"]),
            scope_code=centre.scope_code,
            created_at=r.checked_in_at,
        )
        for r in ratings_for
    )
    return len(regs)


def _meals(centre: Centre, residents: list[User], rng: random.Random, now: datetime, tz) -> None:
    today = timezone.localdate(now)
    for offset in range(-7, 7):
        day = today + timedelta(days=offset)
        menu = MealMenu.objects.create(
            centre=centre,
            date=day,
            meal="lunch",
            dishes=MENU[(day.toordinal()) % len(MENU)],
            base_price=Decimal("15.00"),
            order_cutoff=datetime.combine(day - timedelta(days=1), time(17, 0), tzinfo=tz),
            portions=80,
        )
        if offset < 0 and residents:
            MealOrder.objects.bulk_create(
                MealOrder(
                    menu=menu,
                    user=person,
                    delivery=rng.random() < 0.2,
                    price=Decimal("10.50"),
                    price_band="70岁及以上",
                    status="served",
                    served_at=datetime.combine(day, time(11, 30), tzinfo=tz),
                    scope_code=centre.scope_code,
                )
                for person in rng.sample(residents, min(len(residents), rng.randint(5, 15)))
            )


def _errands(centre: Centre, items: list[GovItem], residents: list[User], rng: random.Random, now: datetime) -> int:
    if not residents or centre.kind != CentreKind.STATION:
        return 0
    staff = list(
        User.objects.filter(
            role_assignments__role=Role.COMMUNITY_STAFF, role_assignments__org__code=centre.scope_code
        ).distinct()
    )
    volunteers = list(
        User.objects.filter(
            role_assignments__role=Role.VOLUNTEER, role_assignments__org__code__startswith=centre.scope_code
        ).distinct()[:2]
    )
    for v in volunteers:
        ErrandAgent.objects.get_or_create(centre=centre, user=v)
    agents = staff + volunteers
    n = 0
    for i in range(8):
        item = rng.choice([it for it in items if it.can_proxy or it.is_home_care])
        created = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 6))
        due = add_working_time(created, days=max(item.promised_days, 1))
        status = [ErrandStatus.DONE] * 4 + [ErrandStatus.REQUESTED, ErrandStatus.IN_PROGRESS, ErrandStatus.ACCEPTED]
        state = status[i % len(status)] if i < 7 else ErrandStatus.RETURNED
        agent = rng.choice(agents) if agents and state != ErrandStatus.REQUESTED else None
        finished = None
        if state == ErrandStatus.DONE:
            finished = min(now, due - timedelta(hours=rng.randint(-4, 30)))
        elif state == ErrandStatus.RETURNED:
            finished = created + timedelta(hours=5)
        Errand.objects.create(
            item=item,
            centre=centre,
            requester=rng.choice(residents),
            note=rng.choice(["行动不便，请代办", "子女在外地", "请上门", ""]),
            home_visit=item.can_home_visit and rng.random() < 0.4,
            status=state,
            agent=agent,
            due_at=due,
            created_at=created,
            accepted_at=created + timedelta(hours=2) if agent else None,
            started_at=created + timedelta(hours=3) if state in (ErrandStatus.IN_PROGRESS, ErrandStatus.DONE) else None,
            finished_at=finished,
            result="已办结" if state == ErrandStatus.DONE else "",
            return_reason="材料不全：请补充户口簿复印件" if state == ErrandStatus.RETURNED else "",
        )
        n += 1
    return n


def _bookings(centre: Centre, rooms: dict[str, Room], residents: list[User], rng, now: datetime, tz) -> None:
    room = rooms.get(RoomKind.PARLOUR)
    if room is None or not residents:
        return
    today = timezone.localdate(now)
    rows = []
    for offset in range(-20, 14, 2):
        start = datetime.combine(today + timedelta(days=offset), time(rng.choice([9, 14, 19])), tzinfo=tz)
        rows.append(
            Booking(
                room=room,
                user=rng.choice(residents),
                start=start,
                end=start + timedelta(hours=2),
                busy_until=start + timedelta(hours=2, minutes=room.buffer_minutes),
                purpose=rng.choice(["家庭聚会", "楼栋议事", "读书会", "老年合唱排练"]),
                status=BookingStatus.CONFIRMED,
                scope_code=centre.scope_code,
            )
        )
    Booking.objects.bulk_create(rows)


def _demo_accounts(rng: random.Random, now: datetime) -> None:
    """The demo resident is 70 (elders' classes, the canteen's elder price) and already holds a
    place in a coming class; the demo community staff is also a 代办员 of their station."""
    phones = {role: phone for phone, role in DEMO_ACCOUNTS.items()}
    resident = User.objects.filter(phone_digest=User.digest_phone(phones["resident"])).first()
    if resident is not None:
        MemberProfile.objects.get_or_create(
            user=resident,
            defaults={"birth_year": timezone.localdate(now).year - 70, "subsidy_class": SubsidyClass.NONE},
        )
        from .selectors import nearest_centre

        centre = nearest_centre(resident)
        upcoming = Activity.objects.filter(centre=centre, start__gt=now, title="邻里学堂·书法").first()
        if upcoming is not None:
            services.activity_register(actor=resident, activity=upcoming)
