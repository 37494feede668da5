"""Visit coverage by community and grid: counts, never-visited key households, scope, page, CSV export."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from jinlin.core.models import AuditEntry
from jinlin.people import coverage
from jinlin.people.models import Pairing

STAFF_G1, GRID_WORKER_G1, GRID_WORKER_G2, RESIDENT = "13900000003", "13900000002", "13900000008", "13900000001"
G1, COMMUNITY_1 = "350102001001001", "350102001001"


def test_coverage_counts_per_community_and_grid_match_the_pairings(district, django_assert_max_num_queries):
    staff = district.people[STAFF_G1]
    now = timezone.now()
    coverage.coverage_by_area(staff, now)  # warms the user's role bindings
    with django_assert_max_num_queries(4):  # pairings, never-visited, the units: whatever the area's size
        rows = coverage.coverage_by_area(staff, now)
    assert [r.code for r in rows] == [COMMUNITY_1]
    (community,) = rows
    active = Pairing.objects.filter(scope_code__startswith=COMMUNITY_1, ended_at=None)
    assert community.pairings == active.count() > 0
    assert community.overdue == active.filter(due_at__lt=now).count()
    assert community.on_time + community.overdue == community.pairings
    assert community.rate == round(100 * community.on_time / community.pairings)
    g1 = next(g for g in community.grids if g.code == G1)
    assert g1.pairings == active.filter(scope_code=G1).count()
    assert sum(g.pairings for g in community.grids) <= community.pairings
    # Overdue everywhere an hour from the next due date: coverage drops to 0.
    later = max(active.values_list("due_at", flat=True)) + timedelta(hours=1)
    assert coverage.coverage_by_area(staff, later)[0].rate == 0


def test_key_households_never_visited_are_counted_and_disappear_once_visited(district):
    from jinlin.people import services

    staff = district.people[STAFF_G1]
    never = list(coverage.never_visited_key_households(staff))
    total = coverage.coverage_total(coverage.coverage_by_area(staff))
    assert total.never_visited == len(never)
    if never:
        household = never[0]
        services.visit_create(actor=staff, household=household, kind="走访", note="")
        assert not coverage.never_visited_key_households(staff).filter(pk=household.pk).exists()


def test_a_grid_worker_of_another_community_sees_none_of_g1_rows(district):
    rows = coverage.coverage_by_area(district.people[GRID_WORKER_G2])
    codes = [r.code for r in rows] + [g.code for r in rows for g in r.grids]
    assert not any(code.startswith(COMMUNITY_1) for code in codes)
    assert (
        not coverage.never_visited_key_households(district.people[GRID_WORKER_G2])
        .filter(scope_code__startswith=COMMUNITY_1)
        .exists()
    )
    assert coverage.coverage_by_area(district.people[RESIDENT]) == []


def test_the_coverage_page_and_its_audited_csv_export(district):
    client = Client(raise_request_exception=False)
    client.force_login(district.people[STAFF_G1])
    page = client.get("/people/coverage/")
    assert page.status_code == 200
    assert f'data-community="{COMMUNITY_1}"' in page.content.decode()
    response = client.post("/people/coverage/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    entry = AuditEntry.objects.get(action="people.coverage_export")
    assert entry.after["rows"] == len(lines) - 1 > 0
    # The grid worker sees their own page but may not export; a resident sees no coverage at all.
    worker = Client(raise_request_exception=False)
    worker.force_login(district.people[GRID_WORKER_G2])
    assert worker.get("/people/coverage/").status_code == 200
    assert COMMUNITY_1 not in worker.get("/people/coverage/").content.decode()
    assert worker.post("/people/coverage/export.csv").status_code == 403
    resident = Client(raise_request_exception=False)
    resident.force_login(district.people[RESIDENT])
    assert resident.get("/people/coverage/").status_code == 403
