"""Intake (点单) from every channel: placing by point (属地), owner, number, due time, bad input."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jinlin.cases import services
from jinlin.cases.machine import Status
from jinlin.cases.models import CaseKind, CaseReporter, Channel, TimelineEntry
from jinlin.core.models import AuditEntry

from .conftest import G2_POINT, MONDAY
from .flow import submit


def test_a_point_in_grid_g1_places_the_case_in_g1_and_its_community(org, people):
    case = submit(people)
    assert case.grid == org.g1
    assert case.community == org.community_a
    assert case.scope_code == org.g1.code
    assert case.place_label == org.community_a.name


def test_a_new_case_is_owned_by_the_command_centre_and_followed_by_its_reporter(org, people):
    case = submit(people)
    assert case.status == Status.SUBMITTED
    assert case.owner_unit == org.centre
    assert case.owner_user is None
    assert CaseReporter.objects.filter(case=case, user=people.resident).exists()


def test_intake_writes_a_submit_timeline_entry_and_an_audit_entry(org, people):
    case = submit(people)
    entry = TimelineEntry.objects.get(case=case)
    assert (entry.action, entry.from_status, entry.to_status) == ("submit", "", Status.SUBMITTED)
    assert entry.actor == people.resident
    assert AuditEntry.objects.filter(action="case.submit", object_id=str(case.pk)).exists()


def test_without_a_point_the_case_is_placed_by_the_residents_home(org, people):
    case = submit(people, point=None)
    assert case.grid == org.g1
    assert case.place_label == org.estate.name


def test_case_numbers_are_the_day_and_a_sequence(org, people):
    first = submit(people, at=MONDAY)
    second = submit(people, at=MONDAY)
    assert first.number == "2026030900001"
    assert second.number == "2026030900002"


def test_the_same_idempotency_key_returns_the_same_case(org, people):
    first, created = services.case_submit(actor=people.resident, title="垃圾没人清", idempotency_key="abc-1")
    again, created_again = services.case_submit(actor=people.resident, title="垃圾没人清", idempotency_key="abc-1")
    assert created and not created_again
    assert again.pk == first.pk


def test_the_same_key_from_another_person_is_another_case(org, people):
    first, _ = services.case_submit(actor=people.resident, title="垃圾没人清", idempotency_key="abc-1")
    other, created = services.case_submit(actor=people.neighbour, title="垃圾没人清", idempotency_key="abc-1")
    assert created and other.pk != first.pk


def test_the_idempotency_lookup_searches_the_unique_index_not_all_the_submitters_cases(org, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.case_submit(actor=people.resident, title="垃圾没人清", idempotency_key="abc-1")
    with CaptureQueriesContext(connection) as queries:
        services.case_submit(actor=people.resident, title="垃圾没人清", idempotency_key="abc-1")
    (lookup,) = [q["sql"] for q in queries.captured_queries if "idempotency_key" in q["sql"]]
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL picks its plan by the table's size; the condition is checked on SQLite")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + lookup)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "case_idempotency_per_submitter" in plan


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(org, people, title):
    with pytest.raises(ValidationError) as info:
        submit(people, title=title)
    assert "title" in info.value.message_dict


def test_latitude_200_is_refused(org, people):
    with pytest.raises(ValidationError) as info:
        services.case_submit(actor=people.resident, title="路灯", lat=200, lng=119.3)
    assert "lat" in info.value.message_dict


def test_a_latitude_without_longitude_is_refused(org, people):
    with pytest.raises(ValidationError):
        services.case_submit(actor=people.resident, title="路灯", lat=26.0, lng=None)


def test_script_tags_are_stored_as_plain_text(org, people):
    text = "<script>alert('x')</script>"
    case = submit(people, title=text, description=text)
    case.refresh_from_db()
    assert case.title == text and case.description == text


def test_the_exact_address_is_encrypted_at_rest(org, people):
    from django.db import connection

    case = submit(people, address="桂香小区3号楼2单元501")
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM cases_case WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert "桂香" not in stored
    case.refresh_from_db()
    assert case.address == "桂香小区3号楼2单元501"


def test_staff_record_a_phone_call_on_a_residents_behalf(org, people):
    case, _ = services.case_submit(
        actor=people.staff_a, title="噪音扰民", channel=Channel.PHONE, on_behalf_of_phone="13800000002"
    )
    assert case.reporter == people.neighbour
    assert case.submitted_by == people.staff_a
    assert case.contact_phone == "13800000002"
    # No point given: the resident's home places it.
    assert case.grid == org.g1
    entry = case.timeline.get()
    assert entry.actor_unit == org.community_a and entry.data["on_behalf"] is True


def test_a_caller_without_an_account_is_kept_as_a_contact(org, people):
    case, _ = services.case_submit(
        actor=people.staff_a, title="噪音扰民", channel=Channel.HOTLINE_12345, on_behalf_of_phone="13700000000"
    )
    assert case.reporter is None
    assert case.contact_phone == "13700000000"
    # Nothing else to go by: a call taken by community staff is about their community.
    assert case.scope_code == org.community_a.code


def test_residents_cannot_record_for_someone_else_or_use_staff_channels(org, people):
    with pytest.raises(PermissionDenied):
        services.case_submit(actor=people.resident, title="x", on_behalf_of_phone="13800000002")
    with pytest.raises(PermissionDenied):
        services.case_submit(actor=people.resident, title="x", channel=Channel.HOTLINE_12345)


def test_a_grid_workers_patrol_report_is_an_event_in_their_grid(org, people):
    case, _ = services.case_submit(actor=people.worker2, title="井盖缺失", channel=Channel.GRID_PATROL)
    assert case.kind == CaseKind.EVENT
    assert case.grid == org.g2
    assert case.reporter == people.worker2


def test_the_point_wins_over_the_home(org, people):
    case = submit(people, point=G2_POINT)
    assert case.grid == org.g2


def test_an_unknown_category_is_refused(org, people, categories):
    with pytest.raises(ValidationError) as info:
        submit(people, category_code="nope")
    assert "category_code" in info.value.message_dict


def test_the_category_gives_its_default_tier(org, people, categories):
    case = submit(people, category_code="water")
    assert case.tier == "key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_number(org, people):
    from django.db import connection

    numbers, errors = [], []

    def work():
        try:
            for _ in range(5):
                numbers.append(submit(people).number)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 15 and len(set(numbers)) == 15
