"""The report map on a 390 px phone with no tile server: the platform's own grids, estates and
buildings with their names; "使用我的位置" (denied, outside every grid, then granted) puts the pin
and names the grid. Screenshot: test-artifacts/screenshots/maps-report-phone.png (docs/screenshots/)."""

import pytest
from playwright.sync_api import expect

from jinlin.core import services as core_services
from jinlin.core.models import OrgKind, OrgUnit

from .test_browser_loop import PHONE, RESIDENT, district  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ESTATE = (26.0868, 119.3035)
BUILDINGS = [(26.0874, 119.3028), (26.0874, 119.3042), (26.0862, 119.3028), (26.0862, 119.3042)]
HERE = {"latitude": 26.0860, "longitude": 119.3044}  # by 丹桂花园4号楼, in 桂香社区第一网格
NOWHERE = {"latitude": 26.0935, "longitude": 119.3050}  # 400 m north of every grid


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    tiles: list[str] = []  # any image not from our static files would be a tile (there must be none)
    page.on("request", lambda r: r.resource_type == "image" and "/static/" not in r.url and tiles.append(r.url))
    page.tiles = tiles
    yield page
    context.close()


def test_the_report_map_draws_the_places_and_finds_the_grid_of_my_location(phone_page, login_as, screenshot, district):  # noqa: F811
    estate = district.units["350102001001E01"]
    OrgUnit.objects.filter(pk=estate.pk).update(lat=ESTATE[0], lng=ESTATE[1])
    for n, (lat, lng) in enumerate(BUILDINGS, start=1):
        core_services.org_unit_create(
            actor=None,
            kind=OrgKind.BUILDING,
            code=f"350102001001E01B{n:02d}",
            name=f"丹桂花园{n}号楼",
            parent=estate,
            grid=district.units["350102001001001"],
            lat=lat,
            lng=lng,
        )
    page = phone_page
    login_as(page, RESIDENT)
    page.goto("/cases/report/")
    pin_map = page.locator("[data-map-pin]")
    expect(pin_map).to_have_attribute("data-places-loaded", "1")
    # No tile server: the names come from the platform's own data.
    expect(pin_map.locator(".place-label-grid", has_text="桂香社区第一网格")).to_be_visible()
    expect(pin_map.locator(".place-label-estate", has_text="丹桂花园")).to_be_visible()
    assert pin_map.locator(".leaflet-tile").count() == 0

    status = page.locator("[data-pin-place]")
    locate = page.get_by_role("button", name="使用我的位置")
    page.context.clear_permissions()
    locate.click()
    expect(status).to_contain_text("没有获得定位权限")

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(NOWHERE)
    locate.click()
    expect(status).to_contain_text("不在平台的任何网格内")
    expect(pin_map).to_have_attribute("data-selected-grid", "")

    page.context.set_geolocation(HERE)
    locate.click()
    expect(status).to_have_text("位置在桂香社区第一网格，靠近丹桂花园4号楼。")
    expect(pin_map).to_have_attribute("data-selected-grid", str(district.units["350102001001001"].pk))
    expect(pin_map.locator(".leaflet-marker-icon")).to_have_count(1)
    assert page.input_value("#id_lat") == "26.086000" and page.input_value("#id_lng") == "119.304400"
    # Labels of the layer drawn before fade out for 200 ms (Leaflet): wait for the one left.
    building = pin_map.locator(".place-label-building", has_text="4号楼")
    expect(building).to_have_count(1)
    expect(building).to_be_visible()

    # The map with its buttons and the named grid in one phone screen, below the sticky top bar.
    page.evaluate("scrollTo(0, document.querySelector('.map-tools').getBoundingClientRect().top + scrollY - 190)")
    screenshot(page, "maps-report-phone", full_page=False)
    assert page.tiles == [] and page.errors == []
