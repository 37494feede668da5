"""The place of the problem on the case page: a map with the pin and the grid outline for staff,
and the explicit, audited reveal of the exact address and the reporter's phone (reason required),
offered only to the policy row case.reveal_contact."""

import pytest
from django.urls import reverse

from jinlin.cases.machine import Status
from jinlin.core.models import AuditEntry

from .flow import bring_to

pytestmark = pytest.mark.django_db

ADDRESS = "桂香小区1号楼2单元501"


@pytest.fixture
def case(org, people):
    return bring_to(Status.DISPATCHED, org, people, address=ADDRESS)


def test_the_handler_sees_the_pin_and_the_grid_outline_on_the_case_page(client, people, case):
    client.force_login(people.handler)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert "data-map-case" in page.text and f'data-lat="{case.lat:.6f}"' in page.text
    assert 'id="case-grid"' in page.text and "桂香一网格" in page.text
    assert ADDRESS not in page.text and "13800000001" not in page.text  # masked by default


def test_the_resident_who_reported_gets_no_staff_map_and_no_reveal(client, people, case):
    client.force_login(people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert "data-map-case" not in page.text and "data-reveal-box" not in page.text


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("handler", True),  # the owner unit's handlers
        ("handler2", True),
        ("worker1", True),  # the grid worker of the case's grid
        ("dispatcher", True),
        ("urban_handler", False),  # another department
        ("supervisor", False),
        ("officer", False),
        ("staff_a", False),  # community staff of the place: not the owner unit (PIPL, minimum necessary)
    ],
)
def test_the_reveal_is_offered_only_to_those_handling_the_case(client, people, case, who, offered):
    user = getattr(people, who)
    client.force_login(user)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert ("data-reveal-box" in page.text) is offered
    response = client.post(reverse("cases:reveal_contact", args=[case.pk]), {"reason": "上门前联系"})
    if offered:
        assert response.status_code == 200 and ADDRESS in response.text
    else:
        assert response.status_code in (403, 404) and ADDRESS not in response.text
        assert not AuditEntry.objects.filter(action="case.reveal_contact", actor=user).exists()


def test_revealing_with_a_reason_writes_an_audit_entry_and_shows_the_full_values(client, people, case):
    client.force_login(people.handler)
    response = client.post(reverse("cases:reveal_contact", args=[case.pk]), {"reason": "上门前电话联系"})
    assert response.status_code == 200
    assert ADDRESS in response.text and "13800000001" in response.text
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="case.reveal_contact", actor=people.handler)
    assert entry.after == {"reason": "上门前电话联系"}


def test_a_reveal_without_a_reason_is_refused_and_not_audited(client, people, case):
    client.force_login(people.handler)
    response = client.post(reverse("cases:reveal_contact", args=[case.pk]), {"reason": ""})
    assert response.status_code == 422
    assert ADDRESS not in response.text
    assert not AuditEntry.objects.filter(action="case.reveal_contact").exists()


def test_community_staff_reveal_only_a_case_their_community_handles(client, people, org, case):
    from jinlin.cases import services

    client.force_login(people.staff_a)
    url = reverse("cases:reveal_contact", args=[case.pk])
    assert client.post(url, {"reason": "上门前联系"}).status_code in (403, 404)
    services.case_return(actor=people.handler, case=case, reason="属社区事务")
    services.case_dispatch(actor=people.dispatcher, case=case, unit=org.community_a)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert "data-reveal-box" in page.text
    response = client.post(url, {"reason": "上门前联系"})
    assert response.status_code == 200 and ADDRESS in response.text
    assert AuditEntry.objects.filter(action="case.reveal_contact", actor=people.staff_a).count() == 1
