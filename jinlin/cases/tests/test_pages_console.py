"""The staff work console (工作台): search, filters kept in the URL, the table view, the list of
closed cases waiting to be published, the masked and audited export, and scope underneath."""

import csv
import io

import pytest
from django.urls import reverse

from jinlin.cases.machine import Status
from jinlin.core.models import AuditEntry

from .conftest import G2_POINT
from .flow import bring_to, submit

pytestmark = pytest.mark.django_db
URL = "/cases/console/"


def as_user(client, user):
    client.force_login(user)
    return client


def numbers(response) -> list[str]:
    import re

    return re.findall(r'data-case="(\d+)"', response.text)


def test_the_console_is_for_staff_and_refuses_residents(client, people):
    assert reverse("cases:console") == URL
    assert as_user(client, people.resident).get(URL).status_code == 403


def test_search_finds_a_case_by_number_and_by_a_word_of_its_text(client, org, people, categories):
    lamp = submit(people, title="路灯不亮", description="桂香路口的路灯坏了三天")
    other = submit(people, title="垃圾满了", description="垃圾桶没人清")
    as_user(client, people.dispatcher)
    assert numbers(client.get(URL, {"q": lamp.number})) == [lamp.number]
    by_word = numbers(client.get(URL, {"q": "路口"}))
    assert lamp.number in by_word and other.number not in by_word


def test_filters_combine_and_stay_in_the_links(client, org, people, categories):
    dispatched = bring_to(Status.DISPATCHED, org, people, title="楼道灯不亮")
    submitted = submit(people, title="楼道堆放杂物")
    as_user(client, people.dispatcher)
    page = client.get(URL, {"status": "dispatched", "q": "楼道", "view": "table"})
    assert numbers(page) == [dispatched.number]
    assert submitted.number not in page.text
    # The sort links and the view switch keep the search and the status.
    assert "q=%E6%A5%BC%E9%81%93" in page.text and "status=dispatched" in page.text
    assert 'class="table console-table"' in page.text


def test_the_table_sorts_by_number_both_ways(client, org, people, categories):
    first, second = submit(people, title="一号"), submit(people, title="二号")
    as_user(client, people.dispatcher)
    assert numbers(client.get(URL, {"view": "table", "sort": "number"})) == [first.number, second.number]
    assert numbers(client.get(URL, {"view": "table", "sort": "-number"})) == [second.number, first.number]


def test_an_end_date_before_the_start_is_said_and_the_list_still_shows(client, org, people, categories):
    case = submit(people)
    as_user(client, people.dispatcher)
    page = client.get(URL, {"since": "2026-12-10", "until": "2026-12-01"})
    assert page.status_code == 200
    assert "结束日期早于开始日期" in page.text or "end date comes before" in page.text
    assert case.number in numbers(page)


def test_closed_cases_not_yet_published_have_their_own_list(client, org, people, categories):
    closed = bring_to(Status.CLOSED, org, people, title="修好的路灯")
    still_open = bring_to(Status.DISPATCHED, org, people, title="还在办")
    as_user(client, people.dispatcher)
    page = client.get(URL, {"unpublished": "on"})
    assert numbers(page) == [closed.number]
    assert still_open.number not in numbers(page)
    assert "data-unpublished" in client.get(URL).text


def test_scope_holds_under_every_filter(client, org, people, categories):
    mine = submit(people, title="桂香的事")
    theirs = submit(people, actor=people.resident_b, point=G2_POINT, title="湖滨的事")
    as_user(client, people.worker1)
    seen = numbers(client.get(URL, {"status": "open"}))
    assert mine.number in seen and theirs.number not in seen
    assert theirs.number not in numbers(client.get(URL, {"q": theirs.number}))


def test_the_export_masks_phones_and_is_audited_with_its_filters(client, org, people, categories):
    submit(people, title="请回电13812345678", description="楼下噪音")
    as_user(client, people.dispatcher)
    response = client.get(reverse("cases:console_export"), {"q": "噪音"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 2
    assert "13812345678" not in body
    entry = AuditEntry.objects.get(action="cases.export")
    assert entry.actor == people.dispatcher
    assert entry.after == {"filters": {"q": "噪音", "view": "cards", "sort": "due"}, "rows": 1}
