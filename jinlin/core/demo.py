"""The demo district 近邻市清溪区: a fictional county district, generated deterministically.

`demo_plan()` is pure: from a fixed seed and a fixed base date it describes every org unit, grid
boundary and person, so two runs give the same codes, names, places and phone numbers.
`seed_demo()` writes that plan with bulk inserts. It does not go through the per-row services
(which audit every row): 3,000 users and 1,000 units would mean 6,000 audit entries saying
"the seed created this", which tell an auditor nothing one entry cannot. The run is recorded as
one "seed.demo" audit entry with the counts, in the same transaction as the data.

Geography: 3 streets × 4 communities laid out as a 4 × 3 lattice of rectangles (about
1.2 km × 1 km each) around 26.08 N, 119.30 E; each community is cut into 5 grids (3 above, 2
below, with jittered cuts), so the grids tile the district without overlapping. Estates,
buildings and entrances lie inside their grid's cell.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from .audit import audit_record
from .demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_RESIDENTS
from .grids import area_m2, grid_index_invalidate
from .models import Grid, OrgKind, OrgUnit, Role, RoleAssignment, User
from .phones import normalize_mobile

DEMO_SEED = 2026
# Everything dated in the demo is relative to this moment, not to today, so the data is the
# same whenever it is seeded.
BASE_DATE = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

CITY_CODE = "3501"
CITY_NAME = "近邻市"
DISTRICT_CODE = "350102"
DISTRICT_NAME = "清溪区"
CENTRE_LAT, CENTRE_LNG = 26.08, 119.30
COMMUNITY_WIDTH_DEG = 0.012  # longitude, ≈ 1.2 km at 26° N
COMMUNITY_HEIGHT_DEG = 0.009  # latitude, ≈ 1.0 km
GRIDS_PER_COMMUNITY = 5
RESIDENT_COUNT = 2000

STREETS = [
    ("清溪街道", ["桂香社区", "溪畔社区", "书院社区", "柳岸社区"]),
    ("桂湖街道", ["湖滨社区", "荷塘社区", "榕荫社区", "梅园社区"]),
    ("松岭街道", ["松涛社区", "竹林社区", "枫桥社区", "兰苑社区"]),
]
# G1 and G2 of the demo accounts: the first grid of the first community of streets 1 and 2, so
# the two grid workers sit in different communities (and streets) for scope demonstrations.
G1_CODE = "350102001001001"
G2_CODE = "350102002001001"

# The city's own units (its command centre, discipline office and departments) and the second,
# smaller district beside the first (east of it): two streets of two communities.
CITY_DEPARTMENTS = ["市住房和城乡建设局", "市城市管理局", "市生态环境局"]
DISTRICT_B_CODE = "350103"
DISTRICT_B_NAME = "榕江区"
STREETS_B = [
    ("江滨街道", ["江滨社区", "榕树社区"]),
    ("凤山街道", ["凤鸣社区", "山前社区"]),
]
DEPARTMENTS_B = ["区住房和城乡建设局", "区城市管理局", "区生态环境局", "区市场监督管理局"]
ESTATES_PER_COMMUNITY_B = 2
RESIDENT_COUNT_B = 300

DEPARTMENTS = [
    "区住房和城乡建设局",  # B01: the department of demo account 05
    "区城市管理局",
    "区市场监督管理局",
    "区生态环境局",
    "区水利局",
    "区民政局",
    "区卫生健康局",
    "区应急管理局",
]
PROPERTY_COMPANIES = ["清溪物业服务有限公司", "桂湖物业管理有限公司", "松岭物业服务有限公司", "近邻万家物业有限公司"]

CHINESE_NUMERALS = "一二三四五六七八九十"
ESTATE_PREFIXES = [
    "丹桂", "翠竹", "锦绣", "金桥", "玉兰", "阳光", "春晖", "碧水", "和润", "海棠", "紫荆", "清泉", "南山",
    "东湖", "凤凰", "怡景", "福馨", "安居", "华庭", "香樟", "银杏", "晨曦", "明珠", "静园",
]  # fmt: skip
ESTATE_SUFFIXES = ["花园", "小区", "新村", "家园", "雅苑", "公寓"]
# Common surnames, most frequent first; weights fall off so the mix looks like a real register.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文辉力志鹏斌宇浩凯慧琳婷雪梅晨晓欣怡"
    "佳嘉俊子涵梓轩宁瑞博思雨诗悦然安泽国庆海燕春秋冬德福寿荣新建民振兴"
)
# Mobile prefixes the phonenumbers library accepts; 139 is left out so generated numbers can
# never collide with the demo accounts (139 0000 00xx).
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "198", "199",
]  # fmt: skip

DEMO_PEOPLE = {
    # phone → (name, roles as (role, org code)); the role lists follow the README's table.
    "13900000001": ("林秀英", [(Role.RESIDENT, "350102001001E01B01U01")]),
    "13900000002": ("陈建国", [(Role.GRID_WORKER, G1_CODE)]),
    "13900000003": ("黄丽萍", [(Role.COMMUNITY_STAFF, G1_CODE[:12])]),
    # Dispatchers and supervisors act for the whole district, and scope is a code prefix, so they
    # are bound to the district itself; the command centre and 纪委监委 units name their office.
    "13900000004": ("张伟", [(Role.DISPATCHER, DISTRICT_CODE)]),
    "13900000005": ("郑海峰", [(Role.DEPARTMENT_HANDLER, "350102B01")]),
    "13900000006": ("吴静", [(Role.DISCIPLINE_SUPERVISOR, DISTRICT_CODE)]),
    "13900000007": ("刘洋", [(Role.PLATFORM_ADMIN, DISTRICT_CODE)]),
    "13900000008": ("李娜", [(Role.GRID_WORKER, G2_CODE)]),
    # 警网融合: the community police officer joins G1's community and sees what it sees.
    "13900000009": ("周明", [(Role.POLICE_OFFICER, G1_CODE[:12])]),
    # The city command centre's dispatcher, bound to the centre: reaches the whole city.
    "13900000010": ("何志远", [(Role.DISPATCHER, f"{CITY_CODE}C01")]),
}


@dataclass(frozen=True)
class UnitSpec:
    kind: str
    code: str
    name: str
    parent: str | None = None
    grid: str | None = None
    place: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str = ""


@dataclass(frozen=True)
class PersonSpec:
    phone: str
    name: str
    roles: tuple[tuple[str, str], ...]
    joined: datetime
    demo: bool = False
    admin: bool = False


@dataclass
class DemoPlan:
    units: list[UnitSpec] = field(default_factory=list)
    boundaries: dict[str, dict] = field(default_factory=dict)
    people: list[PersonSpec] = field(default_factory=list)

    def add(self, kind: str, code: str, name: str, parent: Any | None = None, **fields: Any) -> UnitSpec:
        spec = UnitSpec(kind, code, name, parent, **fields)
        self.units.append(spec)
        return spec


def _rect(x0: float, y0: float, x1: float, y1: float) -> dict:
    # Counter-clockwise exterior ring, closed, as RFC 7946 asks.
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _grid_cells(
    rng: random.Random, x0: float, y0: float, x1: float, y1: float
) -> list[tuple[float, float, float, float]]:
    """Five cells tiling a community's rectangle: three in the upper row, two in the lower.
    Cut positions are rounded once and reused by both neighbours, so shared borders are exact."""
    width, height = x1 - x0, y1 - y0
    ym = round(y0 + height * rng.uniform(0.4, 0.6), 6)
    top = [x0, *(round(x0 + width * (k / 3 + rng.uniform(-0.05, 0.05)), 6) for k in (1, 2)), x1]
    bottom = [x0, round(x0 + width * rng.uniform(0.4, 0.6), 6), x1]
    cells = [(top[i], ym, top[i + 1], y1) for i in range(3)]
    cells += [(bottom[i], y0, bottom[i + 1], ym) for i in range(2)]
    return cells


def _point_in(
    rng: random.Random, cell: tuple[float, float, float, float], low: float = 0.15, high: float = 0.85
) -> tuple[float, float]:
    x0, y0, x1, y1 = cell
    return round(y0 + (y1 - y0) * rng.uniform(low, high), 6), round(x0 + (x1 - x0) * rng.uniform(low, high), 6)


class _People:
    """Realistic names and unique, valid mobile numbers from the plan's random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_phones = set(DEMO_ACCOUNTS)
        self.surname_weights = [1 / (i + 4) for i in range(len(SURNAMES))]

    def name(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=self.surname_weights)[0]
        given = "".join(self.rng.choice(GIVEN_CHARS) for _n in range(1 if self.rng.random() < 0.3 else 2))
        return surname + given

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                normalize_mobile(phone)  # every generated number must pass the login validation
                self.used_phones.add(phone)
                return phone

    def joined(self) -> datetime:
        return BASE_DATE - timedelta(days=self.rng.randrange(30, 720), minutes=self.rng.randrange(600))


