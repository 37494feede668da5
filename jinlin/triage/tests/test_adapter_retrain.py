"""Learning from history: the retrain task and command train category and unit models from
cases staff finished, skip when there is too little, are idempotent, and leave out what the
platform decided on its own (no feedback loop)."""

import json

import pytest
from django.core.management import call_command

from jinlin.cases import services as cases
from jinlin.triage import adapter, services
from jinlin.triage.models import ModelKind, TriageModel
from jinlin.triage.tasks import retrain_from_cases

from .adapter_fixtures import *  # noqa: F403
from .adapter_fixtures import G1_POINT, LAMP, PLACES, PROPERTY

pytestmark = pytest.mark.django_db


def finish(people, org, *, title, text, category, unit, actor="dispatcher"):
    """A case taken through the loop by staff: accepted with `category`, dispatched to `unit`,
    claimed and resolved by that unit's handler."""
    handler = people.urban_handler if unit == org.urban else people.handler
    case, _ = cases.case_submit(actor=people.resident, title=title, description=text, lat=G1_POINT[0], lng=G1_POINT[1])
    dispatcher = getattr(people, actor)
    cases.case_accept(actor=dispatcher, case=case, category_code=category)
    cases.case_dispatch(actor=dispatcher, case=case, unit=unit)
    cases.case_claim(actor=handler, case=case)
    cases.case_resolve(actor=handler, case=case, result="已处理")
    return case


def history(people, org, n_per_class):
    done = []
    for i in range(n_per_class):
        place = PLACES[i % len(PLACES)]
        lamp = LAMP[i % len(LAMP)].format(p=place)
        prop = PROPERTY[i % len(PROPERTY)].format(p=place)
        done.append(finish(people, org, title="路灯", text=lamp, category="streetlight", unit=org.urban))
        done.append(finish(people, org, title="物业", text=prop, category="property", unit=org.housing))
    return done


def test_with_too_little_history_retraining_skips_with_the_reason(people, categories, org):
    history(people, org, 4)
    out = retrain_from_cases.call()
    assert out["category"]["status"] == "skipped" and out["category"]["n"] == 8
    assert "8" in out["category"]["reason"]
    assert not TriageModel.objects.exists()


def test_the_task_trains_both_models_from_staff_labelled_history_and_is_idempotent(people, categories, org):
    history(people, org, 9)
    out = retrain_from_cases.call(min_cases=18)
    assert out["category"]["status"] == "trained" and out["unit"]["status"] == "trained"
    category = TriageModel.objects.get(kind=ModelKind.CATEGORY, is_active=True)
    assert set(category.metrics["classes"]) == {"streetlight", "property"}
    unit = TriageModel.objects.get(kind=ModelKind.UNIT, is_active=True)
    assert set(unit.metrics["classes"]) == {org.urban.code, org.housing.code}
    assert category.created_by is None  # trained by the platform

    again = retrain_from_cases.call(min_cases=18)
    assert again["category"]["status"] == "skipped" and again["category"]["version"] == 1
    assert TriageModel.objects.count() == 2

    # The next intake uses the learned models.
    services.reset_cache()
    case, _ = cases.case_submit(actor=people.resident, title="路灯", description="东街口的路灯不亮了，老人走夜路害怕")
    case.refresh_from_db()
    assert case.suggestions["source"] == "model"
    assert case.suggestions["categories"][0]["code"] == "streetlight"
    assert case.suggestions["unit"] == {
        "id": org.urban.pk,
        "code": org.urban.code,
        "name": org.urban.name,
        "probability": case.suggestions["unit"]["probability"],
        "source": "model",
    }


def test_cases_the_platform_dispatched_on_its_own_are_left_out_until_a_person_corrects_them(
    people, categories, org, category_model
):
    category_model.threshold = 0.05
    auto, _ = cases.case_submit(actor=people.resident, title="路灯", description="东街口的路灯不亮了")
    auto.refresh_from_db()
    assert auto.suggestions["auto_dispatched"]
    cases.case_claim(actor=people.urban_handler, case=auto)
    cases.case_resolve(actor=people.urban_handler, case=auto, result="已修")

    corrected, _ = cases.case_submit(actor=people.resident, title="路灯", description="南门兜的路灯不亮了")
    corrected.refresh_from_db()
    cases.case_dispatch(actor=people.dispatcher, case=corrected, unit=org.housing)  # a person's transfer
    cases.case_claim(actor=people.handler, case=corrected)
    cases.case_resolve(actor=people.handler, case=corrected, result="已修")

    rows = adapter.training_rows()
    unit_ids = {r["id"] for r in rows["unit"]}
    assert auto.pk not in unit_ids and corrected.pk in unit_ids
    # The category the platform filled in stays out even after the person's transfer.
    assert not {auto.pk, corrected.pk} & {r["id"] for r in rows["category"]}


def test_the_command_reports_as_json(people, categories, org):
    history(people, org, 2)
    from io import StringIO

    out = StringIO()
    call_command("triage_retrain", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["category"]["status"] == "skipped" and result["unit"]["status"] == "skipped"


def test_an_administrator_rolls_back_to_an_older_model_from_the_admin(client, db):
    from jinlin.core.models import User

    from .adapter_fixtures import history_rows

    first = services.train_from_rows(actor=None, rows=history_rows(), kind=ModelKind.CATEGORY)
    services.train_from_rows(actor=None, rows=history_rows(), kind=ModelKind.CATEGORY)
    admin = User.objects.create_superuser("13800009999", "admin-pass-42", name="管理员")
    client.force_login(admin)
    listing = client.get("/admin/triage/triagemodel/")
    assert listing.status_code == 200 and "blob" not in listing.text
    response = client.post(
        "/admin/triage/triagemodel/", {"action": "activate", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    assert TriageModel.objects.get(kind=ModelKind.CATEGORY, is_active=True) == first
