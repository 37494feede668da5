"""Demo registry: every building gets households; the demo's resident accounts become householders.

Deterministic from a fixed seed. Units are found by kind and the demo accounts by phone, never by
hard-coded codes, so this works on the demo district, the city and the test districts alike.
13900000012 is an elder living alone in the home building of 13900000001 (grid G1), tagged 独居 and
高龄, looked after weekly by the grid worker 13900000002.
"""

import random
import time
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from jinlin.core.audit import audit_record
from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

from .idcard import make_id_number
from .models import (
    RESTRICTED_TAGS,
    CarerKind,
    Category,
    Household,
    Movement,
    MovementKind,
    Pairing,
    Relation,
    Resident,
    ResidentTag,
    Visit,
    VisitKind,
    id_digest,
    phone_digest,
)

SEED = 2016
ELDER_PHONE = "13900000012"
ELDER_NAME = "林阿婆"
ELDER_BIRTH = date(1941, 3, 8)
HOME_RESIDENT = "13900000001"
G1_WORKER = "13900000002"
OCCUPATIONS = ["退休", "企业职工", "个体经营", "学生", "自由职业", "公务员", "教师", "医护", "务农", "待业"]
EDUCATIONS = ["小学", "初中", "高中/中专", "大专", "本科", "研究生"]
RARE_TAGS = ["残疾", "失能", "低保", "特困", "大病", "退役军人"]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红建文辉力志鹏斌宇浩凯慧琳婷雪梅晨晓欣怡佳嘉俊"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"


class _Ids:
    def __init__(self, rng: random.Random, area: str):
        self.rng, self.area, self.used = rng, area, set()

    def make(self, birth: date, male: bool) -> str:
        while True:
            number = make_id_number(self.area, birth, self.rng.randrange(0, 500) * 2 + (1 if male else 0))
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randrange(low * 365 + 1, high * 365 - 1))


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _marital(rng: random.Random, age: int, relation: str) -> str:
    if age < 20:
        return "未婚"
    if relation == Relation.SPOUSE:
        return "已婚"
    return rng.choices(["已婚", "未婚", "离异", "丧偶"], weights=[70, 15, 7, 8 if age >= 60 else 1])[0]


def _home_unit(org: OrgUnit, children: dict[int, list[OrgUnit]]) -> OrgUnit | None:
    """The entrance (or building) a resident's role is bound to; an estate binding picks its first building."""
    unit = org
    while unit.kind in (OrgKind.ESTATE, OrgKind.BUILDING) and children.get(unit.pk):
        unit = children[unit.pk][0]
    return unit if unit.kind in (OrgKind.BUILDING, OrgKind.ENTRANCE) else None


def _scope(unit: OrgUnit) -> str:
    return unit.grid.code if unit.grid_id else unit.code[:12]


