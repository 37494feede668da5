"""Emergencies (早发现、早核实、早拦截、早打击): a tier of case with its own short limit and four steps."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from jinlin.cases.models import Case, Tier
from jinlin.cases.sla import next_tier, tier_after_overdue
from jinlin.people.emergency import checklist, emergencies_for, emergency_open, emergency_step_record
from jinlin.people.models import EmergencyStep


def _open(user, title="老人接到冒充公检法电话，正准备转账"):
    return emergency_open(actor=user, title=title, note="楼栋长电话报告")


def test_an_emergency_is_a_case_of_the_emergency_tier_due_within_hours(district):
    case = _open(district.people["13900000002"])
    assert case.tier == Tier.EMERGENCY
    assert case.due_at - case.created_at == timedelta(hours=2)
    assert list(EmergencyStep.objects.filter(case=case).values_list("step", flat=True)) == ["discover"]


def test_the_four_steps_are_recorded_once_and_in_order(district):
    officer = district.people["13900000009"]
    case = _open(district.people["13900000002"])
    with pytest.raises(ValidationError, match="早核实"):
        emergency_step_record(actor=officer, case=case, step="intercept")
    for step in ("verify", "intercept", "strike"):
        emergency_step_record(actor=officer, case=case, step=step, note=step)
    with pytest.raises(ValidationError):
        emergency_step_record(actor=officer, case=case, step="strike")
    case = Case.objects.prefetch_related("emergency_steps").get(pk=case.pk)
    assert [s["record"] is not None for s in checklist(case)] == [True, True, True, True]


def test_steps_are_refused_on_an_ordinary_case_and_to_a_grid_worker_of_another_grid(district):
    case = _open(district.people["13900000002"])
    with pytest.raises(PermissionDenied):
        emergency_step_record(actor=district.people["13900000008"], case=case, step="verify")
    ordinary = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(tier=Tier.NORMAL)
    ordinary.refresh_from_db()
    with pytest.raises(ValidationError):
        emergency_step_record(actor=district.people["13900000002"], case=ordinary, step="verify")


def test_an_emergency_is_never_reached_by_raising_a_tier(district):
    assert next_tier(Tier.HARD) == Tier.HARD
    assert tier_after_overdue(Tier.HARD, 5) == Tier.HARD
    assert tier_after_overdue(Tier.EMERGENCY, 5) == Tier.EMERGENCY


def test_the_emergency_list_shows_only_emergencies_in_scope(district):
    case = _open(district.people["13900000002"])
    for phone in ("13900000003", "13900000009"):  # community staff and the community police
        assert [c.pk for c in emergencies_for(district.people[phone])] == [case.pk]
    assert list(emergencies_for(district.people["13900000008"])) == []


def test_the_emergency_page_opens_one_and_records_the_next_step(district):
    client = Client()
    client.force_login(district.people["13900000002"])
    response = client.post("/people/emergencies/", {"title": "电诈预警：独居老人将去银行汇款", "note": "银行报告"})
    assert response.status_code == 302
    case = Case.objects.get(tier=Tier.EMERGENCY)
    police = Client()
    police.force_login(district.people["13900000009"])
    police.post("/people/emergencies/", {"case_id": case.pk, "step": "verify", "note": "已电话核实"})
    page = police.get("/people/emergencies/").content.decode()
    assert "电诈预警" in page and "已电话核实" in page and 'data-step="intercept"' in page
    assert Client().get("/people/emergencies/").status_code == 302
    resident = Client()
    resident.force_login(district.people["13900000001"])
    assert resident.get("/people/emergencies/").status_code == 403


def test_the_home_card_shows_visit_coverage_overdue_visits_stale_buildings_and_emergencies(district):
    import re

    from jinlin.people.selectors import coverage

    worker = district.people["13900000002"]
    _open(worker)
    client = Client()
    client.force_login(worker)
    page = client.get("/").content.decode()

    def figure(key):
        found = re.search(rf'data-figure="{key}">.*?<strong>(\d+)</strong>', page, re.S)
        return int(found.group(1)) if found else None

    cover = coverage(worker)
    assert cover["pairings"] > 0
    assert figure("visit_coverage") == round(100 * cover["rate"])
    assert figure("visits_overdue") == cover["overdue"]
    assert figure("stale_buildings") is not None and figure("stale_buildings") > 0
    assert figure("emergencies") == 1


def test_an_emergency_is_due_in_hours_even_without_a_policy_row(district):
    from jinlin.cases.models import SlaPolicy

    SlaPolicy.objects.filter(tier=Tier.EMERGENCY).delete()  # the policy cache drops on the delete signal
    case = _open(district.people["13900000002"])
    assert case.due_at - case.created_at == timedelta(hours=2)
