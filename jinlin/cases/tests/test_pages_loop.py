"""The case pages per role, through Django's test client: intake, lists, the case page and its
actions, scope (404 out of scope, 403 without the role), escaping, errors in the user's language,
the map data and the public disclosure board."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from jinlin.cases import services
from jinlin.cases.machine import Status
from jinlin.cases.models import Case, CasePhoto

from .conftest import G1_POINT, G2_POINT
from .flow import bring_to, submit

pytestmark = pytest.mark.django_db


def jpeg(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def as_user(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- resident


def test_resident_reports_a_problem_with_a_pin_and_a_photo(client, org, people, categories, media):
    as_user(client, people.resident)
    page = client.get(reverse("cases:report"))
    assert page.status_code == 200
    assert "data-map-pin" in page.text  # the grid boundaries give the map a centre
    response = client.post(
        reverse("cases:report"),
        {
            "title": "路灯不亮",
            "description": "桂香路口路灯坏了",
            "category": "streetlight",
            "lat": G1_POINT[0],
            "lng": G1_POINT[1],
            "photos": [jpeg()],
            "idempotency_key": "k1",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.pk])
    assert case.reporter == people.resident and case.grid == org.g1 and case.category == categories.lamp
    assert case.photos.count() == 1
    detail = client.get(response.url)
    assert "路灯不亮" in detail.text and "已上报" in detail.text


def test_a_resubmitted_report_form_makes_one_case(client, org, people, media):
    as_user(client, people.resident)
    data = {"title": "噪音扰民", "idempotency_key": "same-key"}
    client.post(reverse("cases:report"), data)
    client.post(reverse("cases:report"), data)
    assert Case.objects.count() == 1


def test_a_pdf_named_jpg_is_refused_in_chinese_and_no_case_is_left(client, org, people, media):
    as_user(client, people.resident)
    fake = SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n%%EOF", content_type="image/jpeg")
    response = client.post(reverse("cases:report"), {"title": "井盖缺失", "photos": [fake]})
    assert response.status_code == 422
    assert "不是 JPEG" in response.text or "JPEG、PNG" in response.text
    assert Case.objects.count() == 0 and CasePhoto.objects.count() == 0


def test_an_empty_title_is_refused_in_english_for_an_english_reader(client, org, people):
    as_user(client, people.resident)
    client.cookies["jinlin_language"] = "en"
    response = client.post(reverse("cases:report"), {"title": " "})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert Case.objects.count() == 0


def test_script_in_a_title_is_shown_escaped(client, org, people):
    case = submit(people, title="<script>alert(1)</script>")
    as_user(client, people.resident)
    for url in (reverse("cases:mine"), reverse("cases:detail", args=[case.pk])):
        text = client.get(url).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_resident_sees_only_own_cases(client, org, people):
    mine = submit(people, title="我的诉求")
    other = submit(people, actor=people.resident_b, point=G2_POINT, title="别人的诉求")
    as_user(client, people.resident)
    listing = client.get(reverse("cases:mine")).text
    assert "我的诉求" in listing and "别人的诉求" not in listing
    assert client.get(reverse("cases:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[other.pk])).status_code == 404


def test_resident_rates_a_resolved_case_and_unsatisfied_reopens_it(client, org, people):
    case = bring_to(Status.RESOLVED, org, people)
    as_user(client, people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert "满意" in page and "基本满意" in page and "不满意" in page
    response = client.post(
        reverse("cases:act", args=[case.pk, "evaluate"]), {"rating": "unsatisfied", "comment": "灯还是不亮"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REOPENED


def test_the_rating_is_three_large_choices_at_the_top_of_a_resolved_case(client, org, people):
    case = bring_to(Status.RESOLVED, org, people)
    as_user(client, people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert page.index("data-rate-now") < page.index("case-description")
    assert page.count('class="rate-choice rate-') == 3
    assert 'data-action-box="evaluate"' not in page  # not also folded away at the bottom
    # A rating sent without a choice comes back on the same control with the error.
    again = client.post(reverse("cases:act", args=[case.pk, "evaluate"]), {"comment": "还行"})
    assert again.status_code == 422 and "data-rate-now" in again.text and "field-error" in again.text


def test_the_residents_list_filters_the_cases_waiting_for_their_rating(client, org, people):
    waiting = bring_to(Status.RESOLVED, org, people, title="待我评价的路灯")
    bring_to(Status.DISPATCHED, org, people, title="还在办的井盖")
    as_user(client, people.resident)
    everything = client.get(reverse("cases:mine")).text
    assert "data-to-rate-count>1<" in everything.replace(" ", "")
    only = client.get(reverse("cases:mine"), {"to_rate": "1"}).text
    assert waiting.title in only and "还在办的井盖" not in only


# ---------------------------------------------------------------- scope


def test_grid_worker_cannot_open_another_grids_case(client, org, people):
    case = submit(people)  # in G1
    as_user(client, people.worker2)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:act", args=[case.pk, "comment"]), {"note": "x"}).status_code == 404
    as_user(client, people.worker1)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_pages_need_their_role(client, org, people):
    as_user(client, people.resident)
    for name in ("queue", "overdue", "urges", "map", "map_data", "inbox", "intake", "patrol"):
        assert client.get(reverse(f"cases:{name}")).status_code == 403, name


def test_anonymous_visitors_are_sent_to_log_in_except_for_the_board(client, org, people):
    assert client.get(reverse("cases:mine")).status_code == 302
    assert client.get(reverse("cases:public")).status_code == 200


def test_photos_are_served_only_to_those_who_may_see_the_case(client, org, people, media):
    case = submit(people)
    (photo,) = services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[jpeg()])
    url = reverse("cases:photo", args=[case.pk, photo.pk])
    assert as_user(client, people.worker1).get(url).status_code == 200
    assert as_user(client, people.worker2).get(url).status_code == 404


# ---------------------------------------------------------------- dispatcher, handler


def test_dispatcher_accepts_and_dispatches_with_the_routing_suggestion_preselected(client, org, people, categories):
    case = submit(people, category_code="property")
    as_user(client, people.dispatcher)
    assert case.title in client.get(reverse("cases:queue")).text
    assert client.post(reverse("cases:act", args=[case.pk, "accept"]), {"category": "", "note": ""}).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    # 属事: the property category's department comes first and is pre-selected.
    assert f'<option value="{org.housing.pk}" selected>' in page
    response = client.post(reverse("cases:act", args=[case.pk, "dispatch"]), {"unit": org.housing.pk, "note": "请处理"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.owner_unit == org.housing
    assert case.title not in client.get(reverse("cases:queue")).text


def test_an_action_the_state_does_not_allow_answers_409(client, org, people):
    case = bring_to(Status.ACCEPTED, org, people)
    as_user(client, people.handler)
    case_url = reverse("cases:act", args=[case.pk, "claim"])
    # The handler's unit does not own the accepted case: not an action they are offered.
    assert client.post(case_url).status_code in {403, 404, 409}
    as_user(client, people.dispatcher)
    response = client.post(reverse("cases:act", args=[case.pk, "accept"]), {})
    assert response.status_code == 409
    assert "data-action-error" in response.text


def test_handler_claims_returns_with_a_reason_and_the_case_is_back_in_the_queue(client, org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    as_user(client, people.handler)
    inbox = client.get(reverse("cases:inbox")).text
    assert case.title in inbox and 'data-sla="green"' in inbox
    assert client.post(reverse("cases:act", args=[case.pk, "claim"])).status_code == 302
    empty = client.post(reverse("cases:act", args=[case.pk, "return"]), {"reason": ""})
    assert empty.status_code == 422
    assert client.post(reverse("cases:act", args=[case.pk, "return"]), {"reason": "不属于本部门"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.title in as_user(client, people.dispatcher).get(reverse("cases:queue")).text


def test_handler_resolves_with_a_result_photo(client, org, people, media):
    case = bring_to(Status.IN_PROGRESS, org, people)
    as_user(client, people.handler)
    response = client.post(reverse("cases:act", args=[case.pk, "resolve"]), {"result": "已修复", "photos": [jpeg()]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.photos.filter(kind="result").count() == 1


def test_grid_worker_blows_the_whistle_with_a_lead_and_a_helper(client, org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    as_user(client, people.worker1)
    response = client.post(
        reverse("cases:act", args=[case.pk, "escalate"]),
        {"units": [org.police.pk, org.urban.pk], "lead": org.urban.pk, "note": "联合处置"},
    )
    assert response.status_code == 302
    roles = dict(case.escalations.values_list("unit__code", "role"))
    assert roles == {"350102B02": "lead", "350102001P01": "helper"}
    as_user(client, people.officer)
    assert case.title in client.get(reverse("cases:whistles")).text
    assert client.post(reverse("cases:act", args=[case.pk, "report_in"])).status_code == 302


def test_grid_worker_files_a_patrol_report(client, org, people):
    as_user(client, people.worker1)
    response = client.post(reverse("cases:patrol"), {"title": "占道经营", "lat": G1_POINT[0], "lng": G1_POINT[1]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "grid_patrol" and case.kind == "event"


def test_staff_record_a_phone_call_for_a_resident(client, org, people):
    as_user(client, people.staff_a)
    response = client.post(
        reverse("cases:intake"),
        {"channel": "hotline_12345", "phone": "13800000001", "title": "水压不足", "contact_name": "王小明"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "hotline_12345" and case.reporter == people.resident and case.submitted_by == people.staff_a
    bad = client.post(reverse("cases:intake"), {"channel": "phone", "phone": "12345", "title": "x"})
    assert bad.status_code == 422 and Case.objects.count() == 1


# ---------------------------------------------------------------- supervisor, map, board


def test_supervisor_sees_overdue_cases_with_their_urge_history(client, org, people):
    from datetime import timedelta

    case = bring_to(Status.DISPATCHED, org, people)
    services.sla_sweep_run(now=case.urge_at + timedelta(minutes=1))
    case.refresh_from_db()
    services.sla_sweep_run(now=case.due_at + timedelta(minutes=1))
    as_user(client, people.supervisor)
    page = client.get(reverse("cases:overdue")).text
    assert case.title in page and "催单" in page and "超期" in page
    assert client.post(reverse("cases:act", args=[case.pk, "supervise"]), {"note": "限期整改"}).status_code == 302
    assert "限期整改" in client.get(reverse("cases:urges")).text


def test_map_data_holds_only_the_viewers_grids_and_cases(client, org, people):
    submit(people, title="一网格的事")
    submit(people, actor=people.resident_b, point=G2_POINT, title="二网格的事")
    data = as_user(client, people.worker1).get(reverse("cases:map_data")).json()
    names = {f["properties"].get("name") or f["properties"]["title"] for f in data["features"]}
    assert names == {"桂香一网格", "一网格的事"}
    data = as_user(client, people.dispatcher).get(reverse("cases:map_data")).json()
    assert len(data["features"]) == 4


def test_the_public_board_shows_published_cases_without_personal_data(client, org, people, categories):
    case = bring_to(
        Status.CLOSED, org, people, category_code="streetlight", address="桂香小区3号楼2单元501", title="路灯坏了"
    )
    hidden = bring_to(Status.CLOSED, org, people, title="未公开的诉求")
    assert "路灯坏了" not in client.get(reverse("cases:public")).text
    services.case_publish(actor=people.dispatcher, case=case)
    text = client.get(reverse("cases:public")).text
    assert "路灯坏了" in text and "路灯" in text and case.place_label in text and "已更换灯具" in text
    assert "未公开的诉求" not in text and hidden.number not in text
    for private in ("王小明", "13800000001", "3号楼2单元501", "138****0001"):
        assert private not in text
    assert "路灯坏了" not in client.get(reverse("cases:public"), {"category": "property"}).text
    assert "路灯坏了" in client.get(reverse("cases:public"), {"category": "streetlight"}).text


# ---------------------------------------------------------------- odds and ends


def test_merge_needs_a_case_number_of_the_dispatchers_area(client, org, people):
    duplicate = submit(people, title="重复的诉求")
    survivor = submit(people, title="原诉求")
    as_user(client, people.dispatcher)
    url = reverse("cases:act", args=[duplicate.pk, "merge"])
    response = client.post(url, {"into": "20000101999"})
    assert response.status_code == 422 and "您的辖区内没有这个编号的事项" in response.text
    assert client.post(url, {"into": survivor.number}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == survivor


def test_an_unknown_action_is_not_found(client, org, people):
    case = submit(people)
    assert as_user(client, people.dispatcher).post(reverse("cases:act", args=[case.pk, "explode"])).status_code == 404


def test_lists_are_paginated_and_empty_lists_say_so(client, org, people):
    as_user(client, people.resident)
    assert "data-empty" in client.get(reverse("cases:mine")).text
    for n in range(21):
        submit(people, title=f"诉求{n:02d}")
    first, second = client.get(reverse("cases:mine")).text, client.get(reverse("cases:mine"), {"page": 2}).text
    assert first.count('class="card case-item"') == 20 and second.count('class="card case-item"') == 1
    assert "诉求00" in second  # newest first: the oldest is on the last page


def test_the_case_page_reads_in_english(client, org, people):
    case = submit(people)
    as_user(client, people.resident)
    client.cookies["jinlin_language"] = "en"
    text = client.get(reverse("cases:detail", args=[case.pk])).text
    assert "Timeline" in text and "Handled by" in text and "办理过程" not in text


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "page"),
    [("dispatcher", "queue"), ("handler", "inbox"), ("resident", "mine"), ("supervisor", "overdue"), (None, "public")],
)
def test_list_pages_take_the_same_number_of_queries_for_more_cases(client, org, people, who, page):
    from datetime import timedelta

    def add(n):
        for _ in range(n):
            case = bring_to(Status.CLOSED if page == "public" else Status.DISPATCHED, org, people)
            if page == "public":
                services.case_publish(actor=people.dispatcher, case=case)
            if page == "overdue":
                services.sla_sweep_run(now=case.due_at + timedelta(minutes=1))

    if page == "queue":
        add = lambda n: [submit(people) for _ in range(n)]  # noqa: E731
    if who:
        as_user(client, getattr(people, who))
    add(2)
    # The first request of a session also stamps the session's activity (idle timeout): not a cost
    # that grows with the cases, so it is left out of the comparison.
    client.get(reverse(f"cases:{page}"))
    few = _queries(client, reverse(f"cases:{page}"))
    add(4)
    assert _queries(client, reverse(f"cases:{page}")) == few


def test_the_inbox_pages_by_cursor_without_repeating_or_losing_a_case(client, org, people, monkeypatch):
    from jinlin.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    cases = [bring_to(Status.DISPATCHED, org, people, title=f"楼道灯不亮{n}") for n in range(3)]
    as_user(client, people.handler)
    first = client.get(reverse("cases:inbox"))
    assert first.status_code == 200
    assert 'rel="next"' in first.text and "data-sla" in first.text
    after = first.context["page"].next_cursor
    second = client.get(reverse("cases:inbox"), {"after": after})
    shown = [c.pk for c in first.context["page"].object_list] + [c.pk for c in second.context["page"].object_list]
    assert sorted(shown) == sorted(c.pk for c in cases)
    assert second.context["page"].next_cursor is None and second.context["page"].count == 3
    assert client.get(reverse("cases:inbox"), {"after": "garbage"}).context["page"].is_first


def test_the_whistle_form_puts_the_lead_first_and_the_likely_units_on_top_with_the_rest_folded(
    client, org, people, categories
):
    case = bring_to(Status.DISPATCHED, org, people, category_code="streetlight")
    as_user(client, people.worker1)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    form = page[page.index('data-action-box="escalate"') :]
    # The lead unit is chosen before the helpers, and the units come in groups with a search box.
    assert form.index("data-whistle-lead") < form.index("data-whistle-units") < form.index("data-whistle-search")
    likely = form[form.index('data-group="likely"') : form.index("</details>", form.index('data-group="likely"'))]
    assert org.police.name in likely  # the police station serving the case's street
    assert 'data-group="others"' in form and 'data-group="others" open' not in form
    assert "whistle.js" in page


def test_a_case_page_without_triage_suggestions_shows_no_empty_triage_card(client, org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    as_user(client, people.dispatcher)
    assert "data-triage=" not in client.get(reverse("cases:detail", args=[case.pk])).text


def test_the_publisher_previews_the_board_text_with_personal_data_masked_and_the_original_is_kept(client, org, people):
    case = bring_to(Status.CLOSED, org, people, title="3号楼南门 13912345678 反映路灯")
    as_user(client, people.dispatcher)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    box = page[page.index('data-action-box="publish"') :]
    assert "13912345678" not in box and "3号楼南门" not in box  # the preview is masked
    response = client.post(
        reverse("cases:act", args=[case.pk, "publish"]),
        {"public_title": "路灯不亮 电话13987654321", "public_result": "已修复", "note": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert "13987654321" not in case.public_title  # an edit is masked again
    assert case.title == "3号楼南门 13912345678 反映路灯"  # the original stays on the record
    board = client.get(reverse("cases:public")).text
    assert "13987654321" not in board and "13912345678" not in board


def test_supervision_needs_a_note_and_a_second_click_records_nothing(client, org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    as_user(client, people.supervisor)
    url = reverse("cases:act", args=[case.pk, "supervise"])
    empty = client.post(url, {"note": ""})
    assert empty.status_code in (200, 400, 422) and not case.timeline.filter(action="supervise").exists()
    assert client.post(url, {"note": "三日内说明超期原因"}).status_code == 302
    assert client.post(url, {"note": "三日内说明超期原因"}).status_code == 302
    assert case.timeline.filter(action="supervise").count() == 1


def test_each_roles_home_card_counts_what_waits_for_it(client, org, people):
    import re

    submit(people)  # waits for the dispatcher
    resolved = bring_to(Status.RESOLVED, org, people)  # waits for the resident's rating

    def figure(user, key):
        page = as_user(client, user).get(reverse("core:home")).text
        found = re.search(rf'data-figure="{key}">.*?<strong>(\d+)</strong>', page, re.S)
        return int(found.group(1)) if found else None

    assert figure(people.dispatcher, "queue") == 1
    assert figure(people.resident, "to_rate") == 1
    assert figure(people.handler, "inbox") == 0  # resolved: nothing left for the unit to do
    assert resolved.status == Status.RESOLVED


def test_a_whistle_to_the_police_station_reaches_the_community_police_officer_of_the_place(client, org, people):
    from jinlin.core import services as core_services
    from jinlin.core.models import Role

    def officer(phone: str, community):
        roles = [(Role.POLICE_OFFICER, community)]
        return core_services.user_create(actor=None, phone=phone, name="民警", password="x-Pass-2026!", roles=roles)

    community_officer = officer("13800000029", org.community_a)
    elsewhere = officer("13800000039", org.community_b)
    case = bring_to(Status.DISPATCHED, org, people)
    services.case_escalate(actor=people.worker1, case=case, units=[org.police], lead_unit=org.urban)

    as_user(client, community_officer)
    assert case.title in client.get(reverse("cases:whistles")).text
    assert client.post(reverse("cases:act", args=[case.pk, "report_in"])).status_code == 302
    assert case.escalations.get(unit=org.police).reported_by == community_officer
    as_user(client, elsewhere)
    assert case.title not in client.get(reverse("cases:whistles")).text