def _add_street(
    plan: DemoPlan,
    rng: random.Random,
    hire,
    *,
    d: str,
    district_name: str,
    s: int,
    street_name: str,
    community_names: list[str],
    estate_counts: list[int],
    west: float,
    north: float,
    estate_names: list[str],
    entrances: list[tuple[str, str, str]],
) -> None:
    """One street of a demo district: its communities (a row of the lattice, each cut into five
    grids), their estates, buildings and entrances, party units, police and staff. Appends the
    entrances (entrance code, building code, community code) to `entrances`."""
    street = f"{d}{s + 1:03d}"
    short = street_name.removesuffix("街道")
    plan.add(OrgKind.STREET, street, street_name, d, address=CITY_NAME + district_name + street_name)
    plan.add(OrgKind.PARTY_COMMITTEE, f"{street}P01", f"中共{street_name}工作委员会", street, place=street)
    plan.add(OrgKind.POLICE_STATION, f"{street}S01", f"{short}派出所", street)
    hire(Role.PARTY_ADMIN, f"{street}P01")
    for c, community_name in enumerate(community_names):
        estate_count = estate_counts[c]
        community = f"{street}{c + 1:03d}"
        road = community_name.removesuffix("社区") + "路"
        x0 = round(west + c * COMMUNITY_WIDTH_DEG, 6)
        x1 = round(west + (c + 1) * COMMUNITY_WIDTH_DEG, 6)
        y1 = round(north - s * COMMUNITY_HEIGHT_DEG, 6)
        y0 = round(north - (s + 1) * COMMUNITY_HEIGHT_DEG, 6)
        plan.add(
            OrgKind.COMMUNITY,
            community,
            community_name,
            street,
            lat=round((y0 + y1) / 2, 6),
            lng=round((x0 + x1) / 2, 6),
            address=f"{CITY_NAME}{district_name}{street_name}{road}1号",
        )
        plan.add(OrgKind.PARTY_ORG, f"{community}P01", f"中共{community_name}委员会", community, place=community)
        hire(Role.PARTY_ADMIN, f"{community}P01")
        hire(Role.COMMUNITY_STAFF, community, 3)
        hire(Role.POLICE_OFFICER, community)
        cells = _grid_cells(rng, x0, y0, x1, y1)
        grid_codes = []
        for g, cell in enumerate(cells, start=1):
            code = f"{community}{g:03d}"
            grid_codes.append(code)
            plan.add(
                OrgKind.GRID,
                code,
                f"{community_name.removesuffix('社区')}第{CHINESE_NUMERALS[g - 1]}网格",
                community,
                lat=round((cell[1] + cell[3]) / 2, 6),
                lng=round((cell[0] + cell[2]) / 2, 6),
            )
            plan.boundaries[code] = _rect(*cell)
            hire(Role.GRID_WORKER, code)

        # Estate j sits in grid j mod 5, so every community's first grid (G1 among them) has homes.
        for e in range(estate_count):
            grid_code, cell = grid_codes[e % GRIDS_PER_COMMUNITY], cells[e % GRIDS_PER_COMMUNITY]
            estate = f"{community}E{e + 1:02d}"
            estate_name = estate_names.pop()
            lat, lng = _point_in(rng, cell, 0.35, 0.65)
            address = f"{CITY_NAME}{district_name}{street_name}{road}{rng.randrange(2, 300)}号"
            plan.add(OrgKind.ESTATE, estate, estate_name, community, grid=grid_code, lat=lat, lng=lng, address=address)
            plan.add(OrgKind.PARTY_BRANCH, f"{estate}P01", f"{estate_name}党支部", estate, place=estate)
            company = rng.randrange(len(PROPERTY_COMPANIES))
            office = f"{estate}W01"
            plan.add(
                OrgKind.PROPERTY_COMPANY,
                office,
                f"{PROPERTY_COMPANIES[company]}{estate_name}服务中心",
                estate,
                place=estate,
            )
            hire(Role.PROPERTY_REP, office)
            if rng.random() < 0.6:
                plan.add(OrgKind.OWNERS_COMMITTEE, f"{estate}Y01", f"{estate_name}业主委员会", estate, place=estate)
                hire(Role.OWNERS_COMMITTEE_REP, f"{estate}Y01")
            for b in range(1, rng.randint(3, 8) + 1):
                building = f"{estate}B{b:02d}"
                lat, lng = _point_in(rng, cell)
                plan.add(
                    OrgKind.BUILDING,
                    building,
                    f"{estate_name}{b}号楼",
                    estate,
                    grid=grid_code,
                    lat=lat,
                    lng=lng,
                    address=f"{address}{b}号楼",
                )
                if b <= 2:
                    plan.add(
                        OrgKind.PARTY_GROUP,
                        f"{building}P01",
                        f"{estate_name}{b}号楼党小组",
                        building,
                        place=building,
                    )
                if b == 1 and e == 0:
                    plan.add(
                        OrgKind.PARTY_HOUSEHOLD,
                        f"{building}H01",
                        f"{estate_name}1号楼党员中心户",
                        building,
                        place=building,
                    )
                for u in range(1, rng.randint(1, 3) + 1):
                    entrance = f"{building}U{u:02d}"
                    plan.add(
                        OrgKind.ENTRANCE,
                        entrance,
                        f"{estate_name}{b}号楼{u}单元",
                        building,
                        grid=grid_code,
                        lat=lat,
                        lng=lng,
                        address=f"{address}{b}号楼{u}单元",
                    )
                    entrances.append((entrance, building, community))


