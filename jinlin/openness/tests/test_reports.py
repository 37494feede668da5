"""我要举报 (OPEN-3): a report naming the demo community is invisible to the community's staff
(13900000003) in every list, page, count and API; the discipline supervisor (13900000006) sees
and answers it; the tracking code shows the answer without an account; rate-limited per address."""

import pytest
from django.test import Client

from jinlin.core import events
from jinlin.core.models import AuditEntry
from jinlin.forum.tests.helpers import Api
from jinlin.openness import selectors, services
from jinlin.openness.models import Report

pytestmark = pytest.mark.django_db

COMMUNITY = "350102001001"
STAFF, SUPERVISOR, RESIDENT = "13900000003", "13900000006", "13900000001"


def _page_client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def filed(tiny_district):
    seen = []

    def spy(event):
        seen.append(event.name)

    events.subscribe("*")(spy)
    response = Api().post(
        "/api/reports",
        {
            "unit_id": tiny_district.units[COMMUNITY].pk,
            "subject": "社区主任优亲厚友",
            "body": "低保名单里有亲属",
            "anonymous": True,
        },
    )
    events.unsubscribe("*", spy)
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    return code, Report.objects.get(), seen


def test_anyone_files_a_report_without_an_account_and_gets_an_unguessable_code(filed):
    code, report, _ = filed
    assert len(code) >= 20
    assert report.anonymous and report.reporter is None
    assert code not in report.tracking_digest  # only a digest is stored
    assert Report.objects.filter(tracking_digest=code).count() == 0


def test_the_community_staff_named_never_see_the_report_anywhere(tiny_district, filed):
    _code, report, seen = filed
    staff = tiny_district.people[STAFF]
    api = Api(staff)
    assert api.get("/api/reports").status_code == 404
    assert api.get(f"/api/reports/{report.pk}").status_code == 404
    assert api.post(f"/api/reports/{report.pk}/replies", {"body": "x"}).status_code == 404
    assert selectors.reports_for(staff).count() == 0
    assert selectors.report_search(staff, q="优亲厚友").count() == 0
    pages = _page_client(staff)
    assert pages.get("/open/reports/").status_code == 404
    assert pages.get(f"/open/reports/{report.pk}/").status_code == 404
    for path in ("/", "/open/", f"/open/unit/{report.unit_id}/", "/cases/inbox/"):
        response = pages.get(path)
        assert "优亲厚友" not in response.content.decode(), path
    # Nobody is notified: no event names the report.
    assert not [name for name in seen if name.startswith("openness.report")]
    # The audit entry says only that a report came in.
    entry = AuditEntry.objects.get(action="openness.report")
    assert "优亲厚友" not in entry.object_repr and entry.actor is None


def test_other_people_and_anonymous_callers_get_404_too(tiny_district, filed):
    _code, report, _ = filed
    for phone in (RESIDENT, "13900000004", "13900000005"):
        assert Api(tiny_district.people[phone]).get(f"/api/reports/{report.pk}").status_code == 404
    assert Api().get("/api/reports").status_code == 404
    assert Api().get(f"/api/reports/{report.pk}").status_code == 404


def test_the_discipline_supervisor_sees_and_answers_it_and_the_code_shows_the_answer(tiny_district, filed):
    code, report, _ = filed
    api = Api(tiny_district.people[SUPERVISOR])
    listed = api.get("/api/reports").json()
    assert [r["id"] for r in listed] == [report.pk]
    assert api.get(f"/api/reports/{report.pk}").json()["body"] == "低保名单里有亲属"
    answered = api.post(f"/api/reports/{report.pk}/replies", {"body": "已受理，正在核查。", "status": "handling"})
    assert answered.status_code == 201
    tracked = Api().get(f"/api/reports/track/{code}")
    assert tracked.status_code == 200
    body = tracked.json()
    assert body["status"] == "handling"
    assert [r["body"] for r in body["replies"]] == ["已受理，正在核查。"]
    assert set(body["replies"][0]) == {"at", "body"}
    # The tracking page, without login.
    page = Client().post("/open/report/track/", {"code": code})
    assert "已受理，正在核查。" in page.content.decode()
    assert Api().get("/api/reports/track/not-a-real-code").status_code == 404


def test_the_supervisor_pages_list_and_answer(tiny_district, filed):
    _code, report, _ = filed
    pages = _page_client(tiny_district.people[SUPERVISOR])
    assert "社区主任优亲厚友" in pages.get("/open/reports/").content.decode()
    response = pages.post(f"/open/reports/{report.pk}/", {"body": "查实，已处理。", "status": "closed"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed"


def test_a_signed_in_reporter_may_give_their_name(tiny_district):
    resident = tiny_district.people[RESIDENT]
    report, _code = services.report_submit(
        actor=resident, unit=tiny_district.units[COMMUNITY], subject="s", body="b", anonymous=False
    )
    assert report.reporter == resident and not report.anonymous


def test_reports_are_rate_limited_per_address(tiny_district):
    api = Api()
    unit = tiny_district.units[COMMUNITY]
    codes = [
        api.post(
            "/api/reports", {"unit_id": unit.pk, "subject": f"事{i}", "body": "内容", "anonymous": True}
        ).status_code
        for i in range(services.REPORTS_PER_HOUR + 1)
    ]
    assert codes[:-1] == [201] * services.REPORTS_PER_HOUR
    assert codes[-1] == 429


def test_a_report_with_an_empty_body_is_422(tiny_district):
    response = Api().post(
        "/api/reports", {"unit_id": tiny_district.units[COMMUNITY].pk, "subject": "s", "body": " ", "anonymous": True}
    )
    assert response.status_code == 422
