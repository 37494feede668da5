"""Forty people press 兑换 at the same instant. On PostgreSQL the row locks (SELECT … FOR UPDATE on
the reward, then the accounts in id order) queue them; on SQLite the IMMEDIATE transactions do.
Either way exactly as many succeed as the balance (or the stock) allows, the rest are refused with
a conflict (409 in the API), and the ledger still verifies. Both databases run these tests."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from jinlin.volunteers import ledger, services
from jinlin.volunteers.errors import InsufficientBalance, OutOfStock
from jinlin.volunteers.models import Redemption, Reward

from .conftest import served_and_confirmed

N = 40


def race(reward_id, user, n=N):
    barrier = threading.Barrier(n)
    outcomes = []
    lock = threading.Lock()

    def redeem():
        try:
            barrier.wait(timeout=30)
            services.reward_redeem(actor=user, reward=Reward.objects.get(pk=reward_id))
            result = "ok"
        except InsufficientBalance:
            result = "balance"
        except OutOfStock:
            result = "stock"
        except Exception as exc:  # anything else fails the test below
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=redeem) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_redemptions_from_a_balance_for_five_spend_exactly_five(tb):
    served_and_confirmed(tb, "5")
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="爱心理发", cost="1", stock=100)
    outcomes = race(reward.pk, tb.volunteer)
    assert outcomes.count("ok") == 5 and outcomes.count("balance") == N - 5, outcomes
    assert ledger.person_account(tb.volunteer).balance == Decimal("0")
    assert Reward.objects.get(pk=reward.pk).stock == 95 and Redemption.objects.count() == 5
    assert ledger.ledger_verify()["ok"]


@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_redemptions_of_a_stock_of_five_never_take_it_below_zero(tb):
    served_and_confirmed(tb, "20")
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="粮油礼包", cost="0.5", stock=5)
    outcomes = race(reward.pk, tb.volunteer)
    assert outcomes.count("ok") == 5 and outcomes.count("stock") == N - 5, outcomes
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert ledger.person_account(tb.volunteer).balance == Decimal("17.50")
    assert ledger.ledger_verify()["ok"]
