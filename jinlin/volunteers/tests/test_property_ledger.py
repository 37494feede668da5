"""Random sequences of confirms, redemptions, reversals and disputes never create or lose an hour:
after every step the balances sum to zero, each equals the sum of its postings, and no account is
below its floor (`jinlin timebank verify` says ok)."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinlin.volunteers import ledger, services
from jinlin.volunteers.errors import Conflict
from jinlin.volunteers.models import Account, Need, NeedStatus, Transfer

HOURS = st.sampled_from(["0.5", "1", "1.5", "2", "3"])
STEP = st.one_of(
    st.tuples(st.just("confirm"), HOURS),
    st.tuples(st.just("dispute"), HOURS),
    st.tuples(st.just("resolve"), st.integers(0, 20)),
    st.tuples(st.just("redeem"), st.integers(0, 2)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
)


def check(report):
    assert report["ok"], report
    assert report["sum"] == "0"
    for account in Account.objects.all():
        assert account.balance == ledger.balance_of(account)
        assert account.floor is None or account.balance >= account.floor


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=14))
def test_random_confirms_redemptions_reversals_and_disputes_never_create_or_lose_value(tb, steps):
    with transaction.atomic():
        rewards = [
            services.reward_create(actor=tb.staff, community=tb.community, name=f"奖励{i}", cost=c, stock=2)
            for i, c in enumerate(["1", "2.5", "4"])
        ]
        for op, arg in steps:
            try:
                with transaction.atomic():
                    if op in ("confirm", "dispute"):
                        need = services.need_post(actor=tb.elder, title="帮忙", hours=arg)
                        services.need_take(actor=tb.volunteer, need=need)
                        services.need_done(actor=tb.volunteer, need=need, hours=arg)
                        if op == "confirm":
                            services.need_confirm(actor=tb.elder, need=need)
                        else:
                            services.need_dispute(actor=tb.elder, need=need, reason="时长不对")
                    elif op == "resolve":
                        disputed = list(Need.objects.filter(status=NeedStatus.DISPUTED).order_by("pk"))
                        if disputed:
                            services.need_confirm(actor=tb.staff, need=disputed[arg % len(disputed)])
                    elif op == "redeem":
                        services.reward_redeem(actor=tb.volunteer, reward=rewards[arg])
                    else:
                        transfers = list(Transfer.objects.order_by("pk"))
                        if transfers:
                            services.transfer_correct(actor=tb.staff, transfer=transfers[arg % len(transfers)])
            except Conflict:
                pass  # refused: short balance or stock, already reversed — nothing may have changed
            except PermissionDenied:
                pass
            check(ledger.ledger_verify())
        out = StringIO()
        call_command("timebank", "verify", "--json", stdout=out)
        assert json.loads(out.getvalue())["ok"] is True
        for reward in rewards:
            reward.refresh_from_db()
            assert reward.stock >= 0
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_verify_command_prints_the_contract_fields(tb):
    out = StringIO()
    call_command("timebank", "verify", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report) == {"ok", "accounts", "transfers", "sum", "problems"}
    assert report["sum"] == "0" and report["ok"] is True
    assert Decimal(report["sum"]) == 0
