"""The tiny district (root conftest) plus what the time bank needs: an approved volunteer (the
demo resident 13900000001), an elder living alone in the same community (13900000012) and a
party admin bound to the street's party working committee (13900000011)."""

from types import SimpleNamespace

import pytest

from jinlin.core import services as core
from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.core.models import OrgKind, Role
from jinlin.volunteers import ledger, services
from jinlin.volunteers.models import Volunteer, VolunteerStatus


@pytest.fixture
def tb(tiny_district):
    units, people = tiny_district.units, tiny_district.people
    community = units["350102001001"]
    committee = core.org_unit_create(
        actor=None, kind=OrgKind.PARTY_COMMITTEE, code="350102001P01", name="清溪街道党工委", parent=units["350102001"]
    )
    elder = core.user_create(
        actor=None,
        phone="13900000012",
        name="王阿婆",
        password=DEMO_PASSWORD,
        roles=[(Role.RESIDENT, units["350102001001E01"])],
    )
    party_admin = core.user_create(
        actor=None, phone="13900000011", name="蔡党建", password=DEMO_PASSWORD, roles=[(Role.PARTY_ADMIN, committee)]
    )
    resident = people["13900000001"]
    staff = people["13900000003"]
    vol = services.volunteer_apply(actor=resident, skills="理发,维修", availability="周末", place="丹桂花园")
    services.volunteer_decide(actor=staff, volunteer=vol, approve=True)
    assert Volunteer.objects.get(pk=vol.pk).status == VolunteerStatus.APPROVED
    resident.__dict__.pop("_jinlin_roles", None)
    return SimpleNamespace(
        units=units,
        people=people,
        community=community,
        committee=committee,
        volunteer=resident,
        elder=elder,
        staff=staff,
        party_admin=party_admin,
        issuing=ledger.issuing_account(community),
    )


def served_and_confirmed(tb, hours="2"):
    need = services.need_post(actor=tb.elder, title="陪同去医院", hours=hours)
    services.need_take(actor=tb.volunteer, need=need)
    services.need_done(actor=tb.volunteer, need=need, hours=hours)
    return services.need_confirm(actor=tb.elder, need=need)
