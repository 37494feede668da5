"""Disputes and emergencies in Chromium on a 390 px phone: a grid worker opens a dispute with its two
parties and a mediator, adds a session and records the agreement; an emergency is opened and its
next step recorded by the community police officer.

Screenshots go to test-artifacts/screenshots/people-*.png; the chosen ones are copied to docs/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from jinlin.cases.models import Tier
from jinlin.people.models import Dispute, EmergencyStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID_WORKER, POLICE = "13900000002", "13900000009"
PHONE = {"width": 390, "height": 844}


def test_a_grid_worker_opens_a_dispute_on_a_phone_and_records_the_agreement(page, login_as, screenshot, district):
    page.set_viewport_size(PHONE)
    login_as(page, GRID_WORKER)
    page.goto("/people/disputes/")
    page.click("[data-dispute-open] summary")
    page.fill("input[name=title]", "楼上漏水渗到楼下，两户协商不成")
    page.fill("input[name=party_a]", "王芳")
    page.fill("input[name=party_b]", "赵磊")
    page.fill("input[name=mediator_name]", "老党员陈伯")
    page.select_option("select[name=mediator_kind]", "老党员")
    screenshot(page, "people-dispute-open-phone")
    page.click("[data-dispute-open] button[type=submit]")
    dispute = Dispute.objects.get(case__title="楼上漏水渗到楼下，两户协商不成")
    assert sorted(p.name for p in dispute.parties.all()) == ["王芳", "赵磊"] and dispute.mediator_name == "老党员陈伯"
    item = page.locator("[data-disputes] li", has_text="楼上漏水")
    expect(item).to_contain_text("老党员陈伯")
    forms = item.locator(f"[data-dispute-forms='{dispute.pk}']")
    forms.locator("summary").click()
    forms.locator("input[name=at]").fill("2026-12-05T09:30")
    forms.locator("input[name=room]").fill("社区调解室")
    forms.locator("form", has=page.locator("input[value=session]")).locator("button").click()
    assert dispute.sessions.count() == 1
    forms = page.locator(f"[data-dispute-forms='{dispute.pk}']")
    forms.locator("summary").click()
    forms.locator("textarea[name=agreement]").fill("楼上负责维修防水层并赔偿500元。")
    forms.locator("form", has=page.locator("input[value=agree]")).locator("button").click()
    expect(page.locator("[data-disputes] li", has_text="楼上漏水")).to_contain_text("赔偿500元")
    dispute.refresh_from_db()
    assert dispute.status == "agreed"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "people-disputes-phone")
    assert not page.console_errors


def test_an_emergency_is_opened_and_the_police_record_the_next_step(page, login_as, screenshot, district):
    login_as(page, GRID_WORKER)
    page.goto("/people/emergencies/")
    page.click("[data-emergency-open] summary")
    page.fill("input[name=title]", "独居老人接到冒充公检法电话，正准备去银行转账")
    page.fill("input[name=note]", "楼栋长电话报告")
    page.click("[data-emergency-open] button[type=submit]")
    expect(page.locator("[data-emergencies]")).to_contain_text("冒充公检法")
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    login_as(page, POLICE)
    page.goto("/people/emergencies/")
    step = page.locator("[data-step='verify']")
    step.locator("input[name=note]").fill("已电话核实，老人在银行网点")
    step.locator("button").click()
    expect(page.locator("[data-step='verify']")).to_contain_text("已电话核实")
    assert EmergencyStep.objects.filter(step="verify", case__tier=Tier.EMERGENCY).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "people-emergencies-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    screenshot(page, "people-emergencies-desktop")
    assert not page.console_errors
