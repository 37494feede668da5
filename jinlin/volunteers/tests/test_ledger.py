from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jinlin.volunteers import ledger, services
from jinlin.volunteers.errors import InsufficientBalance, StateConflict
from jinlin.volunteers.models import Account, LedgerMode, LedgerSettings, NeedStatus, Posting, Transfer

from .conftest import served_and_confirmed


def test_a_confirmed_need_credits_the_volunteer_from_the_community_issuing_account(tb):
    need = served_and_confirmed(tb, "2.5")
    assert need.status == NeedStatus.CONFIRMED
    account = ledger.person_account(tb.volunteer)
    tb.issuing.refresh_from_db()
    account.refresh_from_db()
    assert account.balance == Decimal("2.50") and tb.issuing.balance == Decimal("-2.50")
    assert sorted(p.amount for p in need.transfer.postings.all()) == [Decimal("-2.50"), Decimal("2.50")]
    assert ledger.ledger_verify()["ok"]


def test_a_transfer_whose_postings_do_not_sum_to_zero_is_refused(tb):
    a = ledger.person_account(tb.volunteer)
    with pytest.raises(ValueError):
        ledger.transfer_post(legs=[(a, Decimal("1")), (tb.issuing, Decimal("-2"))], kind="grant")
    assert Transfer.objects.count() == 0


def test_a_spend_beyond_the_balance_is_refused_and_writes_nothing(tb):
    served_and_confirmed(tb, "1")
    a = ledger.person_account(tb.volunteer)
    with pytest.raises(InsufficientBalance):
        ledger.transfer_post(legs=[(a, Decimal("-1.01")), (tb.issuing, Decimal("1.01"))], kind="redeem")
    assert Transfer.objects.count() == 1 and ledger.ledger_verify()["ok"]


def test_ledger_rows_are_never_edited_or_deleted(tb):
    need = served_and_confirmed(tb)
    transfer = need.transfer
    transfer.memo = "changed"
    with pytest.raises(TypeError):
        transfer.save()
    with pytest.raises(TypeError):
        transfer.postings.first().delete()
    with pytest.raises(TypeError):
        Posting.objects.all().update(amount=Decimal("5"))
    with pytest.raises(TypeError):
        Transfer.objects.all().delete()


def test_a_correction_is_a_reversing_transfer_posted_once_and_only_by_staff(tb):
    need = served_and_confirmed(tb, "3")
    with pytest.raises(PermissionDenied):
        services.transfer_correct(actor=tb.volunteer, transfer=need.transfer)
    reversal = services.transfer_correct(actor=tb.staff, transfer=need.transfer, memo="重复记账")
    assert reversal.reverses_id == need.transfer.pk
    assert ledger.person_account(tb.volunteer).balance == 0
    with pytest.raises(StateConflict):
        services.transfer_correct(actor=tb.staff, transfer=need.transfer)
    with pytest.raises(StateConflict):
        services.transfer_correct(actor=tb.staff, transfer=reversal)
    assert Transfer.objects.count() == 2 and ledger.ledger_verify()["ok"]


def test_a_reversal_that_would_overdraw_the_volunteer_is_refused(tb):
    need = served_and_confirmed(tb, "2")
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="理发券", cost="2", stock=3)
    services.reward_redeem(actor=tb.volunteer, reward=reward)
    with pytest.raises(InsufficientBalance):
        services.transfer_correct(actor=tb.staff, transfer=need.transfer)
    assert ledger.ledger_verify()["ok"]


def test_mutual_credit_takes_the_hours_from_the_requester_within_their_limit(tb):
    LedgerSettings.objects.create(community=tb.community, mode=LedgerMode.MUTUAL, mutual_credit_limit=Decimal("3"))
    served_and_confirmed(tb, "2")
    elder = Account.objects.get(user=tb.elder)
    assert elder.balance == Decimal("-2") and elder.credit_limit == Decimal("3")
    need = services.need_post(actor=tb.elder, title="换灯泡", hours="2")
    services.need_take(actor=tb.volunteer, need=need)
    services.need_done(actor=tb.volunteer, need=need, hours="2")
    with pytest.raises(InsufficientBalance):
        services.need_confirm(actor=tb.elder, need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.SERVED and ledger.ledger_verify()["ok"]


def test_hours_expire_only_when_the_community_configures_it_and_by_a_transfer(tb):
    from datetime import timedelta

    from django.utils import timezone

    served_and_confirmed(tb, "2")
    later = timezone.now() + timedelta(days=400)
    assert ledger.expire_hours(community=tb.community, now=later) == []
    LedgerSettings.objects.create(community=tb.community, expiry_days=365)
    [expiry] = ledger.expire_hours(community=tb.community, now=later)
    assert expiry.kind == "expiry" and ledger.person_account(tb.volunteer).balance == 0
    assert ledger.ledger_verify()["ok"]


def test_verify_finds_a_stored_balance_that_differs_from_its_postings(tb):
    served_and_confirmed(tb)
    Account.objects.filter(user=tb.volunteer).update(balance=Decimal("99"))
    report = ledger.ledger_verify()
    assert not report["ok"] and "postings sum to" in report["problems"][0]


def test_the_worked_example_of_docs_timebank_md(tb):
    import json
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from jinlin.core.models import OrgKind
    from jinlin.core.services import org_unit_create

    sponsor = org_unit_create(
        actor=None, kind=OrgKind.RESIDENT_UNIT, code="350102U01", name="爱心超市", parent=tb.units["350102"]
    )
    need = services.need_post(actor=tb.elder, title="陪同去医院", hours="2")
    services.need_take(actor=tb.volunteer, need=need)
    services.need_done(actor=tb.volunteer, need=need, hours="2.5")
    need = services.need_confirm(actor=tb.elder, need=need)
    haircut = services.reward_create(actor=tb.staff, community=tb.community, name="爱心理发", cost="1", stock=5)
    oil = services.reward_create(
        actor=tb.staff, community=tb.community, name="粮油礼包", cost="3", stock=5, sponsor=sponsor
    )
    services.reward_redeem(actor=tb.volunteer, reward=haircut)
    with pytest.raises(InsufficientBalance):
        services.reward_redeem(actor=tb.volunteer, reward=oil)
    with pytest.raises(InsufficientBalance):
        services.transfer_correct(actor=tb.staff, transfer=need.transfer)
    LedgerSettings.objects.create(community=tb.community, expiry_days=365)
    ledger.expire_hours(community=tb.community, now=timezone.now() + timedelta(days=366))
    tb.issuing.refresh_from_db()
    assert ledger.person_account(tb.volunteer).balance == 0 and tb.issuing.balance == 0
    assert not Account.objects.filter(user=tb.elder).exists()
    out = StringIO()
    call_command("timebank", "verify", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"ok": True, "accounts": 3, "transfers": 3, "sum": "0", "problems": []}
