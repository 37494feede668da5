"""Jobs (订单式就业): the vacancy form, matches by skill, place and pay with why, the follow-up to
hired or not (audited), scope (a community's staff see only their community's seekers and
vacancies), the pages and the home-card counts."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jinlin.core import services as core
from jinlin.core.models import AuditEntry, Role
from jinlin.people import jobs
from jinlin.people.models import JobMatch, Resident, Seeker, Vacancy

STAFF_G1, GRID_WORKER_G1, GRID_WORKER_G2 = "13900000003", "13900000002", "13900000008"
G1, COMMUNITY_1, COMMUNITY_2 = "350102001001001", "350102001001", "350102001002"


@pytest.fixture
def staff(district):
    return district.people[STAFF_G1]


@pytest.fixture
def staff2(district):
    """Community staff of the other community (G2's)."""
    return core.user_create(
        actor=None, phone="13700000021", name="社区二干事", roles=[(Role.COMMUNITY_STAFF, district.units[COMMUNITY_2])]
    )


@pytest.fixture
def seekers(district):
    Seeker.objects.all().delete()
    here = list(Resident.objects.filter(scope_code=G1).order_by("id")[:3])
    there = Resident.objects.filter(scope_code__startswith=COMMUNITY_2).order_by("id").first()
    made = [
        Seeker.objects.create(resident=here[0], skills="电工,驾驶", min_pay=3000, near_code=G1, scope_code=G1),
        Seeker.objects.create(resident=here[1], skills="电工", min_pay=9000, near_code=G1, scope_code=G1),
        Seeker.objects.create(resident=here[2], skills="厨师", min_pay=3000, near_code=G1, scope_code=G1),
        Seeker.objects.create(
            resident=there, skills="电工,维修", min_pay=3000, near_code=there.scope_code, scope_code=there.scope_code
        ),
    ]
    return made


def vacancy_data(**kw):
    return {"employer": "清溪物业", "title": "水电工", "skills": "电工,维修", "place_code": G1, "pay": "4500",
            "pay_max": "5500", "openings": "1", "until": "", **kw}  # fmt: skip


def test_the_vacancy_form_checks_every_field_and_says_what_is_wrong(staff, district):
    with pytest.raises(ValidationError) as exc:
        jobs.vacancy_save(
            actor=staff,
            data=vacancy_data(
                employer="", pay="多少", pay_max="100", openings="0", until="明天", place_code=COMMUNITY_2
            ),
        )
    errors = exc.value.message_dict
    assert set(errors) == {"employer", "pay", "openings", "until", "place_code"}


def test_a_vacancy_is_saved_edited_and_audited(staff, district):
    with pytest.raises(ValidationError) as exc:
        jobs.vacancy_save(actor=staff, data=vacancy_data(pay_max="4000"))
    assert set(exc.value.message_dict) == {"pay_max"}
    v = jobs.vacancy_save(actor=staff, data=vacancy_data(until="2099-01-31"))
    assert (v.pay, v.pay_max, v.scope_code, str(v.until)) == (4500, 5500, G1, "2099-01-31")
    jobs.vacancy_save(actor=staff, vacancy=v, data=vacancy_data(openings="3"))
    v.refresh_from_db()
    assert v.openings == 3 and v.until is None
    actions = list(
        AuditEntry.objects.filter(object_id=str(v.pk), action__startswith="people.vacancy")
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["people.vacancy_create", "people.vacancy_update"]


def test_matches_come_from_the_staff_area_only_with_why_and_the_follow_up_is_audited(staff, staff2, seekers):
    v = jobs.vacancy_save(actor=staff, data=vacancy_data())
    found = jobs.jobs_match(actor=staff, vacancy=v)
    # The picky one wants more pay; the cook has no skill in common; community 2's electrician is not ours.
    assert [m.seeker for m in found] == [seekers[0]]
    assert found[0].score == 0.8
    (match, why), = jobs.matches_of(staff, v)  # fmt: skip
    assert why.skills == ["电工"] and why.near and why.pay_ok and why.expected_pay == 3000
    jobs.job_follow_up(actor=staff, match=match, hired=True, note="下周一到岗")
    match.refresh_from_db()
    v.refresh_from_db()
    seekers[0].refresh_from_db()
    assert match.status == "hired" and match.note == "下周一到岗" and match.followed_up_by == staff
    assert seekers[0].status == "hired"
    assert v.closed_at is not None  # its one opening is filled
    log = AuditEntry.objects.get(action="people.job_follow_up", object_id=str(match.pk))
    assert log.after == {"status": "hired", "note": "下周一到岗"}
    assert jobs.jobs_counts(staff)["hired_this_month"] == 1


def test_community_2_staff_see_none_of_g1_seekers_vacancies_or_matches(staff, staff2, seekers, district):
    v = jobs.vacancy_save(actor=staff, data=vacancy_data())
    jobs.jobs_match(actor=staff, vacancy=v)
    assert not jobs.vacancy_search(staff2).filter(pk=v.pk).exists()
    assert set(jobs.seeker_search(staff2)) == {seekers[3]}
    assert jobs.jobs_counts(staff2) == {"vacancies": 0, "seekers": 1, "hired_this_month": 0}
    with pytest.raises(Exception) as exc:
        jobs.vacancy_get(staff2, v.pk)
    assert exc.typename == "Http404"
    with pytest.raises(ValidationError):
        jobs.job_propose(actor=staff, vacancy=v, seeker=seekers[3])
    # A grid worker (of any community) does not run jobs at all.
    assert not jobs.vacancy_search(district.people[GRID_WORKER_G2]).exists()
    assert not jobs.seeker_search(district.people[GRID_WORKER_G2]).exists()


def test_the_jobs_pages_for_staff_masked_and_in_chinese(staff, seekers, district):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    empty = client.get("/people/jobs/", headers={"accept-language": "zh-hans"})
    assert empty.status_code == 200 and "data-empty" in empty.content.decode()
    bad = client.post("/people/jobs/new/", vacancy_data(employer="", pay="x"), headers={"accept-language": "zh-hans"})
    assert bad.status_code == 422
    assert "必填" in bad.content.decode() or "此字段" in bad.content.decode()
    response = client.post("/people/jobs/new/", vacancy_data())
    assert response.status_code == 302
    v = Vacancy.objects.get()
    client.post(f"/people/jobs/{v.pk}/act/", {"action": "match"})
    match = JobMatch.objects.get(vacancy=v)
    page = client.get(f"/people/jobs/{v.pk}/").content.decode()
    assert seekers[0].resident.name in page and "data-why" in page
    resident = seekers[0].resident
    if resident.phone:
        assert resident.phone not in page
    client.post(f"/people/jobs/{v.pk}/act/", {"action": "not_hired", "match_id": match.pk, "note": "嫌远"})
    match.refresh_from_db()
    assert match.status == "not_hired" and match.note == "嫌远"
    listing = client.get("/people/jobs/", {"q": "水电", "status": "all"}).content.decode()
    assert "水电工" in listing
    assert "水电工" not in client.get("/people/jobs/", {"q": "保安", "status": "all"}).content.decode()
    seekers_page = client.get("/people/jobs/seekers/")
    assert seekers_page.status_code == 200
    for s in Seeker.objects.select_related("resident"):
        if s.resident.phone:
            assert s.resident.phone not in seekers_page.content.decode()
    assert seekers[3].resident.name not in seekers_page.content.decode()  # community 2's
    assert client.get(f"/people/jobs/{v.pk}/edit/").status_code == 200
    home = client.get("/").content.decode()
    assert "/people/jobs/" in home


def test_who_may_not_run_jobs_gets_403_and_another_community_404(staff2, district, seekers):
    v = jobs.vacancy_save(actor=district.people[STAFF_G1], data=vacancy_data())
    for phone in (GRID_WORKER_G1, "13900000001"):
        client = Client(raise_request_exception=False)
        client.force_login(district.people[phone])
        assert client.get("/people/jobs/").status_code == 403
        assert client.get("/people/jobs/seekers/").status_code == 403
    client = Client(raise_request_exception=False)
    client.force_login(staff2)
    assert client.get(f"/people/jobs/{v.pk}/").status_code == 404
    assert client.post(f"/people/jobs/{v.pk}/act/", {"action": "close"}).status_code == 404
