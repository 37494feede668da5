"""Disclosures (OPEN-1), the registers (OPEN-2) and live decisions (OPEN-4): public reads without
login, staff-only writes in scope, attachments judged by content, the late-item alert, the
append-only seal register, the self-updating live page."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from jinlin.core import events
from jinlin.forum.tests.helpers import Api
from jinlin.openness import selectors, services
from jinlin.openness.models import DisclosureSchedule, SealUse

pytestmark = pytest.mark.django_db
COMMUNITY, OTHER = "350102001001", "350102001002"
STAFF = "13900000003"


def test_anyone_reads_disclosures_without_login_filtered_by_unit_and_kind(tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    services.disclosure_publish(actor=staff, unit=unit, kind="finance", title="11月财务公开")
    services.disclosure_publish(actor=staff, unit=unit, kind="party", title="党费公开")
    api = Api()
    rows = api.get("/api/disclosures", unit_id=unit.pk).json()
    assert {r["title"] for r in rows} == {"11月财务公开", "党费公开"}
    assert [r["title"] for r in api.get("/api/disclosures", unit_id=unit.pk, kind="finance").json()] == ["11月财务公开"]
    assert api.get("/api/disclosures", unit_id=tiny_district.units[OTHER].pk).json() == []
    assert api.get("/api/disclosures", kind="bogus").status_code == 422
    page = Client().get(f"/open/unit/{unit.pk}/", {"q": "党费"})
    assert (
        page.status_code == 200 and "党费公开" in page.content.decode() and "11月财务公开" not in page.content.decode()
    )


def test_only_staff_of_the_place_publish(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    body = {"unit_id": unit.pk, "kind": "affairs", "title": "事前公示：活动室改造", "comment_days": 7}
    created = Api(tiny_district.people[STAFF]).post("/api/disclosures", body)
    assert created.status_code == 201 and created.json()["comment_until"]
    assert Api(tiny_district.people["13900000001"]).post("/api/disclosures", body).status_code == 403
    other = {**body, "unit_id": tiny_district.units[OTHER].pk}
    assert Api(tiny_district.people[STAFF]).post("/api/disclosures", other).status_code == 403
    assert Api().post("/api/disclosures", body).status_code == 401
    assert Api(tiny_district.people[STAFF]).post("/api/disclosures", {**body, "kind": "x"}).status_code == 422


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_attachments_are_judged_by_content_not_name(tiny_district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    pdf = SimpleUploadedFile("账目.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    png = SimpleUploadedFile("照片.jpg", _png())  # named .jpg, is a PNG
    row = services.disclosure_publish(actor=staff, unit=unit, kind="finance", title="附件", attachments=[pdf, png])
    assert sorted(a.content_type for a in row.attachments.all()) == ["application/pdf", "image/png"]
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        services.disclosure_publish(actor=staff, unit=unit, kind="finance", title="假附件", attachments=[fake])


def test_a_scheduled_item_without_its_periods_disclosure_is_late_and_alerted(tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    schedule = services.schedule_add(actor=staff, unit=unit, kind="finance", title="财务月报", responsible=staff)
    assert selectors.period_of(schedule, date(2026, 3, 15)) == ("2026-02", date(2026, 3, 10))
    assert selectors.period_of(schedule, date(2026, 3, 5)) == ("2026-01", date(2026, 2, 10))
    quarterly = DisclosureSchedule(frequency="quarterly", due_day=10)
    assert selectors.period_of(quarterly, date(2026, 4, 20))[0] == "2026Q1"
    assert selectors.period_of(quarterly, date(2026, 1, 5))[0] == "2025Q3"
    late = selectors.late_items(on=date(2026, 3, 15))
    assert [(i["schedule"].pk, i["period"]) for i in late] == [(schedule.pk, "2026-02")]
    seen = []
    events.subscribe("openness.disclosure_late")(seen.append)
    try:
        assert services.late_alerts_run() == 1
    finally:
        events.unsubscribe("openness.disclosure_late", seen.append)
    services.disclosure_publish(
        actor=staff, unit=unit, kind="finance", title="2月", schedule=schedule, period="2026-02"
    )
    assert selectors.late_items(on=date(2026, 3, 15)) == []
    with pytest.raises(ValidationError):
        services.disclosure_publish(
            actor=staff, unit=unit, kind="finance", title="2月again", schedule=schedule, period="2026-02"
        )


def test_the_seal_register_is_append_only_and_published_in_summary(tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    use = services.seal_use_record(actor=staff, unit=unit, user_name="黄丽萍", document="居住证明", approved_by="书记")
    use.document = "改过"
    with pytest.raises(PermissionError):
        use.save()
    with pytest.raises(PermissionError):
        use.delete()
    assert SealUse.objects.get().document == "居住证明"
    assert selectors.seal_summary(unit)[0]["uses"] == 1
    with pytest.raises(PermissionDenied):
        services.seal_use_record(
            actor=tiny_district.people["13900000001"], unit=unit, user_name="x", document="y", approved_by="z"
        )


def test_live_decisions_page_polls_itself_and_answers_the_poll_with_the_stages(tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    decision = services.live_decision_stage(actor=staff, unit=unit, title="门面出租", stage="方案公示")
    services.live_decision_stage(actor=staff, unit=unit, decision=decision, stage="公开竞价")
    page = Client().get(f"/open/unit/{unit.pk}/live/").content.decode()
    assert 'hx-trigger="every 15s"' in page and "公开竞价" in page
    partial = Client().get(f"/open/unit/{unit.pk}/live/", headers={"HX-Request": "true"}).content.decode()
    assert "公开竞价" in partial and "<html" not in partial
