"""Query counts of the hot reads stay the same however many cases there are (no N+1).

Each test measures a read on the generated street, adds cases (and timeline entries) through
the services as production would, measures again, and asserts the same number of queries — and
a fixed ceiling, so a regression shows up here before it shows up in `jinlin bench` at city scale.
"""

from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jinlin.cases import selectors, services
from jinlin.cases.machine import ACTIVE
from jinlin.cases.models import Case
from jinlin.core import workcalendar
from jinlin.core.models import OrgKind, Role, RoleAssignment, User
from jinlin.core.services import api_token_issue
from jinlin.stats.selectors import case_metrics

MORE_CASES = 15


def _first(role: str, **org) -> User:
    grant = RoleAssignment.objects.filter(role=role, **org).select_related("user", "org").order_by("pk").first()
    return User.objects.get(pk=grant.user_id)


def _fresh(user: User) -> User:
    # A new object per request, as in production: no roles cached from the previous measurement.
    return User.objects.get(pk=user.pk)


def _busy_department() -> tuple[User, object]:
    grant = (
        RoleAssignment.objects.filter(role=Role.DEPARTMENT_HANDLER, org__kind=OrgKind.DEPARTMENT)
        .select_related("org")
        .order_by("pk")
    )
    best = max(grant, key=lambda g: Case.objects.filter(owner_unit=g.org, status__in=ACTIVE).count())
    return User.objects.get(pk=best.user_id), best.org


def _grow(unit, n: int = MORE_CASES) -> None:
    """n more residents' cases, accepted and dispatched to `unit`, through the services."""
    dispatcher = _first(Role.DISPATCHER)
    residents = RoleAssignment.objects.filter(role=Role.RESIDENT).select_related("user").order_by("-pk")[:n]
    for grant in residents:
        case, _created = services.case_submit(actor=grant.user, title="楼道灯不亮", description="晚上很黑")
        case = services.case_accept(actor=_fresh(dispatcher), case=case)
        services.case_dispatch(actor=_fresh(dispatcher), case=case, unit=unit)


def _count(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_a_handler_s_inbox_costs_the_same_queries_with_more_cases(street, django_assert_max_num_queries):
    handler, unit = _busy_department()

    def inbox():
        for case in selectors.inbox(_fresh(handler))[:20]:
            # What the inbox shows of each case.
            (case.category.name if case.category_id else "", case.owner_unit.name, case.owner_user)

    before = _count(inbox)
    _grow(unit)
    # Roles, the unit ids of the handler's units (a list: see selectors.inbox), the cases.
    with django_assert_max_num_queries(4):
        inbox()
    assert _count(inbox) == before


def test_the_inbox_page_costs_the_same_queries_with_more_cases(street, django_assert_max_num_queries):
    handler, unit = _busy_department()
    client = Client()
    client.force_login(handler)
    url = reverse("cases:inbox")
    # The session's first request does its one-time work (the second-factor check, the activity
    # stamp); the counts compare pages, so a request takes it first.
    client.get(url)
    before = _count(lambda: client.get(url))
    _grow(unit)
    # The session's activity stamp (idle timeout) is written at most every 30 s: growing the data
    # can take longer, so one request takes it before the one that is counted.
    client.get(url)
    # 6 for the page, 1 for the bell's unread count on every page (notify: one indexed count).
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    assert _count(lambda: client.get(url)) == before


def test_the_case_detail_api_costs_the_same_queries_with_a_longer_timeline(street, django_assert_max_num_queries):
    handler, unit = _busy_department()
    token = api_token_issue(user=handler)[0]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    case = Case.objects.filter(owner_unit=unit, status__in=ACTIVE).order_by("pk").first()
    url = f"/api/cases/{case.pk}"
    before = _count(lambda: client.get(url))
    _grow(unit)
    for n in range(8):
        services.case_comment(actor=_fresh(handler), case=case, note=f"进展 {n}")
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["timeline"]) >= 8
    assert _count(lambda: client.get(url)) == before


def test_the_dashboard_selector_costs_the_same_queries_with_more_cases(
    street, django_assert_max_num_queries, monkeypatch
):
    admin = _first(Role.PLATFORM_ADMIN)
    _handler, unit = _busy_department()
    groupings = ("street", "community", "grid", "department", "category", "month")

    def metrics():
        for group_by in groupings:
            case_metrics(_fresh(admin), date_from=date(2025, 3, 9), date_to=date(2026, 3, 9), group_by=group_by)

    # Working hours read the holiday calendar once per year and minute; load the years the cases
    # may span and keep them, so the counts compare the selector's queries and not a cache's.
    monkeypatch.setattr(workcalendar, "CACHE_SECONDS", 10**9)
    for year in range(2024, 2028):
        workcalendar.is_working_day(date(year, 1, 1))
    # The seed built the facts and rollups; the new cases enter them by the incremental refresh,
    # so the second count reads more facts, not the same ones.
    from jinlin.stats.models import CaseFact
    from jinlin.stats.services import metrics_refresh

    facts = CaseFact.objects.count()
    before = _count(metrics)
    _grow(unit)
    metrics_refresh()
    assert CaseFact.objects.count() > facts > 0
    # 10 per grouping, and the followers figure (one aggregate over the follows) for some of them.
    with django_assert_max_num_queries(11 * len(groupings)):
        metrics()
    assert _count(metrics) == before
