"""The tiny district (root conftest) with buildings and entrances in G1 and in G2's community, and
the demo registry seeded on it: a grid worker of each grid, community staff, police, the elder."""

from types import SimpleNamespace

import pytest

from jinlin.core import services as core
from jinlin.core.models import OrgKind, Role
from jinlin.people.demo import seed_people_demo

G1 = "350102001001001"
G2 = "350102001002001"


@pytest.fixture
def district(tiny_district):
    units = tiny_district.units
    create = core.org_unit_create
    estate1 = units["350102001001E01"]
    b1 = create(actor=None, kind=OrgKind.BUILDING, code="350102001001E01B01", name="丹桂花园1号楼", parent=estate1,
                grid=units[G1], address="清溪区桂香路8号丹桂花园1号楼")  # fmt: skip
    e11 = create(actor=None, kind=OrgKind.ENTRANCE, code="350102001001E01B01U01", name="丹桂花园1号楼1单元", parent=b1,
                 grid=units[G1], address="清溪区桂香路8号丹桂花园1号楼1单元")  # fmt: skip
    e12 = create(actor=None, kind=OrgKind.ENTRANCE, code="350102001001E01B01U02", name="丹桂花园1号楼2单元", parent=b1,
                 grid=units[G1], address="清溪区桂香路8号丹桂花园1号楼2单元")  # fmt: skip
    community2 = units["350102001002"]
    estate2 = create(actor=None, kind=OrgKind.ESTATE, code="350102001002E01", name="溪畔雅苑", parent=community2,
                     grid=units[G2])  # fmt: skip
    b2 = create(actor=None, kind=OrgKind.BUILDING, code="350102001002E01B01", name="溪畔雅苑1号楼", parent=estate2,
                grid=units[G2], address="清溪区溪畔路2号溪畔雅苑1号楼")  # fmt: skip
    units.update({u.code: u for u in (b1, e11, e12, estate2, b2)})
    # A few more residents with accounts, in both communities, as the demo has 2,000 of them.
    for i, (code, name) in enumerate(
        [(e11.code, "王芳"), (e12.code, "赵磊"), (e12.code, "孙丽"), (b2.code, "周杰"), (b2.code, "吴敏")], start=1
    ):
        tiny_district.people[f"1380000000{i}"] = core.user_create(
            actor=None, phone=f"1380000000{i}", name=name, roles=[(Role.RESIDENT, units[code])]
        )
    # 13900000001 lives in entrance 1 of building 1 (the tiny district binds them to the estate).
    counts = seed_people_demo()
    return SimpleNamespace(units=units, people=tiny_district.people, counts=counts)


class Api:
    """A test client speaking as one user, with a bearer token."""

    def __init__(self, user, language="zh-hans"):
        from django.test import Client

        from jinlin.core.services import api_token_issue

        key, _ = api_token_issue(user=user)
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {key}", "Accept-Language": language}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            path, body if body is not None else {}, content_type="application/json", headers=self.headers
        )

    def upload(self, path, name, data, content_type="application/octet-stream"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(path, {"file": SimpleUploadedFile(name, data, content_type)}, headers=self.headers)


@pytest.fixture
def as_(district):
    return lambda phone, **kw: Api(district.people[phone], **kw)
