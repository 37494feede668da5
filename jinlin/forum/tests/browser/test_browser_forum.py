"""民声剧场 and opinion groups in a real browser (Debian's Chromium), through the pages only:
a resident proposes and supports a topic on a phone → staff select it and run a meeting to tasks →
anyone reads the public topic page → a resident votes in a conversation → the groups page.

Screenshots go to test-artifacts/screenshots/forum-*.png; the best are copied to docs/screenshots/.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jinlin.core.services import user_create
from jinlin.forum import services
from jinlin.forum.models import ForumSettings, Task, Topic
from jinlin.forum.tests.camps import camp_votes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT, STAFF = "13900000001", "13900000003"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
COMMUNITY = "350102001001"


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


def test_a_topic_from_a_phone_to_a_meetings_tasks_and_its_public_page(page, login_as, screenshot, tiny_district):
    unit = tiny_district.units[COMMUNITY]
    ForumSettings.objects.create(unit=unit, window_start_day=1, window_end_day=28)
    if timezone.localdate().day > 28:
        pytest.skip("no window includes the 29th–31st")
    neighbour = services.topic_propose(actor=tiny_district.people["13900000002"], unit=unit, title="楼道杂物堆放")

    # 1. 征议题 on a phone: propose, then support a neighbour's topic.
    switch_to(page, login_as, RESIDENT, PHONE)
    page.goto("/forum/topics/")
    expect(page.locator("[data-window=open]")).to_be_visible()
    page.fill("input[name=title]", "小区充电桩不够，电动车飞线充电")
    page.fill("textarea[name=body]", "楼道里拉线充电很危险。")
    with page.expect_navigation():
        page.click("form[data-propose] button[type=submit]")
    mine = Topic.objects.get(title__startswith="小区充电桩")
    with page.expect_navigation():
        page.click(f"[data-topic='{neighbour.pk}'] button")
    expect(page.locator(f"[data-topic='{neighbour.pk}'] [data-supports]")).to_contain_text("1")
    shoot(page, screenshot, "forum-1-resident-topics-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []

    # 2. 定剧本 and 开剧场: staff select the topic, schedule the meeting, record minutes, add a task.
    switch_to(page, login_as, STAFF)
    page.goto(f"/forum/topics/?unit={unit.pk}")
    page.check(f"[data-topic='{mine.pk}'] input[name=topic]")
    with page.expect_navigation():
        page.click("button[form=select-form]")
    page.goto("/forum/meetings/")
    page.fill("#m-title", "十二月民声剧场")
    page.fill("#m-starts", "2026-12-20T19:30")
    page.fill("#m-location", "桂香社区党群服务中心")
    page.fill("#role-convener", "社区党组织书记")
    page.fill("#role-property", "物业项目经理")
    with page.expect_navigation():
        page.click("form[data-new-meeting] button[type=submit]")
    page.fill("#minutes", "居民、物业、业委会面对面协商，议定增设集中充电桩。")
    with page.expect_navigation():
        page.click("form[data-minutes] button[type=submit]")
    page.fill("#t-title", "物业在3号楼旁增设集中充电桩20个")
    page.select_option("#t-topic", str(mine.pk))
    page.fill("#t-deadline", (timezone.localdate() + timezone.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.click("form[data-new-task] button[type=submit]")
    task = Task.objects.get()
    page.fill(f"[data-task='{task.pk}'] input[name=progress]", "60")
    with page.expect_navigation():
        page.click(f"[data-task='{task.pk}'] button")
    expect(page.locator(f"[data-task='{task.pk}'] [data-progress]")).to_have_text("60%")
    shoot(page, screenshot, "forum-2-staff-meeting-tasks")

    # 3. 晒账单: the public topic page, without logging in.
    page.context.clear_cookies()
    page.goto(f"/forum/topics/{mine.pk}/")
    expect(page.locator("h1")).to_have_text("小区充电桩不够，电动车飞线充电")
    expect(page.locator("[data-tasks]")).to_contain_text("增设集中充电桩")
    expect(page.locator("[data-tasks]")).to_contain_text("60%")
    shoot(page, screenshot, "forum-3-public-topic")
    assert page.console_errors == []


def test_votes_in_a_conversation_and_the_groups_page(page, login_as, screenshot, tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    texts = [
        "小区内应当划线停车，一户一位", "外来车辆应当登记并收费", "停车收入应公开并用于小区维修",
        "消防通道绝对不能停车", "绿地可以改建为停车位", "不应向业主收取停车费", "电动车应统一在充电棚停放",
        "车位应先到先得，不必分配", "物业应增加夜间巡逻", "停车管理应由业委会决定",
    ]  # fmt: skip
    conversation = services.conversation_create(actor=staff, unit=unit, title="小区停车怎么管？", statements=texts)
    statements = list(conversation.statements.order_by("id"))
    votes, truth, _consensus = camp_votes(3, per_camp=8, statements=10, consensus=3, missing=0.1, seed=3)
    people = {}
    estate = tiny_district.units["350102001001E01"]
    for n, participant in enumerate(sorted(truth)):
        people[participant] = user_create(
            actor=None, phone=f"1370000{n:04d}", name=f"居民{n}", roles=[("resident", estate)]
        )
    for participant, s, vote in votes:
        services.vote_cast(actor=people[participant], statement=statements[s - 1], vote=vote)

    switch_to(page, login_as, RESIDENT, PHONE)
    page.goto(f"/forum/conversations/{conversation.pk}/")
    for n in range(len(texts)):
        expect(page.locator("[data-statement]")).to_be_visible()
        if n == 0:
            shoot(page, screenshot, "forum-4-vote-phone")
        with page.expect_navigation():
            page.click(".vote-buttons button >> nth=" + str(n % 3))
    expect(page.locator("[data-all-voted]")).to_be_visible()
    analysed = services.groups_recompute(conversation.pk)  # what the db_worker's recompute_groups task runs
    assert analysed["participants"] >= 20
    page.goto(f"/forum/conversations/{conversation.pk}/groups/")
    expect(page.locator("[data-group]")).to_have_count(3)
    expect(page.locator("circle")).to_have_count(analysed["participants"])
    expect(page.locator("[data-consensus]")).to_contain_text("停车收入应公开")
    page.set_viewport_size(DESKTOP)
    shoot(page, screenshot, "forum-5-opinion-groups")
    assert page.console_errors == []
