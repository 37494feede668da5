"""Who hears what in the case loop (issue 13 §4), with the case events delivered as cases emits them."""

import pytest

from jinlin.cases import services as cases
from jinlin.cases.models import CaseFollow
from jinlin.cases.tests.flow import bring_to, submit
from jinlin.notify.models import Delivery, Notification

from .helpers import announce

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_owner_units_handlers_hear_of_a_dispatch_and_the_dispatcher_does_not(org, people, categories):
    case = bring_to("dispatched", org, people)
    announce(case, "dispatched", people.dispatcher, owner_unit_id=org.housing.pk, assignee_id=None)
    assert "case.dispatched" in kinds_of(people.handler)
    assert "case.dispatched" in kinds_of(people.handler2)
    assert "case.dispatched" not in kinds_of(people.dispatcher)
    # The reporter hears that it went to the department, by name.
    note = Notification.objects.get(recipient=people.resident, kind="case.dispatched")
    assert org.housing.name in note.title


def test_a_named_assignee_alone_hears_of_the_dispatch(org, people, categories):
    case = bring_to("dispatched", org, people)
    announce(case, "dispatched", people.dispatcher, owner_unit_id=org.housing.pk, assignee_id=people.handler2.pk)
    assert "case.dispatched" in kinds_of(people.handler2)
    assert "case.dispatched" not in kinds_of(people.handler)


def test_reporter_and_followers_hear_the_outcome_and_the_actor_is_not_told_of_their_own_action(org, people, categories):
    case = bring_to("resolved", org, people)
    CaseFollow.objects.create(case=case, user=people.neighbour)
    announce(case, "resolved", people.handler)
    assert kinds_of(people.resident) == ["case.resolved"]
    assert kinds_of(people.neighbour) == ["case.resolved"]
    assert kinds_of(people.handler) == []


def test_a_new_case_not_dispatched_by_the_platform_reaches_the_dispatchers_queue(org, people, categories):
    case = submit(people)
    Notification.objects.all().delete()
    announce(case, "submitted", people.resident, live=True)
    assert kinds_of(people.dispatcher) == ["case.submitted"]
    assert kinds_of(people.resident) == []


def test_urge_reaches_owner_and_supervisor(org, people, categories):
    case = bring_to("dispatched", org, people)
    announce(case, "urged", None)
    assert "case.urged" in kinds_of(people.handler)
    assert "case.urged" in kinds_of(people.supervisor)
    assert "case.urged" not in kinds_of(people.resident)


def test_escalation_reaches_every_target_with_the_report_deadline(org, people, categories):
    case = bring_to("dispatched", org, people)
    announce(
        case, "escalated", people.staff_a, target_unit_ids=[org.urban.pk], report_due_at="2026-03-09T12:00:00+08:00"
    )
    note = Notification.objects.get(recipient=people.urban_handler, kind="case.escalated")
    assert "03-09 12:00" in note.title


def test_a_reply_reaches_the_reporter_and_an_internal_note_does_not(org, people, categories):
    case = bring_to("dispatched", org, people)
    cases.case_comment(actor=people.handler, case=case, note="内部：需要物业配合")
    announce(case, "commented", people.handler)
    assert kinds_of(people.resident) == []
    cases.case_comment(actor=people.handler, case=case, note="您好，明天上门维修", reply=True)
    announce(case, "commented", people.handler)
    assert kinds_of(people.resident) == ["case.commented"]


def test_outcomes_go_by_sms_to_the_resident_by_default_and_staff_get_in_app_only(org, people, categories, settings):
    case = bring_to("resolved", org, people)
    announce(case, "resolved", people.handler)
    sms = Delivery.objects.get(channel="sms", kind="case.resolved")
    assert sms.address == people.resident.phone
    announce(case, "urged", None)
    assert not Delivery.objects.filter(kind="case.urged").exists()


def test_messages_are_in_the_recipients_language(org, people, categories):
    people.resident.language = "en"
    people.resident.save()
    case = bring_to("resolved", org, people)
    announce(case, "resolved", people.handler)
    assert Notification.objects.get(recipient=people.resident).title.startswith("Your request")