def demo_plan(seed: int = DEMO_SEED) -> DemoPlan:
    """Everything the demo district contains, as plain data; the same seed gives the same plan."""
    rng = random.Random(seed)
    plan = DemoPlan()
    people = _People(rng)
    staff: list[tuple[str, list[tuple[str, str]]]] = []  # (name, roles) for generated staff

    def hire(role, org_code, count=1):
        for _n in range(count):
            staff.append((people.name(), [(role, org_code)]))

    d = DISTRICT_CODE
    plan.add(OrgKind.CITY, CITY_CODE, CITY_NAME, lat=CENTRE_LAT, lng=CENTRE_LNG, address=CITY_NAME)
    plan.add(OrgKind.COMMAND_CENTRE, f"{CITY_CODE}C01", "近邻市社会治理综合指挥中心", CITY_CODE)
    plan.add(OrgKind.DISCIPLINE, f"{CITY_CODE}J01", "近邻市纪委监委", CITY_CODE)
    for i, name in enumerate(CITY_DEPARTMENTS, start=1):
        plan.add(OrgKind.DEPARTMENT, f"{CITY_CODE}B{i:02d}", name, CITY_CODE)
    plan.add(
        OrgKind.DISTRICT, d, DISTRICT_NAME, CITY_CODE, lat=CENTRE_LAT, lng=CENTRE_LNG, address=CITY_NAME + DISTRICT_NAME
    )
    plan.add(OrgKind.COMMAND_CENTRE, f"{d}C01", "清溪区社会治理综合指挥中心", d)
    plan.add(OrgKind.DISCIPLINE, f"{d}J01", "清溪区纪委监委", d)
    plan.add(OrgKind.POLICE_STATION, f"{d}S01", "近邻市公安局清溪分局", d)
    for i, name in enumerate(DEPARTMENTS, start=1):
        plan.add(OrgKind.DEPARTMENT, f"{d}B{i:02d}", name, d)
        hire(Role.DEPARTMENT_HANDLER, f"{d}B{i:02d}", 2)
    for i, name in enumerate(PROPERTY_COMPANIES, start=1):
        plan.add(OrgKind.PROPERTY_COMPANY, f"{d}W{i:02d}", name, d)
    plan.add(OrgKind.RESIDENT_UNIT, f"{d}D01", "清溪区实验小学", d)
    plan.add(OrgKind.RESIDENT_UNIT, f"{d}D02", "近邻市第三医院", d)
    plan.add(OrgKind.PROVIDER, f"{d}T01", "清溪阳光社会工作服务中心", d)
    hire(Role.DISPATCHER, d, 2)
    hire(Role.DISCIPLINE_SUPERVISOR, d, 2)
    hire(Role.PLATFORM_ADMIN, d)

    estate_names = rng.sample([p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES], 40)
    west = CENTRE_LNG - 2 * COMMUNITY_WIDTH_DEG
    north = CENTRE_LAT + 1.5 * COMMUNITY_HEIGHT_DEG
    entrances: list[tuple[str, str, str]] = []  # (entrance code, building code, community code)
    for s, (street_name, community_names) in enumerate(STREETS):
        # 40 estates over 12 communities: the first four get 4, the others 3.
        counts = [3 + (s * len(community_names) + c < 4) for c in range(len(community_names))]
        _add_street(
            plan,
            rng,
            hire,
            d=d,
            district_name=DISTRICT_NAME,
            s=s,
            street_name=street_name,
            community_names=community_names,
            estate_counts=counts,
            west=west,
            north=north,
            estate_names=estate_names,
            entrances=entrances,
        )

    for phone, (name, roles) in DEMO_PEOPLE.items():
        plan.people.append(
            PersonSpec(
                phone,
                name,
                tuple(roles),
                BASE_DATE - timedelta(days=365),
                demo=True,
                admin=DEMO_ACCOUNTS[phone] == Role.PLATFORM_ADMIN,
            )
        )
    for name, staff_roles in staff:
        plan.people.append(PersonSpec(people.phone(), name, tuple(staff_roles), people.joined()))
    heads: set[str] = set()
    for _n in range(RESIDENT_COUNT):
        entrance, building, community = rng.choice(entrances)
        roles = [(Role.RESIDENT, entrance)]
        # 一员多责: one resident per building is its 楼栋长, and about one in twenty volunteers.
        if building not in heads:
            heads.add(building)
            roles.append((Role.BUILDING_HEAD, building))
        if rng.random() < 0.05:
            roles.append((Role.VOLUNTEER, community))
        plan.people.append(PersonSpec(people.phone(), people.name(), tuple(roles), people.joined()))
    # Everything after the first district draws from its own generator, so the first district's
    # names, places and people stay those it always had.
    _add_city_and_second_district(plan, random.Random(seed + 1), people.used_phones, entrances)
    return plan


