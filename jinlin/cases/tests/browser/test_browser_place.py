"""The handler opens a case, sees its pin on the map and reveals the exact address with a reason;
the reveal is in the audit log. Screenshots: test-artifacts/screenshots/place-*.png."""

import pytest
from playwright.sync_api import expect

from jinlin.cases import services
from jinlin.core.models import AuditEntry

from .test_browser_loop import DESKTOP, DISPATCHER, HANDLER, PHONE, RESIDENT, district, shoot, switch_to  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_handler_sees_the_pin_and_reveals_the_address_with_a_reason(page, login_as, screenshot, district):  # noqa: F811
    people = district.people
    case, _ = services.case_submit(
        actor=people[RESIDENT], title="楼道灯坏了", lat=26.084, lng=119.304, address="桂香小区3号楼2单元501"
    )
    services.case_accept(actor=people[DISPATCHER], case=case)
    services.case_dispatch(actor=people[DISPATCHER], case=case, unit=district.units["350102B01"])

    for viewport, name in ((PHONE, "place-1-handler-phone"), (DESKTOP, "place-2-handler-desktop")):
        switch_to(page, login_as, HANDLER, viewport)
        page.goto(f"/cases/{case.pk}/")
        place = page.locator("[data-map-case]")
        expect(place).to_have_attribute("data-pin", "1")
        expect(place.locator(".leaflet-marker-icon")).to_have_count(1)
        expect(page.locator("body")).not_to_contain_text("3号楼2单元501")
        page.locator("[data-reveal-box] summary").click()
        page.fill("[data-reveal-box] input[name=reason]", "上门前电话联系")
        with page.expect_navigation():
            page.click("[data-reveal]")
        expect(page.locator("[data-revealed-address]")).to_have_text("桂香小区3号楼2单元501")
        shoot(page, screenshot, name)
    assert AuditEntry.objects.filter(action="case.reveal_contact", actor=people[HANDLER]).count() == 2
