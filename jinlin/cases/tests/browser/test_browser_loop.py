"""The closed loop in a real browser (Debian's Chromium), through the pages only:

resident reports with a map pin and a photo → dispatcher accepts and dispatches (属地属事 pre-selected)
→ department handler claims and resolves → resident rates 满意 → dispatcher publishes (晒单)
→ discipline supervisor sees an overdue case and its urges → anyone reads the public board.

Screenshots go to test-artifacts/screenshots/loop-*.png; the best are copied to docs/screenshots/.
"""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from jinlin.cases import services
from jinlin.cases.models import Case, Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT, GRID_WORKER, DISPATCHER, HANDLER, SUPERVISOR = (
    "13900000001",
    "13900000002",
    "13900000004",
    "13900000005",
    "13900000006",
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def rect(lng0, lat0, lng1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]]}


@pytest.fixture
def district(tiny_district, settings, tmp_path):
    from jinlin.core.models import Grid

    settings.MEDIA_ROOT = tmp_path / "media"
    units = tiny_district.units
    Grid.objects.create(unit=units["350102001001001"], boundary=rect(119.300, 26.080, 119.310, 26.090))
    Grid.objects.create(unit=units["350102001002001"], boundary=rect(119.310, 26.080, 119.320, 26.090))
    Category.objects.create(code="property", name="物业管理", department=units["350102B01"])
    Category.objects.create(code="streetlight", name="路灯照明", department=units["350102B01"])
    return tiny_district


def switch_to(page, login_as, phone, viewport=DESKTOP):
    # Let the last page finish loading first: a late response must not bring back old cookies.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.set_viewport_size(viewport)
    login_as(page, phone)


