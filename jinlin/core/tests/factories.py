"""A small org tree for tests: one district, two streets, two communities, a grid in each,
a department, the command centre — built through the services, as production would."""

from dataclasses import dataclass

from jinlin.core import services
from jinlin.core.models import OrgKind, OrgUnit, User

PASSWORD = "correct-horse-42"


@dataclass
class Tree:
    district: OrgUnit
    street_a: OrgUnit
    street_b: OrgUnit
    community_a: OrgUnit
    community_b: OrgUnit
    grid_a: OrgUnit
    grid_b: OrgUnit
    building_a: OrgUnit
    department: OrgUnit
    centre: OrgUnit


def make_tree() -> Tree:
    create = services.org_unit_create
    district = create(actor=None, kind=OrgKind.DISTRICT, code="350102", name="清溪区")
    street_a = create(actor=None, kind=OrgKind.STREET, code="350102001", name="东街街道", parent=district)
    street_b = create(actor=None, kind=OrgKind.STREET, code="350102002", name="西湖街道", parent=district)
    community_a = create(actor=None, kind=OrgKind.COMMUNITY, code="350102001001", name="桂香社区", parent=street_a)
    community_b = create(actor=None, kind=OrgKind.COMMUNITY, code="350102002001", name="湖滨社区", parent=street_b)
    grid_a = create(actor=None, kind=OrgKind.GRID, code="350102001001001", name="桂香一网格", parent=community_a)
    grid_b = create(actor=None, kind=OrgKind.GRID, code="350102002001001", name="湖滨一网格", parent=community_b)
    estate = create(
        actor=None, kind=OrgKind.ESTATE, code="350102001001E01", name="桂香小区", parent=community_a, grid=grid_a
    )
    building_a = create(
        actor=None, kind=OrgKind.BUILDING, code="350102001001E01B01", name="1号楼", parent=estate, grid=grid_a
    )
    department = create(
        actor=None, kind=OrgKind.DEPARTMENT, code="350102B01", name="区住房和城乡建设局", parent=district
    )
    centre = create(actor=None, kind=OrgKind.COMMAND_CENTRE, code="350102C01", name="区指挥中心", parent=district)
    return Tree(district, street_a, street_b, community_a, community_b, grid_a, grid_b, building_a, department, centre)


def make_user(phone: str, role: str | None = None, org: OrgUnit | None = None, name: str = "测试用户") -> User:
    roles = [(role, org)] if role else []
    return services.user_create(actor=None, phone=phone, name=name, password=PASSWORD, roles=roles)


@dataclass
class City:
    """A city (3501) with its own command centre, discipline office and a department, above the
    district of make_tree (350102) and a second district (350103) with one street, community
    and grid."""

    city: OrgUnit
    centre: OrgUnit
    discipline: OrgUnit
    department: OrgUnit
    tree: Tree
    district_b: OrgUnit
    street_b: OrgUnit
    community_b: OrgUnit
    grid_b: OrgUnit
    centre_b: OrgUnit


def make_city() -> City:
    create = services.org_unit_create
    city = create(actor=None, kind=OrgKind.CITY, code="3501", name="近邻市")
    centre = create(actor=None, kind=OrgKind.COMMAND_CENTRE, code="3501C01", name="市指挥中心", parent=city)
    discipline = create(actor=None, kind=OrgKind.DISCIPLINE, code="3501J01", name="市纪委监委", parent=city)
    department = create(actor=None, kind=OrgKind.DEPARTMENT, code="3501B01", name="市住房和城乡建设局", parent=city)
    tree = make_tree()
    OrgUnit.objects.filter(pk=tree.district.pk).update(parent=city)
    tree.district.refresh_from_db()
    district_b = create(actor=None, kind=OrgKind.DISTRICT, code="350103", name="松岭区", parent=city)
    street_b = create(actor=None, kind=OrgKind.STREET, code="350103001", name="松岭街道", parent=district_b)
    community_b = create(actor=None, kind=OrgKind.COMMUNITY, code="350103001001", name="松风社区", parent=street_b)
    grid_b = create(actor=None, kind=OrgKind.GRID, code="350103001001001", name="松风一网格", parent=community_b)
    centre_b = create(
        actor=None, kind=OrgKind.COMMAND_CENTRE, code="350103C01", name="松岭区指挥中心", parent=district_b
    )
    return City(city, centre, discipline, department, tree, district_b, street_b, community_b, grid_b, centre_b)
