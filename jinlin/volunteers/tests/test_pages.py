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


def test_points_export_is_an_excel_sheet_per_work_unit_and_is_audited(tb):
    from io import BytesIO

    from openpyxl import load_workbook

    from jinlin.core.models import AuditEntry
    from jinlin.volunteers import party
    from jinlin.volunteers.models import PointItem

    member = party.report_in(actor=tb.volunteer, community=tb.community, work_unit=tb.units["350102B01"])
    PointItem.objects.create(org=tb.committee, code="P02", name="参加志愿服务", points=3)
    record = party.points_record(actor=tb.party_admin, member=member, item_code="P02", note="敬老")
    party.points_decide(actor=tb.party_admin, record=record, approve=True)
    r = client_for(tb.party_admin).get("/volunteers/party/points/export.xlsx")
    assert r.status_code == 200
    book = load_workbook(BytesIO(r.content))
    assert book.sheetnames == ["区住房和城乡建设局"]
    rows = list(book.active.values)
    assert rows[1][0] == "林秀英" and rows[1][4] == 3 and rows[-1][3] == "合计"
    assert AuditEntry.objects.filter(action="party.points_export").exists()
    assert client_for(tb.elder).get("/volunteers/party/points/export.xlsx").status_code == 403


def test_a_resident_signs_up_for_a_mutual_aid_project(tb):
    from jinlin.volunteers import wishes

    project = wishes.aid_project_create(actor=tb.staff, community=tb.community, title="四点半课堂", places=1)
    c = client_for(tb.elder)
    assert "四点半课堂" in c.get("/volunteers/wishes/").content.decode()
    r = c.post(f"/volunteers/aid/{project.pk}/signup/", follow=True)
    assert "报名成功" in r.content.decode()
    r = client_for(tb.volunteer).post(f"/volunteers/aid/{project.pk}/signup/", follow=True)
    assert "名额已满" in r.content.decode()


def test_messages_read_in_english_when_asked(tb):
    c = client_for(tb.elder)
    r = c.post("/volunteers/orders/new/", {"title": "", "hours": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Say what help you need." in r.content.decode()


def test_staff_form_a_team_on_the_page(tb):
    r = client_for(tb.staff).post(
        "/volunteers/staff/teams/new/", {"name": "桂香银发服务队", "kind": "silver"}, follow=True
    )
    assert "服务队已建立" in r.content.decode() and "桂香银发服务队" in r.content.decode()
    r = client_for(tb.elder).post("/volunteers/staff/teams/new/", {"name": "x", "kind": "silver"}, follow=True)
    assert "服务队已建立" not in r.content.decode()