def _add_city_and_second_district(
    plan: DemoPlan, rng: random.Random, used_phones: set[str], entrances_a: list[tuple[str, str, str]]
) -> None:
    """The city's staff, the thirty demo residents of G1's community, and the second district."""
    people = _People(rng)
    people.used_phones = used_phones  # unique across the whole city
    staff: list[tuple[str, list[tuple[str, str]]]] = []

    def hire(role, org_code, count=1):
        for _n in range(count):
            staff.append((people.name(), [(role, org_code)]))

    hire(Role.DISPATCHER, f"{CITY_CODE}C01", 2)
    hire(Role.DISCIPLINE_SUPERVISOR, f"{CITY_CODE}J01")
    hire(Role.PLATFORM_ADMIN, CITY_CODE)
    for i in range(1, len(CITY_DEPARTMENTS) + 1):
        hire(Role.DEPARTMENT_HANDLER, f"{CITY_CODE}B{i:02d}", 2)

    homes = [e for e in entrances_a if e[2] == G1_CODE[:12]]
    for n, phone in enumerate(DEMO_RESIDENTS):
        entrance = homes[n % len(homes)][0]
        plan.people.append(
            PersonSpec(phone, people.name(), ((Role.RESIDENT, entrance),), BASE_DATE - timedelta(days=200), demo=True)
        )

    d = DISTRICT_B_CODE
    west = CENTRE_LNG + 2.5 * COMMUNITY_WIDTH_DEG
    north = CENTRE_LAT + 1.5 * COMMUNITY_HEIGHT_DEG
    plan.add(
        OrgKind.DISTRICT,
        d,
        DISTRICT_B_NAME,
        CITY_CODE,
        lat=round(north - COMMUNITY_HEIGHT_DEG, 6),
        lng=round(west + COMMUNITY_WIDTH_DEG, 6),
        address=CITY_NAME + DISTRICT_B_NAME,
    )
    plan.add(OrgKind.COMMAND_CENTRE, f"{d}C01", "榕江区社会治理综合指挥中心", d)
    plan.add(OrgKind.DISCIPLINE, f"{d}J01", "榕江区纪委监委", d)
    plan.add(OrgKind.POLICE_STATION, f"{d}S01", "近邻市公安局榕江分局", d)
    for i, name in enumerate(DEPARTMENTS_B, start=1):
        plan.add(OrgKind.DEPARTMENT, f"{d}B{i:02d}", name, d)
        hire(Role.DEPARTMENT_HANDLER, f"{d}B{i:02d}", 2)
    plan.add(OrgKind.PROPERTY_COMPANY, f"{d}W01", "榕江物业服务有限公司", d)
    hire(Role.DISPATCHER, d, 2)
    hire(Role.DISCIPLINE_SUPERVISOR, d)

    taken = {u.name for u in plan.units if u.kind == OrgKind.ESTATE}
    pool = sorted({p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES} - taken)
    estate_names = rng.sample(pool, ESTATES_PER_COMMUNITY_B * sum(len(c) for _s, c in STREETS_B))
    entrances: list[tuple[str, str, str]] = []
    for s, (street_name, community_names) in enumerate(STREETS_B):
        _add_street(
            plan,
            rng,
            hire,
            d=d,
            district_name=DISTRICT_B_NAME,
            s=s,
            street_name=street_name,
            community_names=community_names,
            estate_counts=[ESTATES_PER_COMMUNITY_B] * len(community_names),
            west=west,
            north=north,
            estate_names=estate_names,
            entrances=entrances,
        )
    for name, roles in staff:
        plan.people.append(PersonSpec(people.phone(), name, tuple(roles), people.joined()))
    heads: set[str] = set()
    for _n in range(RESIDENT_COUNT_B):
        entrance, building, community = rng.choice(entrances)
        roles = [(Role.RESIDENT, entrance)]
        if building not in heads:
            heads.add(building)
            roles.append((Role.BUILDING_HEAD, building))
        if rng.random() < 0.05:
            roles.append((Role.VOLUNTEER, community))
        plan.people.append(PersonSpec(people.phone(), people.name(), tuple(roles), people.joined()))


