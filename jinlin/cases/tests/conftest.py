"""A small district for the case tests, built through the core services as production would:
two streets, a community and a grid in each (with boundaries), an estate, two departments, a
police station, the command centre, the discipline office, and one person per role."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from jinlin.cases.models import Category, LimitUnit, SlaPolicy, Tier
from jinlin.core import services as core
from jinlin.core.models import Grid, OrgKind, Role

PASSWORD = "correct-horse-42"
TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in an ordinary working week (no holiday near it).
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=TZ)


def rect(lng0, lat0, lng1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]]}


# A point inside each grid (lat, lng).
G1_POINT = (26.085, 119.305)
G2_POINT = (26.085, 119.325)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # A dozen accounts per test: the production hasher would make the suite crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    create = core.org_unit_create
    district = create(actor=None, kind=OrgKind.DISTRICT, code="350102", name="清溪区")
    street_a = create(actor=None, kind=OrgKind.STREET, code="350102001", name="东街街道", parent=district)
    street_b = create(actor=None, kind=OrgKind.STREET, code="350102002", name="西湖街道", parent=district)
    community_a = create(actor=None, kind=OrgKind.COMMUNITY, code="350102001001", name="桂香社区", parent=street_a)
    community_b = create(actor=None, kind=OrgKind.COMMUNITY, code="350102002001", name="湖滨社区", parent=street_b)
    g1 = create(actor=None, kind=OrgKind.GRID, code="350102001001001", name="桂香一网格", parent=community_a)
    g2 = create(actor=None, kind=OrgKind.GRID, code="350102002001001", name="湖滨一网格", parent=community_b)
    Grid.objects.create(unit=g1, boundary=rect(119.30, 26.08, 119.31, 26.09))
    Grid.objects.create(unit=g2, boundary=rect(119.32, 26.08, 119.33, 26.09))
    estate = create(
        actor=None, kind=OrgKind.ESTATE, code="350102001001E01", name="桂香小区", parent=community_a, grid=g1
    )
    building = create(
        actor=None, kind=OrgKind.BUILDING, code="350102001001E01B01", name="1号楼", parent=estate, grid=g1
    )
    housing = create(actor=None, kind=OrgKind.DEPARTMENT, code="350102B01", name="区住房和城乡建设局", parent=district)
    urban = create(actor=None, kind=OrgKind.DEPARTMENT, code="350102B02", name="区城市管理局", parent=district)
    police = create(actor=None, kind=OrgKind.POLICE_STATION, code="350102001P01", name="东街派出所", parent=street_a)
    centre = create(actor=None, kind=OrgKind.COMMAND_CENTRE, code="350102C01", name="区指挥中心", parent=district)
    discipline = create(actor=None, kind=OrgKind.DISCIPLINE, code="350102D01", name="区纪委监委", parent=district)
    return SimpleNamespace(**locals())


@pytest.fixture
def people(org):
    def person(phone, name, role, unit):
        return core.user_create(actor=None, phone=phone, name=name, password=PASSWORD, roles=[(role, unit)])

    return SimpleNamespace(
        resident=person("13800000001", "王小明", Role.RESIDENT, org.building),
        neighbour=person("13800000002", "李阿姨", Role.RESIDENT, org.building),
        resident_b=person("13800000003", "赵先生", Role.RESIDENT, org.g2),
        worker1=person("13800000011", "陈网格", Role.GRID_WORKER, org.g1),
        worker2=person("13800000012", "林网格", Role.GRID_WORKER, org.g2),
        staff_a=person("13800000013", "黄社工", Role.COMMUNITY_STAFF, org.community_a),
        dispatcher=person("13800000014", "周调度", Role.DISPATCHER, org.centre),
        handler=person("13800000015", "吴承办", Role.DEPARTMENT_HANDLER, org.housing),
        handler2=person("13800000016", "郑承办", Role.DEPARTMENT_HANDLER, org.housing),
        urban_handler=person("13800000017", "孙城管", Role.DEPARTMENT_HANDLER, org.urban),
        supervisor=person("13800000018", "钱纪委", Role.DISCIPLINE_SUPERVISOR, org.discipline),
        officer=person("13800000019", "冯民警", Role.POLICE_OFFICER, org.police),
    )


@pytest.fixture
def categories(org):
    lamp = Category.objects.create(code="streetlight", name="路灯", department=org.urban)
    property_ = Category.objects.create(code="property", name="物业", department=org.housing)
    water = Category.objects.create(code="water", name="供水", department=org.housing, default_tier=Tier.KEY)
    SlaPolicy.objects.create(category=lamp, tier=Tier.NORMAL, limit_amount=5, limit_unit=LimitUnit.WORKING_DAYS)
    # Utilities: 24 natural hours (Beijing), urged 4 hours before.
    SlaPolicy.objects.create(
        category=water, tier=Tier.KEY, limit_amount=24, limit_unit=LimitUnit.NATURAL_HOURS, urge_before_hours=4
    )
    SlaPolicy.objects.create(category=None, tier=Tier.KEY, limit_amount=3, limit_unit=LimitUnit.WORKING_DAYS)
    SlaPolicy.objects.create(category=None, tier=Tier.HARD, limit_amount=2, limit_unit=LimitUnit.NATURAL_HOURS)
    return SimpleNamespace(lamp=lamp, property=property_, water=water)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