@transaction.atomic
def seed_people_demo(stdout=None) -> dict:
    """Households, residents, key groups, pairings and visits for every demo building (skips if any exist)."""
    from .tasks import schedule_people_sweep

    # The periodic overdue check runs wherever the demo runs (a no-op if it is already waiting).
    schedule_people_sweep()
    if Household.objects.exists():
        return {}
    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    places = list(
        OrgUnit.objects.select_related("grid").filter(
            kind__in=[OrgKind.ESTATE, OrgKind.BUILDING, OrgKind.ENTRANCE], is_active=True
        )
    )
    if not places:
        return {}
    by_id = {u.pk: u for u in places}
    children: dict[int, list[OrgUnit]] = {}
    for u in sorted(places, key=lambda u: u.code):
        if u.parent_id and u.kind in (OrgKind.BUILDING, OrgKind.ENTRANCE):
            children.setdefault(u.parent_id, []).append(u)
    ids = _Ids(rng, places[0].code[:6])
    hash_ = make_password(DEMO_PASSWORD)

    # The elder's account (13900000012), a resident in 13900000001's building.
    home_of_01 = (
        RoleAssignment.objects.filter(user__phone_digest=User.digest_phone(HOME_RESIDENT), role=Role.RESIDENT)
        .select_related("org")
        .first()
    )
    elder = None
    if home_of_01 is not None and not User.objects.filter(phone_digest=User.digest_phone(ELDER_PHONE)).exists():
        elder = User.objects.create(
            phone=ELDER_PHONE, phone_digest=User.digest_phone(ELDER_PHONE), name=ELDER_NAME, password=hash_
        )
        RoleAssignment.objects.create(user=elder, role=Role.RESIDENT, org=home_of_01.org)

    households: list[Household] = []
    members: list[tuple[int, Resident, list[str]]] = []  # (household index, resident, tags)
    rooms: dict[int, set[str]] = {}

    def new_household(unit: OrgUnit) -> int:
        used = rooms.setdefault(unit.pk, set())
        while True:
            room = f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
            if room not in used:
                used.add(room)
                break
        households.append(
            Household(
                unit=unit,
                room=room,
                address=f"{unit.address or unit.name}{room}室",
                scope_code=_scope(unit),
                unit_code=unit.code,
                created_at=now,
                confirmed_at=now - timedelta(days=rng.randrange(0, 60)),
            )
        )
        return len(households) - 1

    def person(index: int, name: str, birth: date, male: bool, relation: str, phone: str = "", user=None) -> Resident:
        number = ids.make(birth, male)
        age = (today - birth).days // 365
        r = Resident(
            user=user,
            name=name,
            id_number=number,
            id_digest=id_digest(number),
            phone=phone,
            phone_digest=phone_digest(phone) if phone else "",
            birth_date=birth,
            sex="M" if male else "F",
            relation=relation,
            category=rng.choices(Category.values, weights=[50, 30, 15, 4, 1])[0],
            occupation="退休" if age >= 60 else ("学生" if age < 18 else rng.choice(OCCUPATIONS[1:])),
            education="小学" if age < 12 else rng.choice(EDUCATIONS),
            marital_status=_marital(rng, age, relation),
            created_at=now,
            updated_at=now,
        )
        tags = []
        if age >= 80:
            tags.append("高龄")
        if age < 16 and rng.random() < 0.05:
            tags.append("留守儿童")
        if rng.random() < 0.04:
            tags.append(rng.choice(RARE_TAGS))
        if rng.random() < 0.005:
            tags.append(rng.choice(RESTRICTED_TAGS))
        members.append((index, r, tags))
        return r

    def family(index: int, head_name: str, head_male: bool, head_birth: date) -> None:
        surname = head_name[0]
        age = (today - head_birth).days // 365
        if rng.random() < 0.7:
            spouse_birth = head_birth + timedelta(days=rng.randrange(-1500, 1500))
            person(
                index, _name(rng), min(spouse_birth, today - timedelta(days=20 * 365)), not head_male, Relation.SPOUSE
            )
        if 25 <= age <= 60:
            for _k in range(rng.choice((0, 1, 1, 2))):
                person(
                    index,
                    _name(rng, surname),
                    _birth(rng, today, 1, max(2, age - 22)),
                    rng.random() < 0.5,
                    Relation.CHILD,
                )
        if 30 <= age <= 50 and rng.random() < 0.25:
            person(
                index, _name(rng, surname), _birth(rng, today, age + 22, age + 35), rng.random() < 0.5, Relation.PARENT
            )

    # The 2,000 demo residents (accounts) become householders of their homes.
    accounts = (
        RoleAssignment.objects.filter(role=Role.RESIDENT, is_active=True)
        .select_related("user", "org")
        .order_by("user_id", "id")
    )
    seen_users: set[int] = set()
    elder_index = None
    for a in accounts:
        if a.user_id in seen_users or a.org_id not in by_id:
            continue
        unit = _home_unit(by_id[a.org_id], children)
        if unit is None:
            continue
        seen_users.add(a.user_id)
        index = new_household(unit)
        if elder is not None and a.user_id == elder.pk:
            person(index, elder.name, ELDER_BIRTH, False, Relation.HEAD, ELDER_PHONE, elder)
            members[-1][1].category = Category.REGISTERED
            members[-1] = (index, members[-1][1], ["独居", "高龄"])
            elder_index = index
            continue
        male = rng.random() < 0.5
        birth = _birth(rng, today, 22, 88)
        person(index, a.user.name, birth, male, Relation.HEAD, a.user.phone, a.user)
        family(index, a.user.name, male, birth)
    # Every building (or its entrances) gets at least two households.
    for b in [p for p in places if p.kind == OrgKind.BUILDING]:
        units = children.get(b.pk) or [b]
        for unit in units:
            for _k in range(max(0, 2 - len(rooms.get(unit.pk, ())))):
                index = new_household(unit)
                male = rng.random() < 0.5
                birth = _birth(rng, today, 22, 92)
                name = _name(rng)
                person(index, name, birth, male, Relation.HEAD, "")
                family(index, name, male, birth)

    Household.objects.bulk_create(households, batch_size=1000)
    sizes: dict[int, int] = {}
    for index, _r, _t in members:
        sizes[index] = sizes.get(index, 0) + 1
    residents = []
    for index, r, tags in members:
        h = households[index]
        r.household = h
        r.scope_code, r.unit_code = h.scope_code, h.unit_code
        age = (today - r.birth_date).days // 365
        if sizes[index] == 1 and age >= 60 and "独居" not in tags:
            tags.insert(0, "独居")
        residents.append(r)
    Resident.objects.bulk_create(residents, batch_size=1000)
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(resident=r, tag=t, restricted=t in RESTRICTED_TAGS, created_at=now)
            for (_i, r, tags) in members
            for t in dict.fromkeys(tags)
        ],
        batch_size=1000,
    )
    Movement.objects.bulk_create(
        [Movement(resident=r, household=r.household, kind=MovementKind.IN, at=now, note="demo") for r in residents],
        batch_size=1000,
    )

    # Pairings: every household with a key group gets the grid worker of its grid, weekly; a few are late.
    workers = {
        a.org.code: a.user
        for a in RoleAssignment.objects.filter(role=Role.GRID_WORKER, is_active=True)
        .select_related("org", "user")
        .order_by("-id")
    }
    g1_worker = User.objects.filter(phone_digest=User.digest_phone(G1_WORKER)).first()
    keyed = sorted({index for index, _r, tags in members if any(t not in RESTRICTED_TAGS for t in tags)})
    pairings, visits = [], []
    for index in keyed:
        h = households[index]
        carer = workers.get(h.scope_code)
        if index == elder_index and g1_worker is not None:
            carer = g1_worker
        if carer is None:
            continue
        late = index != elder_index and rng.random() < 0.2
        last = now - timedelta(days=rng.randint(9, 30) if late else rng.randint(0, 5))
        pairings.append(
            Pairing(
                household=h,
                carer=carer,
                carer_kind=CarerKind.GRID_WORKER,
                every_days=7,
                scope_code=h.scope_code,
                unit_code=h.unit_code,
                created_at=now - timedelta(days=60),
                last_visit_at=last,
                due_at=last + timedelta(days=7),
                overdue_since=(last + timedelta(days=7)) if late else None,
            )  # fmt: skip
        )
        visits.append(
            Visit(
                household=h,
                visitor=carer,
                kind=VisitKind.VISIT,
                note="上门走访，身体状况良好，生活物资充足。",
                scope_code=h.scope_code,
                unit_code=h.unit_code,
                at=last,
            )  # fmt: skip
        )
    Pairing.objects.bulk_create(pairings, batch_size=1000)
    Visit.objects.bulk_create(visits, batch_size=1000)
    from .demo_more import seed_more

    counts = {
        **seed_more(rng),
        "households": len(households),
        "residents": len(residents),
        "pairings": len(pairings),
        "overdue": sum(p.overdue_since is not None for p in pairings),
        "elder_account": elder is not None,
    }
    audit_record(actor=None, action="seed.people_demo", object_type="people.household", after=counts)
    if stdout is not None:
        stdout.write(
            f"People registry in {time.monotonic() - started:.1f} s: {counts['households']} households, "
            f"{counts['residents']} residents, "
            f"{counts['pairings']} care pairings ({counts['overdue']} overdue), {counts['disputes']} disputes, "
            f"{counts['components']} 部件, {counts['police_pairs']} police–grid pairs."
        )
    return counts
