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
