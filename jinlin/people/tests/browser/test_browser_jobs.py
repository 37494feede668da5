"""Jobs (订单式就业) in Chromium on a 390 px phone: community staff create a vacancy, find the
matching seeker, and record them hired with a note.

Screenshots go to test-artifacts/screenshots/people-jobs-*.png; the chosen one is copied to docs/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from jinlin.people.models import JobMatch, Resident, Seeker, Vacancy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF, G1 = "13900000003", "350102001001001"
PHONE = {"width": 390, "height": 844}


def test_staff_create_a_vacancy_match_a_seeker_and_record_hired_on_a_phone(page, login_as, screenshot, district):
    Seeker.objects.all().delete()  # the demo's seekers: this test states its own
    resident = Resident.objects.filter(scope_code=G1).order_by("id").first()
    seeker = Seeker.objects.create(resident=resident, skills="电工,驾驶", min_pay=4000, near_code=G1, scope_code=G1)
    page.set_viewport_size(PHONE)
    login_as(page, STAFF)
    page.goto("/people/jobs/")
    expect(page.locator("[data-empty]")).to_be_visible()
    page.click("[data-vacancy-new]")
    page.fill("input[name=employer]", "清溪物业服务有限公司")
    page.fill("input[name=title]", "水电维修工")
    page.fill("input[name=skills]", "电工,维修")
    page.select_option("select[name=place_code]", G1)
    page.fill("input[name=pay]", "4500")
    page.fill("input[name=pay_max]", "5500")
    page.fill("input[name=openings]", "2")
    page.click("[data-vacancy-form] button[type=submit]")
    expect(page.locator("[data-vacancy]")).to_contain_text("4500–5500")
    page.click("[data-find-matches]")
    match = page.locator(f"[data-match='{seeker.pk}']")
    expect(match).to_contain_text(resident.name)
    expect(match.locator("[data-why]")).to_contain_text("电工")
    match.locator("input[name=note]").fill("下周一到岗")
    screenshot(page, "people-jobs-match-phone")
    match.locator("button[value=hired]").click()
    expect(page.locator(f"[data-match='{seeker.pk}'] [data-match-status]")).to_have_text("已录用")
    record = JobMatch.objects.get(seeker=seeker, vacancy=Vacancy.objects.get())
    assert record.status == "hired" and record.note == "下周一到岗"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "people-jobs-hired-phone")
    assert not page.console_errors
