"""GET /api/metrics/cases: the contract of issue 3 — rows of counts and rates, 422 on bad
parameters with a message, 404 for a unit outside the caller's area, 403 for residents."""

import pytest

from jinlin.core.services import api_token_issue

URL = "/api/metrics/cases"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def get(client):
    def _get(user, **params):
        token, _ = api_token_issue(user=user)
        return client.get(URL, params, HTTP_AUTHORIZATION=f"Bearer {token}")

    return _get


def test_rows_of_counts_and_rates_by_community(story, district, get):
    response = get(district.admin, group_by="community", **MARCH)
    assert response.status_code == 200
    body = response.json()
    assert (body["group_by"], body["date_from"], body["date_to"]) == ("community", "2026-03-01", "2026-03-31")
    rows = {r["key"]: r for r in body["rows"]}
    assert list(rows) == ["350102001001", "350102001002", "350102002001"]
    a = rows["350102001001"]
    assert (a["label"], a["intake"], a["repeats"], a["repeat_rate"]) == ("桂香社区", 4, 2, 0.5)
    assert (a["on_time"], a["due"], a["on_time_rate"]) == (1, 3, 0.3333)
    assert rows["350102002001"]["satisfaction_rate"] is None
    total = body["total"]
    assert (total["response_rate"], total["on_time_rate"], total["resolution_rate"]) == (0.6, 0.4, 0.6)
    assert (total["satisfaction_rate"], total["rework_rate"], total["repeat_rate"]) == (0.75, 0.3333, 0.2857)
    assert body["as_of"]  # the time of the story's refresh


def test_by_month_over_two_months(story, district, get):
    body = get(district.dispatcher, group_by="month", **{"from": "2026-02-01", "to": "2026-03-31"}).json()
    assert [(r["key"], r["intake"], r["on_time_rate"]) for r in body["rows"]] == [
        ("2026-02", 1, 1.0),
        ("2026-03", 7, 0.4),
    ]


def test_org_by_code_or_id_narrows_the_rows(story, district, get):
    street2 = district.units["350102002"]
    by_code = get(district.admin, org="350102002", group_by="community", **MARCH).json()
    by_id = get(district.admin, org=str(street2.pk), group_by="community", **MARCH).json()
    assert by_code["org"]["code"] == by_id["org"]["code"] == "350102002"
    assert [r["key"] for r in by_code["rows"]] == [r["key"] for r in by_id["rows"]] == ["350102002001"]


def test_a_community_worker_gets_only_their_community(story, district, get):
    body = get(district.staff_a, group_by="community", **MARCH).json()
    assert [r["key"] for r in body["rows"]] == ["350102001001"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "to"),
        ({"group_by": "planet"}, "group_by"),
    ],
)
def test_bad_parameters_answer_422_with_a_message(district, get, params, field):
    response = get(district.admin, **params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == [[field]]
    assert detail[0]["msg"]


def test_bad_parameters_are_explained_in_the_users_language(district, get):
    response = get(district.admin, **{"from": "2026-03-31", "to": "2026-03-01"})  # Chinese by default
    assert response.json()["detail"][0]["msg"] == "结束日期不能早于开始日期。"


@pytest.mark.parametrize("org", ["350102001002", "350102002", "999999", "350102B01"])
def test_a_unit_outside_the_callers_area_answers_404(district, get, org):
    # Community A's worker: another community, another street, an unknown code, a department.
    assert get(district.staff_a, org=org, **MARCH).status_code == 404


def test_a_resident_gets_403(district, get):
    assert get(district.resident, **MARCH).status_code == 403


def test_without_a_token_the_answer_is_401(client, district):
    assert client.get(URL, MARCH).status_code == 401


def test_no_parameters_means_the_last_twelve_months_grouped_below_the_callers_level(district, get):
    body = get(district.admin).json()
    assert body["group_by"] == "street"  # the admin sees the whole district
    assert body["total"]["intake"] == 0
    assert body["as_of"] is None  # never refreshed: no figures yet, rather than real zeros
    assert get(district.staff_a).json()["group_by"] == "grid"
