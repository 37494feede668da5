"""The contract of issue 15, from outside: paths, fields and status codes exactly as written."""

import pytest
from django.test import Client

from jinlin.core.services import api_token_issue
from jinlin.volunteers import ledger
from jinlin.volunteers.models import PartyMember, PartyPost, PointItem


class Api:
    def __init__(self, user):
        key, _ = api_token_issue(user=user)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def get(self, path, **params):
        return self.client.get(f"/api{path}", params)

    def post(self, path, data=None):
        return self.client.post(f"/api{path}", data or {}, content_type="application/json")


@pytest.fixture
def apis(tb):
    return {name: Api(getattr(tb, name)) for name in ("volunteer", "elder", "staff", "party_admin")}


def test_need_to_credit_to_redeem_through_the_api(tb, apis):
    elder, vol = apis["elder"], apis["volunteer"]
    r = elder.post("/timebank/needs", {"title": "帮忙买菜", "description": "腿脚不便", "hours": "1.5"})
    assert r.status_code == 201 and r.json()["status"] == "open"
    need_id = r.json()["id"]
    assert vol.post(f"/timebank/needs/{need_id}/confirm").status_code == 409  # not served yet
    assert vol.post(f"/timebank/needs/{need_id}/take").json()["status"] == "taken"
    assert elder.post(f"/timebank/needs/{need_id}/done", {"hours": "2"}).status_code == 403  # not the volunteer
    assert vol.post(f"/timebank/needs/{need_id}/done", {"hours": "2"}).json()["status"] == "served"
    assert vol.post(f"/timebank/needs/{need_id}/confirm").status_code == 403  # the volunteer cannot confirm
    assert elder.post(f"/timebank/needs/{need_id}/confirm").json()["status"] == "confirmed"
    account = vol.get("/timebank/account").json()
    assert account["balance"] == "2.00"
    [entry] = account["entries"]
    assert set(entry) == {"at", "amount", "kind", "counterparty", "memo"}
    assert entry["kind"] == "service" and entry["memo"] == "帮忙买菜" and "发行账户" in entry["counterparty"]

    from jinlin.volunteers import services

    reward = services.reward_create(actor=tb.staff, community=tb.community, name="爱心理发", cost="1.5", stock=1)
    assert [r["id"] for r in vol.get("/timebank/rewards").json()] == [reward.pk]
    r = vol.post("/timebank/redeem", {"reward_id": reward.pk})
    assert r.status_code == 201 and r.json()["balance"] == "0.50" and r.json()["stock"] == 0
    r = vol.post("/timebank/redeem", {"reward_id": reward.pk})
    assert r.status_code == 409 and "兑完" in r.json()["detail"]
    reward2 = services.reward_create(actor=tb.staff, community=tb.community, name="粮油", cost="3", stock=5)
    r = vol.post("/timebank/redeem", {"reward_id": reward2.pk})
    assert r.status_code == 409 and "余额不足" in r.json()["detail"]
    assert ledger.ledger_verify()["ok"]


def test_a_dispute_needs_a_reason_and_staff_may_then_confirm_for_the_elder(tb, apis):
    elder, vol, staff = apis["elder"], apis["volunteer"], apis["staff"]
    need_id = elder.post("/timebank/needs", {"title": "修水龙头", "hours": "1"}).json()["id"]
    vol.post(f"/timebank/needs/{need_id}/take")
    vol.post(f"/timebank/needs/{need_id}/done", {"hours": "3"})
    assert elder.post(f"/timebank/needs/{need_id}/dispute", {"reason": " "}).status_code == 422
    assert elder.post(f"/timebank/needs/{need_id}/dispute", {"reason": "只用了一小时"}).json()["status"] == "disputed"
    assert staff.post(f"/timebank/needs/{need_id}/confirm").json()["status"] == "confirmed"


def test_bad_hours_are_422_and_needs_of_others_are_404(tb, apis):
    elder = apis["elder"]
    assert elder.post("/timebank/needs", {"title": "x", "hours": "0"}).status_code == 422
    assert elder.post("/timebank/needs", {"title": "x", "hours": "30"}).status_code == 422
    need_id = elder.post("/timebank/needs", {"title": "陪聊", "hours": "1"}).json()["id"]
    other = Api(tb.people["13900000005"])  # a department handler elsewhere
    assert other.get(f"/timebank/needs/{need_id}").status_code == 404
    assert other.post(f"/timebank/needs/{need_id}/take").status_code == 404


def test_wish_post_claim_fulfil_thank_and_the_wall_has_no_names(tb, apis):
    elder, vol = apis["elder"], apis["volunteer"]
    r = elder.post("/wishes", {"title": "想要一台收音机", "description": "听戏"})
    assert r.status_code == 201
    wish_id = r.json()["id"]
    assert elder.post(f"/wishes/{wish_id}/claim").status_code == 403  # not one's own wish
    foreign = tb.units["350102B01"].pk  # a department the volunteer does not belong to
    assert vol.post(f"/wishes/{wish_id}/claim", {"unit_id": foreign}).status_code == 403
    assert vol.post(f"/wishes/{wish_id}/claim").json()["status"] == "claimed"
    assert vol.client.post(f"/api/wishes/{wish_id}/fulfil").json()["status"] == "fulfilled"
    assert elder.post(f"/wishes/{wish_id}/thank", {"message": "谢谢小林"}).json()["status"] == "thanked"
    wall = Client().get("/api/wishes/wall").json()
    assert wall[0]["title"] == "想要一台收音机"
    text = str(wall)
    assert tb.elder.name not in text and tb.volunteer.name not in text


def test_report_in_claim_a_post_record_points_approve_and_rank(tb, apis):
    vol, admin = apis["volunteer"], apis["party_admin"]
    post = PartyPost.objects.create(community=tb.community, scope_code=tb.community.code, title="楼道长助理", places=1)
    assert vol.post(f"/party/posts/{post.pk}/claim").status_code in (403, 404)  # not reported in yet
    r = vol.post("/party/report-in", {"community_id": tb.community.pk})
    assert r.status_code == 201
    assert [p["id"] for p in vol.get("/party/posts").json()] == [post.pk]
    r = vol.post(f"/party/posts/{post.pk}/claim")
    assert r.status_code == 201
    assert vol.post(f"/party/posts/{post.pk}/claim").status_code == 409
    member = PartyMember.objects.get(user=tb.volunteer)
    PointItem.objects.create(org=tb.committee, code="P01", name="参加志愿服务", points=5, cap=10)
    r = admin.post("/party/points", {"member_id": member.pk, "item_code": "P01", "note": "参加敬老服务"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert vol.post(f"/party/points/{r.json()['id']}/decide", {"approve": True}).status_code == 403
    assert admin.post(f"/party/points/{r.json()['id']}/decide", {"approve": True}).json()["status"] == "approved"
    ranks = admin.get("/party/rankings", unit_id=tb.community.pk).json()
    assert ranks[0]["member_id"] == member.pk and ranks[0]["points"] == "5.00" and ranks[0]["rank"] == 1
    assert admin.post("/party/points", {"member_id": member.pk, "item_code": "NOPE", "note": "x"}).status_code == 422
    for _ in range(2):
        rid = admin.post("/party/points", {"member_id": member.pk, "item_code": "P01", "note": "再次"}).json()["id"]
        last = admin.post(f"/party/points/{rid}/decide", {"approve": True})
    assert last.status_code == 409  # the cap of 10 a year
    assert ledger.ledger_verify()["ok"]
