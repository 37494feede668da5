"""The time bank and 双报到 in a real browser (Debian's Chromium), through the pages only:

an elder posts a need on a phone → a volunteer on a phone takes it and marks it done → the elder
confirms → the volunteer sees the hours and redeems a reward; staff see the stock; a party member
reports in and claims a post; the party admin approves a points record; the public wish wall.
Screenshots go to test-artifacts/screenshots/volunteers-*.png; the best are copied to docs/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from jinlin.volunteers import ledger, party, services, wishes
from jinlin.volunteers.models import Need, PartyPost, PointItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VOLUNTEER, STAFF, ELDER, PARTY_ADMIN = "13900000001", "13900000003", "13900000012", "13900000011"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def switch_to(page, login_as, phone, viewport=DESKTOP):
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.set_viewport_size(viewport)
    login_as(page, phone)


def shoot(page, screenshot, name):
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.body.scrollHeight")})
    screenshot(page, name, full_page=False)
    page.set_viewport_size(size)


def test_a_need_goes_round_the_time_bank_and_the_hours_buy_a_reward(page, login_as, screenshot, tb):
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="爱心理发一次", cost="1", stock=5)
    services.reward_create(actor=tb.staff, community=tb.community, name="粮油礼包", cost="3", stock=2)

    # 1. 点单: the elder, on a phone.
    switch_to(page, login_as, ELDER, PHONE)
    page.goto("/volunteers/orders/")
    expect(page.locator("h1")).to_have_text("时间银行")
    form = page.locator("[data-need-form]")
    form.locator("input[name=title]").fill("陪同去医院复诊")
    form.locator("textarea[name=description]").fill("周三上午，社区医院")
    form.locator("input[name=hours]").fill("2")
    shoot(page, screenshot, "volunteers-1-elder-posts-need")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("需求已发布")
    need = Need.objects.get(title="陪同去医院复诊")

    # 2. 接单 and 服务: the volunteer, on a phone.
    switch_to(page, login_as, VOLUNTEER, PHONE)
    page.goto("/volunteers/orders/")
    card = page.locator(f"[data-open-needs] [data-need='{need.pk}']")
    with page.expect_navigation():
        card.locator("[data-do=take]").click()
    serving = page.locator(f"[data-serving] [data-need='{need.pk}']")
    expect(serving.locator("[data-status]")).to_have_text("服务中")
    serving.locator("input[name=hours]").fill("2.5")
    shoot(page, screenshot, "volunteers-2-volunteer-serving")
    with page.expect_navigation():
        serving.locator("[data-do=done]").click()
    expect(page.locator(f"[data-need='{need.pk}'] [data-status]").first).to_have_text("待确认")

    # 3. 确认 → 记账: the elder confirms.
    switch_to(page, login_as, ELDER, PHONE)
    page.goto("/volunteers/orders/")
    mine = page.locator(f"[data-mine] [data-need='{need.pk}']")
    with page.expect_navigation():
        mine.locator("[data-do=confirm]").click()
    expect(page.locator(".alert-success")).to_contain_text("已确认")

    # 4. The volunteer's balance, history and a redemption.
    switch_to(page, login_as, VOLUNTEER, PHONE)
    page.goto("/volunteers/ledger/")
    expect(page.locator("[data-balance]")).to_have_text("2.50")
    with page.expect_navigation():
        page.locator(f"[data-reward='{reward.pk}'] [data-do=redeem]").click()
    expect(page.locator(".alert-success")).to_contain_text("兑换成功")
    expect(page.locator("[data-balance]")).to_have_text("1.50")
    expect(page.locator("[data-entries] [data-entry]")).to_have_count(2)
    shoot(page, screenshot, "volunteers-3-volunteer-balance-redeem")
    assert ledger.ledger_verify()["ok"]

    # 5. Community staff: applications, the talent pool, hours and the rewards' stock.
    services.volunteer_apply(actor=tb.people["13900000002"], skills="维修,水电", place="2号楼")
    switch_to(page, login_as, STAFF)
    page.goto("/volunteers/staff/")
    expect(page.locator(f"[data-stock-table] [data-reward='{reward.pk}'] [data-stock]")).to_have_text("4")
    shoot(page, screenshot, "volunteers-4-staff")


def test_a_party_member_reports_in_claims_a_post_and_the_admin_approves_points(page, login_as, screenshot, tb):
    post = PartyPost.objects.create(community=tb.community, scope_code=tb.community.code, title="文明劝导岗", places=3)
    PointItem.objects.create(org=tb.committee, code="P02", name="参加志愿服务", points=3, cap=30)

    switch_to(page, login_as, VOLUNTEER, PHONE)
    page.goto("/volunteers/party/")
    page.select_option("select[name=community_id]", str(tb.community.pk))
    with page.expect_navigation():
        page.click("[data-do=report-in]")
    expect(page.locator("[data-reported]")).to_have_text("桂香社区")
    with page.expect_navigation():
        page.locator(f"[data-post='{post.pk}'] [data-do=claim]").click()
    expect(page.locator(f"[data-post='{post.pk}'] [data-claimed]")).to_be_visible()
    shoot(page, screenshot, "volunteers-5-party-member-report-in")

    member = tb.volunteer.party_member
    record = party.points_record(actor=tb.staff, member=member, item_code="P02", note="参加敬老志愿服务")
    switch_to(page, login_as, PARTY_ADMIN)
    page.goto("/volunteers/party/points/")
    with page.expect_navigation():
        page.locator(f"[data-record='{record.pk}'] [data-do=approve]").click()
    expect(page.locator(".alert-success")).to_contain_text("已记分")
    expect(page.locator("[data-ranking] tbody tr").first).to_contain_text("3.00")
    shoot(page, screenshot, "volunteers-6-party-admin-points")

    # The public wall of fulfilled wishes: no names.
    wish = wishes.wish_post(
        actor=tb.staff, title="想要一台收音机", wisher_label="独居老人王阿婆", community=tb.community
    )
    wishes.wish_claim(actor=tb.volunteer, wish=wish)
    wishes.wish_fulfil(actor=tb.volunteer, wish=wish)
    wishes.wish_thank(actor=tb.staff, wish=wish, message="谢谢好心的邻居！")
    page.context.clear_cookies()
    page.goto("/volunteers/wishes/wall/")
    expect(page.locator("[data-wall]")).to_contain_text("想要一台收音机")
    assert "王阿婆" not in page.content() and "林秀英" not in page.content()
    shoot(page, screenshot, "volunteers-7-wish-wall")
