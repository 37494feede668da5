"""Triage on the pages: the dispatcher's case page shows the suggestions, pre-selects the
suggested unit and offers a merge button for duplicates; the resident who reports a problem
already in hand is told so; the hotspots panel renders 每月一题 candidates scoped to the viewer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jinlin.cases import services as cases
from jinlin.cases.machine import Status
from jinlin.cases.models import Case

from .adapter_fixtures import *  # noqa: F403
from .adapter_fixtures import G1_POINT, G2_POINT

pytestmark = pytest.mark.django_db

LAMP_REPORT = ("3号楼门口路灯坏了", "桂香小区3号楼门口的路灯坏了三天，晚上很黑，老人出门容易摔倒")
LAMP_AGAIN = ("3号楼门口的路灯坏了", "桂香小区3号楼门口路灯坏了三天了，晚上很黑，老人出门容易摔倒！")


def submit(user, title, description, point=G1_POINT, at=None):
    case, _ = cases.case_submit(actor=user, title=title, description=description, lat=point[0], lng=point[1], at=at)
    case.refresh_from_db()
    return case


def test_the_dispatcher_sees_suggestions_and_the_suggested_unit_is_preselected(client, people, categories):
    case = submit(people.resident, "路灯坏了", "小区门口路灯不亮，晚上很黑")
    # Accepted without a category, the place rules alone would put the grid first.
    cases.case_accept(actor=people.dispatcher, case=case)
    client.force_login(people.dispatcher)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert 'data-triage="keywords"' in page.text
    assert 'data-suggested-category="streetlight"' in page.text
    department = categories.lamp.department
    assert f'data-suggested-unit="{department.pk}"' in page.text
    dispatch = page.context["action_forms"]
    [form] = [f for action, _label, f in dispatch if action == "dispatch"]
    assert form.initial["unit"] == department.pk


def test_the_dispatcher_merges_a_duplicate_with_the_button_on_the_case_page(client, people, categories):
    first = submit(people.resident, *LAMP_REPORT)
    second = submit(people.neighbour, *LAMP_AGAIN)
    client.force_login(people.dispatcher)
    page = client.get(reverse("cases:detail", args=[second.pk]))
    assert f'data-merge-into="{first.number}"' in page.text
    response = client.post(reverse("cases:act", args=[second.pk, "merge"]), {"into": first.number})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into_id == first.pk


def test_a_resident_reporting_a_problem_in_hand_is_told_it_is_already_being_handled(client, people, categories):
    first = submit(people.resident, *LAMP_REPORT)
    client.force_login(people.neighbour)
    response = client.post(
        reverse("cases:report"),
        {
            "title": LAMP_AGAIN[0],
            "description": LAMP_AGAIN[1],
            "lat": G1_POINT[0],
            "lng": G1_POINT[1],
            "idempotency_key": "dup-1",
        },
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "data-already-handled" in response.text
    assert "This problem is already being handled." in response.text
    # The neighbour may not open the other resident's case: title and status, no number or link.
    assert first.title in response.text
    assert first.number not in response.text
    assert reverse("cases:detail", args=[first.pk]) not in response.text
    # No triage working notes for residents.
    assert "data-triage" not in response.text


def test_a_resident_sees_the_link_when_they_follow_the_existing_case(client, people, categories):
    first = submit(people.resident, *LAMP_REPORT)
    second = submit(people.resident, *LAMP_AGAIN)
    client.force_login(people.resident)
    page = client.get(reverse("cases:detail", args=[second.pk]))
    assert f'href="{reverse("cases:detail", args=[first.pk])}"' in page.text
    assert first.number in page.text


# ---------------------------------------------------------------- hotspots

NOISE = [
    "湖滨路烧烤店每天营业到凌晨，噪音很大无法入睡",
    "湖滨路的烧烤店凌晨还在营业，太吵了睡不着",
    "楼下湖滨路烧烤店营业到凌晨两点，噪音扰民",
    "湖滨路烧烤店噪音太大，每天到凌晨",
]


@pytest.fixture
def hotspot_cases(people, categories):
    now = timezone.now()
    lamp = [
        "桂香小区3号楼门口路灯坏了，晚上很黑",
        "桂香小区3号楼门口的路灯坏了好几天",
        "3号楼门口路灯不亮，桂香小区晚上很黑",
        "桂香小区3号楼路灯坏了，老人出门不方便",
        "桂香小区3号楼门口路灯一直坏着",
    ]
    a = [submit(people.resident, text[:8], text, at=now - timedelta(days=i)) for i, text in enumerate(lamp)]
    b = [
        submit(people.resident_b, text[:8], text, G2_POINT, at=now - timedelta(days=i)) for i, text in enumerate(NOISE)
    ]
    # Background: unrelated one-off problems.
    submit(people.resident, "楼上漏水", "楼上卫生间漏水，天花板滴水")
    submit(people.resident_b, "井盖松动", "小区门口井盖松动，踩上去晃", G2_POINT)
    return a, b


def test_the_hotspots_panel_lists_clusters_with_their_cases_and_map_points(client, people, hotspot_cases):
    lamp, noise = hotspot_cases
    client.force_login(people.dispatcher)
    page = client.get(reverse("stats:hotspots"), {"days": 30}, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    spots = page.context["spots"]
    members = [{c.pk for c in s["cases"]} for s in spots]
    assert {c.pk for c in lamp} in members and {c.pk for c in noise} in members
    assert spots[0]["size"] == 5  # the larger cluster first
    for case in lamp:
        assert reverse("cases:detail", args=[case.pk]) in page.text
    assert 'id="hotspot-points"' in page.text and "data-hotspot-map" in page.text
    assert "<script>" not in page.text  # points travel as JSON data, not inline script (CSP)
    assert page.context["points"][0][0]["lat"] == pytest.approx(G1_POINT[0])


def test_a_grid_worker_sees_only_the_hotspots_of_their_own_grid(client, people, hotspot_cases):
    lamp, noise = hotspot_cases
    client.force_login(people.worker2)
    page = client.get(reverse("stats:hotspots"))
    assert page.status_code == 200
    seen = {c.pk for s in page.context["spots"] for c in s["cases"]}
    assert seen == {c.pk for c in noise}
    assert lamp[0].title not in page.text


def test_residents_may_not_open_the_hotspots_panel(client, people, hotspot_cases):
    client.force_login(people.resident)
    assert client.get(reverse("stats:hotspots")).status_code == 403


def test_the_hotspots_panel_says_so_when_there_is_nothing(client, people, categories):
    client.force_login(people.dispatcher)
    page = client.get(reverse("stats:hotspots"), headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "data-empty" in page.text
    assert Case.objects.count() == 0


def test_the_hotspots_panel_and_the_triage_box_read_in_chinese(client, people, hotspot_cases):
    client.force_login(people.dispatcher)
    page = client.get(reverse("stats:hotspots"), headers={"Accept-Language": "zh-hans"})
    assert "热点问题" in page.text and "每月一题" in page.text
    lamp, _noise = hotspot_cases
    detail = client.get(reverse("cases:detail", args=[lamp[0].pk]), headers={"Accept-Language": "zh-hans"})
    assert "智能分拨" in detail.text
