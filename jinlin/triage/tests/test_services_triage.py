import pytest
from django.core.exceptions import PermissionDenied

from jinlin.core.models import AuditEntry, User
from jinlin.triage import services
from jinlin.triage.engine import synthetic
from jinlin.triage.models import TriageModel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    services.reset_cache()
    yield
    services.reset_cache()


def _rows(seed=3, n=120):
    return [
        {"text": m.text, "title": m.title, "label": m.label}
        for m in synthetic.corpus(n, seed=seed, labels=["路灯", "噪音", "供暖"], noise=0.02)
    ]


def test_a_trained_model_round_trips_through_the_database_and_answers_suggestions():
    record = services.train_from_rows(actor=None, rows=[*_rows(), {"text": "无分类", "label": ""}], source="test")
    record.refresh_from_db()
    assert record.is_active and record.version == 1 and record.size == len(bytes(record.blob))
    assert record.metrics["n"] == 120 and record.metrics["skipped_unlabelled"] == 1
    result = services.suggest("半夜楼下装修电钻声吵得睡不着", title="装修噪音")
    assert result["source"] == "model" and result["version"] == 1
    assert result["suggestions"][0]["label"] == "噪音"
    assert abs(sum(s["probability"] for s in result["suggestions"]) - 1) < 1e-3
    assert isinstance(result["auto_dispatch"], bool)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"triage.model_train", "triage.model_activate"} <= actions


def test_activating_an_older_version_rolls_back_and_only_one_model_is_active():
    first = services.train_from_rows(actor=None, rows=_rows(seed=1))
    second = services.train_from_rows(actor=None, rows=_rows(seed=2))
    assert list(TriageModel.objects.filter(is_active=True)) == [second]
    assert services.suggest("路灯不亮")["version"] == 2
    services.activate(actor=None, model=first)
    assert list(TriageModel.objects.filter(is_active=True)) == [first]
    assert services.suggest("路灯不亮")["version"] == 1


def test_without_history_suggestions_come_from_keyword_rules_and_never_auto_dispatch():
    result = services.suggest("小区的路灯坏了", categories=["路灯照明", "噪音扰民", "垃圾清运"])
    assert result["source"] == "keywords"
    assert result["suggestions"][0]["label"] == "路灯照明"
    assert result["auto_dispatch"] is False
    assert services.suggest("小区的路灯坏了")["source"] == "none"


def test_only_a_platform_administrator_may_train():
    resident = User.objects.create_user("13800138000", "x-password-1", name="居民")
    with pytest.raises(PermissionDenied):
        services.train_from_rows(actor=resident, rows=_rows())
    assert not TriageModel.objects.exists()


def test_train_command_stores_an_active_model(tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    from .conftest import write_csv

    rows = _rows()
    path = write_csv(
        tmp_path / "t.csv", ["title", "text", "label"], [[r["title"], r["text"], r["label"]] for r in rows]
    )
    out = StringIO()
    call_command("triage", "train", "--data", str(path), "--text-column", "text", "--title-column", "title",
                 "--label-column", "label", "--kind", "unit", "--json", stdout=out)  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["kind"] == "unit" and result["version"] == 1 and result["active"] is True
    assert TriageModel.objects.get(kind="unit").is_active
    assert services.suggest("暖气不热", kind="unit")["source"] == "model"


def test_an_active_model_from_another_release_falls_back_to_keyword_rules():
    record = services.train_from_rows(actor=None, rows=_rows())
    blob = bytes(record.blob).replace(b'"format": 1', b'"format": 0', 1)
    TriageModel.objects.filter(pk=record.pk).update(blob=blob)
    result = services.suggest("小区的路灯坏了", categories=["路灯照明", "噪音扰民"])
    assert result["source"] == "keywords" and result["suggestions"][0]["label"] == "路灯照明"
