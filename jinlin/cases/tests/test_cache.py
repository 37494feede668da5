"""Per-process caches of SLA policies, categories and command centres (cases.cache): read once
outside transactions, dropped when a row changes, re-read after CACHE_SECONDS."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jinlin.cases import cache, services, sla
from jinlin.cases.models import Category, LimitUnit, SlaPolicy, Tier


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def intake_tables():
    sla.limit_for(None, Tier.NORMAL)
    services.active_categories()
    services.command_centre_for("350102001")


@pytest.fixture
def clean_caches():
    for table in (sla._books, services._categories, services._centres):
        table.clear()
    yield
    for table in (sla._books, services._categories, services._centres):
        table.clear()


@pytest.mark.django_db(transaction=True)
def test_the_tables_intake_reads_are_read_once_and_then_from_memory(org, clean_caches):
    assert queries(intake_tables) > 0
    assert queries(intake_tables) == 0


@pytest.mark.django_db(transaction=True)
def test_saving_a_policy_or_a_category_drops_the_cached_copy_at_once(org, clean_caches):
    assert sla.limit_for(None, Tier.NORMAL) == sla.DEFAULT_LIMIT
    SlaPolicy.objects.create(category=None, tier=Tier.NORMAL, limit_amount=3, limit_unit=LimitUnit.WORKING_DAYS)
    assert sla.limit_for(None, Tier.NORMAL).amount == 3
    assert "lamp" not in services.active_categories()
    Category.objects.create(code="lamp", name="路灯", department=org.urban)
    assert services.active_categories()["lamp"].department == org.urban


@pytest.mark.django_db(transaction=True)
def test_other_processes_changes_are_seen_after_the_cache_time(org, clean_caches, monkeypatch):
    intake_tables()
    # A bulk write sends no signal, as a change made in another process would not reach this one.
    Category.objects.bulk_create([Category(code="lamp", name="路灯")])
    assert "lamp" not in services.active_categories()
    monkeypatch.setattr(cache, "CACHE_SECONDS", -1)
    assert "lamp" in services.active_categories()


@pytest.mark.django_db(transaction=True)
def test_what_a_transaction_reads_is_not_kept_for_others(org, clean_caches):
    with transaction.atomic():
        Category.objects.bulk_create([Category(code="lamp", name="路灯")])
        assert "lamp" in services.active_categories()
        transaction.set_rollback(True)
    assert "lamp" not in services.active_categories()


@pytest.mark.django_db(transaction=True)
def test_case_reads_take_org_units_from_memory_and_see_a_renamed_unit_at_once(org):
    from jinlin.cases import selectors
    from jinlin.cases.models import Case

    selectors._units.clear()
    assert selectors.with_related([Case(owner_unit_id=org.urban.pk)])[0].owner_unit.name == org.urban.name
    assert queries(lambda: selectors.with_related([Case(owner_unit_id=org.urban.pk)])) == 0
    org.urban.name = "城市管理局（新）"
    org.urban.save()
    assert selectors.with_related([Case(owner_unit_id=org.urban.pk)])[0].owner_unit.name == "城市管理局（新）"
