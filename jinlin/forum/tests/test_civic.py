"""居民公约 and 民意测评: comments per article, a vote by the confirmed residents with quorum and
threshold, the adopted text kept by version; surveys with one answer per resident, weighted
indices and an Excel export."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from jinlin.core.services import user_create
from jinlin.forum import civic
from jinlin.forum.models import ConventionStatus

pytestmark = pytest.mark.django_db
COMMUNITY, ESTATE = "350102001001", "350102001001E01"


@pytest.fixture
def residents(tiny_district):
    estate = tiny_district.units[ESTATE]
    extra = [
        user_create(actor=None, phone=f"1370001{n:04d}", name=f"居民{n}", roles=[("resident", estate)])
        for n in range(5)
    ]
    return [tiny_district.people["13900000001"], *extra]  # six residents of 桂香社区


def test_a_convention_is_adopted_when_quorum_and_threshold_are_met_and_its_text_is_versioned(tiny_district, residents):
    staff = tiny_district.people["13900000003"]
    c = civic.convention_draft(
        actor=staff,
        unit=tiny_district.units[COMMUNITY],
        title="桂香社区居民公约",
        articles=["爱护公共设施", "文明养犬"],
        quorum_pct=50,
        threshold_pct=67,
    )
    civic.article_comment(actor=residents[0], article=c.articles.get(number=2), body="建议写明遛狗要牵绳")
    civic.convention_open_vote(actor=staff, convention=c, articles=["爱护公共设施", "文明养犬，出门牵绳"])
    assert c.eligible == 6
    for person, yes in zip(residents[:4], [True, True, True, False], strict=True):
        civic.convention_vote(actor=person, convention=c, in_favour=yes)
    with pytest.raises(ValidationError):
        civic.convention_vote(actor=residents[0], convention=c, in_favour=True)
    tally = civic.convention_tally(c)
    assert tally == {"in_favour": 3, "against": 1, "votes": 4, "eligible": 6, "quorum_met": True, "passed": True}
    civic.convention_close_vote(actor=staff, convention=c)
    assert c.status == ConventionStatus.ADOPTED and c.version == 1
    assert [a["text"] for a in c.versions.get().articles] == ["爱护公共设施", "文明养犬，出门牵绳"]


def test_without_quorum_the_convention_is_not_adopted(tiny_district, residents):
    staff = tiny_district.people["13900000003"]
    c = civic.convention_draft(actor=staff, unit=tiny_district.units[COMMUNITY], title="公约", articles=["一"])
    civic.convention_open_vote(actor=staff, convention=c)
    civic.convention_vote(actor=residents[0], convention=c, in_favour=True)
    civic.convention_close_vote(actor=staff, convention=c)
    assert c.status == ConventionStatus.REJECTED and c.version == 0


def test_only_residents_of_the_place_vote(tiny_district, residents):
    staff = tiny_district.people["13900000003"]
    c = civic.convention_draft(actor=staff, unit=tiny_district.units[COMMUNITY], title="公约", articles=["一"])
    civic.convention_open_vote(actor=staff, convention=c)
    with pytest.raises(ValidationError):
        civic.convention_vote(actor=tiny_district.people["13900000008"], convention=c, in_favour=True)


def test_a_survey_takes_one_answer_per_resident_and_computes_weighted_indices(tiny_district, residents):
    staff = tiny_district.people["13900000003"]
    s = civic.survey_create(
        actor=staff,
        unit=tiny_district.units[COMMUNITY],
        title="四大微指数测评",
        questions=[
            {"kind": "scale", "text": "夜间出行安全吗", "index": "安全", "weight": 2},
            {"kind": "scale", "text": "消防通道畅通吗", "index": "安全", "weight": 1},
            {"kind": "single", "text": "最需要的服务", "options": ["助餐", "托育", "维修"]},
            {"kind": "multiple", "text": "常去的地方", "options": ["公园", "菜场", "诊所"]},
            {"kind": "text", "text": "其他建议"},
        ],
    )
    q = list(s.questions.order_by("number"))
    for person, (a, b) in zip(residents[:4], [(5, 1), (5, 1), (5, 1), (5, 1)], strict=True):
        civic.survey_answer(
            actor=person,
            survey=s,
            answers={str(q[0].pk): a, str(q[1].pk): b, str(q[2].pk): 0, str(q[3].pk): [0, 2], str(q[4].pk): "多装路灯"},
        )
    with pytest.raises(ValidationError):
        civic.survey_answer(actor=residents[0], survey=s, answers={str(q[0].pk): 3})
    with pytest.raises(ValidationError):
        civic.survey_answer(actor=residents[4], survey=s, answers={str(q[2].pk): 7})
    results = civic.survey_results(s)
    assert results["responses"] == 4
    # (2 × 100 + 1 × 0) / 3
    assert results["indices"] == {"安全": pytest.approx(66.7)}
    single = results["questions"][2]["options"]
    assert single[0]["count"] == 4 and single[0]["pct"] == 100
    data = civic.survey_export_xlsx(actor=staff, survey=s)
    sheet = load_workbook(io.BytesIO(data))["answers"]
    assert sheet.max_row == 5 and sheet.cell(2, 5).value == "助餐"
    with pytest.raises(Exception):
        civic.survey_export_xlsx(actor=residents[0], survey=s)


def test_the_civic_pages_answer_and_a_resident_answers_the_survey_on_its_page(tiny_district, residents):
    from django.test import Client

    staff = tiny_district.people["13900000003"]
    c = civic.convention_draft(actor=staff, unit=tiny_district.units[COMMUNITY], title="公约", articles=["一", "二"])
    s = civic.survey_create(
        actor=staff,
        unit=tiny_district.units[COMMUNITY],
        title="测评",
        questions=[{"kind": "scale", "text": "安全吗", "index": "安全"}],
    )
    resident = Client(raise_request_exception=False)
    resident.force_login(residents[0])
    assert resident.get("/forum/civic/").status_code == 200
    assert resident.get(f"/forum/conventions/{c.pk}/").status_code == 200
    article = c.articles.first()
    assert (
        resident.post(
            f"/forum/conventions/{c.pk}/", {"action": "comment", "article": article.pk, "body": "同意"}
        ).status_code
        == 302
    )
    q = s.questions.get()
    assert resident.post(f"/forum/surveys/{s.pk}/", {f"q{q.pk}": "4"}).status_code == 302
    assert "75.0" in resident.get(f"/forum/surveys/{s.pk}/").content.decode()
    assert resident.get(f"/forum/surveys/{s.pk}/export.xlsx").status_code == 403
    pages = Client(raise_request_exception=False)
    pages.force_login(staff)
    assert pages.get(f"/forum/surveys/{s.pk}/export.xlsx").status_code == 200
    outsider = Client(raise_request_exception=False)
    outsider.force_login(tiny_district.people["13900000008"])
    assert outsider.get(f"/forum/surveys/{s.pk}/").status_code == 404
