"""The pages answer each role, and a need goes round the loop through the pages' forms."""

import pytest
from django.test import Client

from jinlin.volunteers import services
from jinlin.volunteers.models import Need, NeedStatus, PartyPost


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


PAGES = [
    "/volunteers/orders/",
    "/volunteers/ledger/",
    "/volunteers/wishes/",
    "/volunteers/party/",
    "/volunteers/party/points/",
]


@pytest.mark.parametrize("who", ["volunteer", "elder", "staff", "party_admin"])
def test_every_page_opens_for_every_role(tb, who):
    c = client_for(getattr(tb, who))
    for path in PAGES:
        assert c.get(path).status_code == 200, path
    staff_only = c.get("/volunteers/staff/").status_code
    assert staff_only == (200 if who in ("staff", "party_admin") else 403)
    assert Client().get("/volunteers/wishes/wall/").status_code == 200


def test_the_loop_through_the_pages(tb):
    elder, vol, staff = client_for(tb.elder), client_for(tb.volunteer), client_for(tb.staff)
    r = elder.post("/volunteers/orders/new/", {"title": "帮忙搬米", "hours": "1"}, follow=True)
    assert "需求已发布" in r.content.decode()
    need = Need.objects.get(title="帮忙搬米")
    assert 'data-do="take"' in vol.get("/volunteers/orders/").content.decode()
    vol.post(f"/volunteers/orders/{need.pk}/take/")
    vol.post(f"/volunteers/orders/{need.pk}/done/", {"hours": "1.5"})
    r = elder.post(f"/volunteers/orders/{need.pk}/confirm/", follow=True)
    assert "已确认" in r.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.CONFIRMED
    page = vol.get("/volunteers/ledger/").content.decode()
    assert "1.50" in page and "帮忙搬米" in page
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="理发券", cost="1", stock=1)
    r = vol.post(f"/volunteers/rewards/{reward.pk}/redeem/", follow=True)
    assert "兑换成功" in r.content.decode()
    r = vol.post(f"/volunteers/rewards/{reward.pk}/redeem/", follow=True)
    assert "已兑完" in r.content.decode()
    # Staff: a served need confirmed for an elder; the stock table shows the reward.
    assert "理发券" in staff.get("/volunteers/staff/").content.decode()


def test_staff_approve_an_application_on_the_page(tb):
    someone = tb.people["13900000002"]
    vol = services.volunteer_apply(actor=someone, skills="维修")
    staff = client_for(tb.staff)
    assert f'data-volunteer="{vol.pk}"' in staff.get("/volunteers/staff/").content.decode()
    r = staff.post(f"/volunteers/staff/volunteers/{vol.pk}/decide/", {"approve": "1"}, follow=True)
    assert "已通过审核" in r.content.decode()


def test_a_member_reports_in_and_claims_a_post_on_the_page(tb):
    post = PartyPost.objects.create(community=tb.community, scope_code=tb.community.code, title="文明劝导岗")
    c = client_for(tb.elder)
    r = c.post("/volunteers/party/report-in/", {"community_id": tb.community.pk}, follow=True)
    assert "已到" in r.content.decode() and "文明劝导岗" in r.content.decode()
    r = c.post(f"/volunteers/party/posts/{post.pk}/claim/", follow=True)
    assert "认领成功" in r.content.decode()