class DemoAlreadySeeded(Exception):
    """The database already has an organisation tree; the demo never mixes into real data."""


# Kinds in an order where every unit's parent, grid and place are written before it.
WRITE_ORDER = [
    OrgKind.CITY,
    OrgKind.DISTRICT,
    OrgKind.STREET,
    OrgKind.COMMUNITY,
    OrgKind.GRID,
    OrgKind.ESTATE,
    OrgKind.BUILDING,
    OrgKind.ENTRANCE,
    OrgKind.PARTY_COMMITTEE,
    OrgKind.PARTY_ORG,
    OrgKind.PARTY_BRANCH,
    OrgKind.PARTY_GROUP,
    OrgKind.PARTY_HOUSEHOLD,
    OrgKind.COMMAND_CENTRE,
    OrgKind.DEPARTMENT,
    OrgKind.DISCIPLINE,
    OrgKind.POLICE_STATION,
    OrgKind.PROPERTY_COMPANY,
    OrgKind.OWNERS_COMMITTEE,
    OrgKind.RESIDENT_UNIT,
    OrgKind.PROVIDER,
]
BATCH = 500


@transaction.atomic
def seed_demo(stdout: Any | None = None, seed: int = DEMO_SEED) -> dict:
    """Write the demo district into an empty database and return what was written, by kind.

    Raises DemoAlreadySeeded if any org unit exists. `stdout`, if given, gets a one-line summary
    with the time taken.
    """
    started = time.monotonic()
    if OrgUnit.objects.exists():
        raise DemoAlreadySeeded("The database already has organisation units.")
    plan = demo_plan(seed)

    units: dict[str, OrgUnit] = {}
    by_kind: dict[str, list[UnitSpec]] = {}
    for spec in plan.units:
        by_kind.setdefault(str(spec.kind), []).append(spec)
    for kind in WRITE_ORDER:
        rows = [
            OrgUnit(
                kind=spec.kind,
                code=spec.code,
                name=spec.name,
                parent=units[spec.parent] if spec.parent else None,
                grid=units[spec.grid] if spec.grid else None,
                place=units[spec.place] if spec.place else None,
                lat=spec.lat,
                lng=spec.lng,
                address=spec.address,
                created_at=BASE_DATE,
            )
            for spec in by_kind.get(kind, [])
        ]
        # Primary keys come back from the insert (SQLite ≥ 3.35, PostgreSQL), so children can
        # point at these rows in the next round.
        for unit in OrgUnit.objects.bulk_create(rows, batch_size=BATCH):
            units[unit.code] = unit
    Grid.objects.bulk_create(
        [Grid(unit=units[code], boundary=geo, area_m2=area_m2(shape(geo))) for code, geo in plan.boundaries.items()],
        batch_size=BATCH,
    )

    # One hash for the nine demo accounts: hashing is deliberately slow (a million rounds) and the
    # password is public anyway. Everyone else cannot log in until given a password.
    demo_hash = make_password(DEMO_PASSWORD)
    users = []
    for person in plan.people:
        user = User(
            phone=person.phone,
            phone_digest=User.digest_phone(person.phone),
            name=person.name,
            is_staff=person.admin,
            is_superuser=person.admin,
            date_joined=person.joined,
        )
        if person.demo:
            user.password = demo_hash
        else:
            user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=BATCH)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=role, org=units[org_code], created_at=BASE_DATE)
            for user, person in zip(users, plan.people, strict=True)
            for role, org_code in person.roles
        ],
        batch_size=BATCH,
    )

    counts = {kind: len(specs) for kind, specs in by_kind.items()}
    counts["users"] = len(users)
    counts["residents"] = sum(any(r == Role.RESIDENT for r, _org in p.roles) for p in plan.people)
    counts["role_assignments"] = sum(len(p.roles) for p in plan.people)
    counts["demo_accounts"] = sum(p.demo for p in plan.people)
    audit_record(actor=None, action="seed.demo", obj=units[DISTRICT_CODE], after={"seed": seed, **counts})
    grid_index_invalidate()
    if stdout is not None:
        stdout.write(
            _(
                "Seeded the demo district in %(seconds).1f s: %(streets)d streets, %(communities)d communities, "
                "%(grids)d grids, %(estates)d estates, %(buildings)d buildings, %(departments)d departments, "
                "%(users)d users (%(residents)d residents)."
            )
            % {
                "seconds": time.monotonic() - started,
                "streets": counts[OrgKind.STREET],
                "communities": counts[OrgKind.COMMUNITY],
                "grids": counts[OrgKind.GRID],
                "estates": counts[OrgKind.ESTATE],
                "buildings": counts[OrgKind.BUILDING],
                "departments": counts[OrgKind.DEPARTMENT],
                "users": counts["users"],
                "residents": counts["residents"],
            }
        )
    return counts


__all__ = ["BASE_DATE", "DEMO_SEED", "G1_CODE", "G2_CODE", "DemoAlreadySeeded", "demo_plan", "seed_demo"]
