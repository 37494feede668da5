"""The neighbourhood centre in a real browser (Debian's Chromium), through the pages only:

a resident on a phone finds the nearest centre from the home page, books a room, registers for a
class and shows the QR code; community staff check them in on a phone and see the attendance.
Screenshots go to test-artifacts/screenshots/centre-*.png; the best are copied to docs/screenshots/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jinlin.centre import services
from jinlin.centre.models import Booking, Centre, Registration, Room, RoomKind, Service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT, STAFF = "13900000001", "13900000003"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def centre(tiny_district):
    units = tiny_district.units
    station = Centre.objects.create(
        unit=units["350102001001"], name="桂香社区邻里驿站", address="近邻市清溪区桂香路1号", lat=26.085, lng=119.305
    )
    Centre.objects.create(
        unit=units["350102001002"], name="溪畔社区邻里驿站", address="溪畔路8号", lat=26.09, lng=119.32
    )
    Room.objects.create(centre=station, name="邻里会客厅", kind=RoomKind.PARLOUR)
    for name, domain, tier, price in [
        ("长者助餐", "elderly", "at_cost", "12.00"),
        ("四点半课堂", "children", "free", "0"),
        ("家庭医生签约", "health", "free", "0"),
        ("爱心食堂", "food", "at_cost", "15.00"),
        ("陶艺体验", "culture", "low_profit", "30.00"),
        ("政务代办", "affairs", "free", "0"),
        ("快递代收", "extra", "free", "0"),
    ]:
        Service.objects.create(centre=station, name=name, domain=domain, tier=tier, price=price)
    now = timezone.now()
    services.activity_create(
        actor=tiny_district.people[STAFF],
        centre=station,
        title="邻里学堂·书法",
        kind="class",
        start=now + timedelta(minutes=20),
        end=now + timedelta(hours=2),
        capacity=12,
    )
    return station


def shoot(page, screenshot, name):
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.body.scrollHeight")})
    screenshot(page, name, full_page=False)
    page.set_viewport_size(size)


def test_a_resident_books_registers_and_shows_the_qr_code_and_staff_check_them_in(page, login_as, screenshot, centre):
    # Anyone can read a centre's page without logging in.
    page.set_viewport_size(PHONE)
    page.goto(f"/centre/{centre.pk}/")
    expect(page.locator("h1")).to_contain_text("桂香社区邻里驿站")
    expect(page.locator("[data-service]")).to_have_count(7)
    shoot(page, screenshot, "centre-public")

    # The resident, on a phone, goes from the home page to the nearest centre.
    login_as(page, RESIDENT)
    page.locator("a[href='/centre/']").first.click()
    nearest = page.locator("[data-nearest] a[data-centre]").first
    expect(nearest).to_contain_text("桂香社区邻里驿站")
    shoot(page, screenshot, "centre-nearest")
    nearest.click()

    # Book the parlour tomorrow 10:00–11:30.
    page.locator("a[data-room]").first.click()
    page.fill("input[name=day]", (timezone.localdate() + timedelta(days=1)).isoformat())
    page.fill("input[name=start]", "10:00")
    page.fill("input[name=end]", "11:30")
    page.fill("input[name=purpose]", "楼栋议事会")
    page.locator("#booking-form button[type=submit]").click()
    expect(page.locator("[data-booking]")).to_have_count(1)
    assert Booking.objects.get().status == "confirmed"

    # Register for the class and show the ticket.
    page.goto(f"/centre/{centre.pk}/")
    page.locator("a[data-activity]").first.click()
    page.locator("[data-register]").click()
    expect(page.locator("[data-mine=registered] img.qr")).to_be_visible()
    code = page.locator("[data-code]").inner_text().strip()
    assert code == Registration.objects.get().code
    shoot(page, screenshot, "centre-qr")

    # Staff, on a phone at the door, type the code and see the attendance.
    page.context.clear_cookies()
    login_as(page, STAFF)
    activity_id = Registration.objects.get().activity_id
    page.goto(f"/centre/activities/{activity_id}/check-in/")
    page.fill("input[name=code]", code.lower())
    page.locator("#check-in-form button[type=submit]").click()
    expect(page.locator("[data-checked-in]")).to_be_visible()
    expect(page.locator("[data-attendance]")).to_contain_text("1")
    shoot(page, screenshot, "centre-checkin")
    assert Registration.objects.get().checked_in_at is not None

    # The console on a desk shows the attendance too.
    page.set_viewport_size(DESKTOP)
    page.goto(f"/centre/manage/{centre.pk}/")
    expect(page.locator(f"tr[data-activity='{activity_id}']")).to_contain_text("1/12")
    shoot(page, screenshot, "centre-console")

    # The stats dashboard fetches the centres' figures after its own page, and switches level in place.
    page.goto("/stats/")
    panel = page.locator("#centre-panel")
    expect(panel.locator("table")).to_contain_text("桂香社区邻里驿站")
    panel.get_by_role("link", name="按社区").click()
    # Swapped in place (the button of the chosen level is the primary one), the dashboard kept.
    expect(panel.get_by_role("link", name="按社区")).to_have_class(re.compile(r"\bbtn-primary\b"))
    expect(panel.locator("tbody td").first).to_have_text("桂香社区")
    assert page.url.endswith("/stats/")
    page.locator("#centre-panel h2").scroll_into_view_if_needed()
    screenshot(page, "centre-dashboard-panel", full_page=False)
    assert page.console_errors == []
