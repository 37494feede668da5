"""The demo cases are lived through the real services, so they keep every invariant of the machine."""

from datetime import datetime

from jinlin.cases.demo import seed_cases_demo
from jinlin.cases.models import Case, Category, SlaPolicy
from jinlin.core.demo import seed_demo

from .conftest import TZ
from .flow import assert_invariants


def test_demo_cases_span_the_states_with_complete_timelines(db):
    seed_demo()
    counts = seed_cases_demo(now=datetime(2026, 11, 20, 12, 0, tzinfo=TZ), count=40)
    assert counts["cases"] == 40
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"closed", "in_progress"} <= statuses
    for case in Case.objects.all():
        assert_invariants(case)
        # Metrics read the timeline by time: the simulated history must be in order.
        by_time = list(case.timeline.order_by("at", "pk").values_list("pk", flat=True))
        assert by_time == sorted(by_time)
    # Departments are found by name in the demo district.
    assert Category.objects.get(code="streetlight").department.name == "区城市管理局"
    assert SlaPolicy.objects.filter(category__isnull=True).count() == 4  # normal, key, hard, emergency


def test_seeding_the_demo_cases_twice_adds_nothing(db):
    seed_demo()
    seed_cases_demo(now=datetime(2026, 11, 20, 12, 0, tzinfo=TZ), count=3)
    assert seed_cases_demo(count=3)["cases"] == 0
    assert Case.objects.count() == 3