def shoot(page, screenshot, name):
    """A whole-page picture without the sticky top bar landing mid-page: the window is made as tall
    as the page for the moment of the shot."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.body.scrollHeight")})
    screenshot(page, name, full_page=False)
    page.set_viewport_size(size)


def open_box(page, action):
    """Unfold an action's box (the next step is open already; others are folded)."""
    page.locator(f"[data-action-box={action}]").evaluate("box => { box.open = true; }")


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_closed_loop_through_the_pages(page, login_as, screenshot, district):
    people = district.people

    # A second case that ran over its limit, for the supervisor at the end (made through the services).
    late, _ = services.case_submit(actor=people[RESIDENT], title="小区门口垃圾堆放未清运", lat=26.083, lng=119.303)
    services.case_accept(actor=people[DISPATCHER], case=late)
    services.case_dispatch(actor=people[DISPATCHER], case=late, unit=district.units["350102001001001"])
    late.refresh_from_db()
    services.sla_sweep_run(now=late.urge_at + timedelta(minutes=1))
    late.refresh_from_db()
    services.sla_sweep_run(now=late.due_at + timedelta(minutes=1))

    # 1. 群众点单: the resident reports on a phone, with a pin and a photo.
    switch_to(page, login_as, RESIDENT, PHONE)
    page.goto("/cases/report/")
    expect(page.locator("h1")).to_have_text("我要反映")
    page.fill("input[name=title]", "3号楼楼道灯坏了一周")
    page.fill("textarea[name=description]", "晚上楼道漆黑，老人上下楼不安全。<script>alert(1)</script>")
    page.select_option("select[name=category]", "streetlight")
    pin_map = page.locator("[data-map-pin]")
    expect(pin_map.locator(".leaflet-map-pane")).to_have_count(1)
    pin_map.click(position={"x": 180, "y": 150})
    expect(page.locator("input[name=lat]")).not_to_have_value("")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "corridor.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    shoot(page, screenshot, "loop-1-resident-report")
    with page.expect_navigation():
        page.click("form[data-submit-form] button[type=submit]")
    expect(page.locator("[data-status]")).to_have_text("已上报")
    expect(page.locator(".case-description")).to_contain_text("<script>alert(1)</script>")
    case = Case.objects.get(title="3号楼楼道灯坏了一周")
    assert case.grid_id == district.units["350102001001001"].pk and case.photos.count() == 1

    # 2. 平台派单: the dispatcher accepts and dispatches; the department is pre-selected (属事).
    switch_to(page, login_as, DISPATCHER)
    page.goto("/cases/queue/")
    page.click(f"[data-case='{case.number}'] a")
    with page.expect_navigation():
        page.click("[data-do=accept]")
    expect(page.locator("[data-status]")).to_have_text("已受理")
    open_box(page, "dispatch")
    expect(page.locator("select[name=unit]")).to_have_value(str(district.units["350102B01"].pk))
    page.fill("[data-action-box=dispatch] input[name=note]", "请三个工作日内修复")
    shoot(page, screenshot, "loop-2-dispatcher-dispatch")
    with page.expect_navigation():
        page.click("[data-do=dispatch]")
    expect(page.locator("[data-status]")).to_have_text("已派单")
    page.goto("/cases/map/")
    expect(page.locator("[data-map-cases]")).to_have_attribute("data-loaded", "1")
    expect(page.locator("path.leaflet-interactive")).to_have_count(4)  # two grids, two open cases
    shoot(page, screenshot, "loop-3-dispatcher-map")

    # 3. 部门接单: the handler finds it in the inbox (SLA light with a text label), claims, resolves.
    switch_to(page, login_as, HANDLER)
    page.goto("/cases/inbox/")
    row = page.locator(f"[data-case='{case.number}']")
    expect(row.locator("[data-sla]")).to_have_text(re.compile("按期"))
    shoot(page, screenshot, "loop-4-handler-inbox")
    row.locator("a").click()
    with page.expect_navigation():
        page.click("[data-do=claim]")
    expect(page.locator("[data-status]")).to_have_text("办理中")
    open_box(page, "resolve")
    page.fill("[data-action-box=resolve] textarea[name=result]", "已更换楼道灯具并检修线路。")
    with page.expect_navigation():
        page.click("[data-do=resolve]")
    expect(page.locator("[data-status]")).to_have_text("已办结")

    # 4. 群众评单: the resident rates it from their list.
    switch_to(page, login_as, RESIDENT, PHONE)
    page.goto("/cases/mine/")
    expect(page.locator("[data-to-rate-count]")).to_have_text("1")
    page.click("[data-to-rate]")
    page.click(f"[data-case='{case.number}'] a")
    # The rating is the first thing on the page: three large choices above the case.
    rate = page.locator("[data-rate-now]")
    box = rate.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    rate.locator("[data-rate=satisfied]").click()
    expect(page.locator("input[name=rating][value=satisfied]")).to_be_checked()
    page.fill("[data-rate-now] textarea[name=comment]", "修得很快，谢谢！")
    expect(page.locator("[data-result]")).to_contain_text("已更换楼道灯具")
    screenshot(page, "loop-5-resident-rate")
    with page.expect_navigation():
        page.click("[data-do=evaluate]")
    expect(page.locator("[data-status]")).to_have_text("已结案")
    expect(page.locator(".timeline-step[data-action=evaluate]")).to_have_count(1)
    shoot(page, screenshot, "loop-6-resident-timeline")

    # 5. 组织晒单: the dispatcher finds it in the work console — by number, by a word of its text —
    # and in the list of closed cases waiting to be published, and publishes it.
    switch_to(page, login_as, DISPATCHER)
    page.goto("/cases/console/")
    page.fill("input[name=q]", case.number)
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page.locator("[data-case]")).to_have_count(1)
    page.fill("input[name=q]", "漆黑")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page.locator(f"[data-case='{case.number}']")).to_have_count(1)
    expect(page.locator(f"[data-case='{late.number}']")).to_have_count(0)
    page.goto("/cases/console/?view=table&status=open")
    expect(page.locator(f"tr[data-case='{late.number}'] [data-sla]")).to_contain_text("超期")
    shoot(page, screenshot, "loop-5b-dispatcher-console-table")
    page.click("[data-unpublished]")
    expect(page.locator(f"[data-case='{case.number}']")).to_have_count(1)
    page.click(f"[data-case='{case.number}'] a")
    open_box(page, "publish")
    with page.expect_navigation():
        page.click("[data-do=publish]")
    expect(page.locator(".alert-success")).to_contain_text("晒单")

    # 6. 纪委督单: the supervisor sees the overdue case with its urges, and supervises it.
    switch_to(page, login_as, SUPERVISOR)
    page.goto("/cases/overdue/")
    overdue_row = page.locator(f"tr[data-case='{late.number}']")
    expect(overdue_row).to_contain_text("催单")
    expect(overdue_row.locator("[data-sla]")).to_have_text("超期")
    shoot(page, screenshot, "loop-7-supervisor-overdue")
    overdue_row.locator("a").first.click()
    open_box(page, "supervise")
    page.fill("[data-action-box=supervise] textarea[name=note]", "请说明超期原因")
    with page.expect_navigation():
        page.click("[data-do=supervise]")
    expect(page.locator(".timeline-step[data-action=supervise]")).to_contain_text("请说明超期原因")

    # 7. The public board, without logging in: no names, phones or exact addresses.
    page.context.clear_cookies()
    page.goto("/cases/public/")
    item = page.locator(f"[data-case='{case.number}']")
    # The building number is a door-level address: the one masker hides it on the board.
    expect(item).to_contain_text("*号楼楼道灯坏了一周")
    expect(item).not_to_contain_text("3号楼")
    expect(item).to_contain_text("桂香社区")  # the place to the 小区/社区, never the address
    expect(item).to_contain_text("已更换楼道灯具")
    body = page.locator("body").inner_text()
    assert "林秀英" not in body and "13900000001" not in body and "郑海峰" not in body
    shoot(page, screenshot, "loop-8-public-board")
    assert page.console_errors == []


def test_map_shifts_wgs84_to_gcj02_for_chinese_tiles(page, login_as, district, settings):
    settings.JINLIN_MAP_TILE_CRS = "gcj02"
    switch_to(page, login_as, DISPATCHER)
    page.goto("/cases/map/")
    expect(page.locator("[data-map-cases]")).to_have_attribute("data-loaded", "1")
    # The published reference point of the forward transform (eviltransform and its ports).
    lat, lng = page.evaluate("JinlinGeo.wgs84ToGcj02(39.915, 116.404)")
    assert abs(lat - 39.91640428150164) < 1e-9 and abs(lng - 116.41024449916938) < 1e-9
    # A picked point goes back to WGS-84 well within a metre (1e-6° ≈ 0.1 m).
    back = page.evaluate("JinlinGeo.gcj02ToWgs84.apply(null, JinlinGeo.wgs84ToGcj02(26.085, 119.305))")
    assert abs(back[0] - 26.085) < 1e-6 and abs(back[1] - 119.305) < 1e-6
    assert page.evaluate("JinlinGeo.wgs84ToGcj02(51.5, -0.12)") == [51.5, -0.12]  # no offset outside China
    # The setting reaches the page, where map.js applies the transform to every drawn point.
    expect(page.locator("[data-map-cases]")).to_have_attribute("data-tile-crs", "gcj02")
    assert page.console_errors == []
