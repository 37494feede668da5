"""A hard case on a joint meeting's agenda (CASE-5): the decision becomes a task and goes onto the
case's timeline through cases' own service; 每月一题 links cases and can open a topic; reminders."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jinlin.cases import services as cases
from jinlin.cases.models import TimelineEntry
from jinlin.forum import services
from jinlin.forum.models import MeetingKind, Task, TopicSource

pytestmark = pytest.mark.django_db
COMMUNITY = "350102001001"


@pytest.fixture
def hard_case(tiny_district):
    case, _ = cases.case_submit(actor=tiny_district.people["13900000001"], title="小区地下室长期渗水")
    return case


def test_a_joint_meetings_decision_goes_onto_the_cases_timeline(
    tiny_district, hard_case, django_capture_on_commit_callbacks
):
    dispatcher = tiny_district.people["13900000004"]
    district = tiny_district.units["350102"]
    meeting = services.meeting_create(
        actor=dispatcher, unit=district, title="区联席会议", kind=MeetingKind.JOINT, starts_at=timezone.now()
    )
    services.meeting_case_add(actor=dispatcher, meeting=meeting, case=hard_case)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(
            actor=dispatcher,
            meeting=meeting,
            title="住建局牵头，物业配合，维修防水层",
            owner_unit=tiny_district.units["350102B01"],
            deadline=timezone.localdate() + timedelta(days=15),
            case=hard_case,
        )
    assert task.case_id == hard_case.pk
    note = TimelineEntry.objects.filter(case=hard_case).order_by("-at", "-id").first().note
    assert "区联席会议" in note and "区住房和城乡建设局" in note


def test_a_case_outside_the_meetings_place_cannot_go_on_its_agenda(tiny_district, hard_case):
    staff = tiny_district.people["13900000003"]
    other = tiny_district.units["350102001002"]
    meeting = services.meeting_create(
        actor=tiny_district.people["13900000004"],
        unit=other,
        title="溪畔三方联席会",
        kind=MeetingKind.TRIPARTITE,
        starts_at=timezone.now(),
    )
    with pytest.raises(Exception):
        services.meeting_case_add(actor=staff, meeting=meeting, case=hard_case)
    with pytest.raises(ValidationError):
        services.meeting_case_add(actor=tiny_district.people["13900000004"], meeting=meeting, case=hard_case)


def test_a_months_theme_links_cases_and_opens_a_topic(tiny_district, hard_case):
    staff = tiny_district.people["13900000003"]
    theme = services.theme_adopt(
        actor=staff,
        unit=tiny_district.units[COMMUNITY],
        title="每月一题：地下室渗水",
        cases=[hard_case],
        plan="排查全部地下室",
        owner=staff,
        open_topic=True,
    )
    assert list(theme.cases.all()) == [hard_case]
    assert theme.topic.source == TopicSource.THEME
    services.theme_progress(actor=staff, theme=theme, progress=40)
    assert theme.progress == 40
    with pytest.raises(Exception):
        services.theme_adopt(actor=tiny_district.people["13900000001"], unit=tiny_district.units[COMMUNITY], title="x")


def test_tasks_due_soon_are_reminded_once_a_day(tiny_district):
    staff = tiny_district.people["13900000003"]
    unit = tiny_district.units[COMMUNITY]
    meeting = services.meeting_create(actor=staff, unit=unit, title="会", starts_at=timezone.now())
    services.task_create(
        actor=staff,
        meeting=meeting,
        title="近期到期",
        owner_unit=unit,
        owner=staff,
        deadline=timezone.localdate() + timedelta(days=2),
    )
    services.task_create(
        actor=staff, meeting=meeting, title="远期", owner_unit=unit, deadline=timezone.localdate() + timedelta(days=30)
    )
    assert services.task_reminders_run() == 1
    assert services.task_reminders_run() == 0
    assert Task.objects.exclude(reminded_at=None).get().title == "近期到期"


def test_staff_adopt_cases_as_a_theme_on_the_themes_page(tiny_district, hard_case):
    from django.test import Client

    from jinlin.forum.models import MonthlyTheme

    staff = Client(raise_request_exception=False)
    staff.force_login(tiny_district.people["13900000003"])
    assert staff.get("/forum/themes/").status_code == 200
    response = staff.post("/forum/themes/", {"case": [hard_case.pk], "title": "每月一题：渗水", "open_topic": "on"})
    assert response.status_code == 302, response.content.decode()[:300]
    theme = MonthlyTheme.objects.get()
    assert list(theme.cases.all()) == [hard_case] and theme.topic is not None
    assert staff.get(f"/forum/themes/{theme.pk}/").status_code == 200
