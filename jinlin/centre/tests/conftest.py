"""A community station with rooms for the centre's tests, on the tiny district of the root conftest."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jinlin.centre.models import Centre, CentreKind, GovItem, Room, RoomKind
from jinlin.core import services as core_services
from jinlin.core.models import Role

STAFF = "13900000003"
RESIDENT = "13900000001"


@pytest.fixture
def station(tiny_district):
    units = tiny_district.units
    community = units["350102001001"]
    centre = Centre.objects.create(
        unit=community,
        kind=CentreKind.STATION,
        name="桂香社区邻里驿站",
        address="桂香路1号",
        lat=26.085,
        lng=119.305,
        opens_at=time(8, 0),
        closes_at=time(21, 0),
    )
    room = Room.objects.create(
        centre=centre, name="邻里会客厅", kind=RoomKind.PARLOUR, buffer_minutes=15, max_minutes=240
    )
    other = Centre.objects.create(unit=units["350102001002"], name="溪畔社区邻里驿站", lat=26.2, lng=119.4)
    return SimpleNamespace(
        centre=centre,
        room=room,
        other=other,
        staff=tiny_district.people[STAFF],
        resident=tiny_district.people[RESIDENT],
        district=tiny_district,
    )


@pytest.fixture
def item(db):
    return GovItem.objects.create(
        code="MZ-001",
        name="高龄津贴申领",
        category="民政服务",
        department="区民政局",
        steps=["提交申请", "社区初审", "民政局审核", "发放"],
        materials=["身份证", "户口簿"],
        promised_days=5,
        can_proxy=True,
        can_home_visit=True,
    )


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def make_residents(district, n: int, start: int = 100):
    estate = district.units["350102001001E01"]
    return [
        core_services.user_create(
            actor=None, phone=f"137{start + i:08d}", name=f"居民{i}", password=None, roles=[(Role.RESIDENT, estate)]
        )
        for i in range(n)
    ]
