"""The demo: built on the demo district through the services, the ledger verifies, and the
accounts the issue names exist with their roles."""

import pytest

from jinlin.core.demo import seed_demo
from jinlin.core.models import Role, User
from jinlin.core.scope import has_role
from jinlin.volunteers import ledger
from jinlin.volunteers.demo import seed_volunteers_demo
from jinlin.volunteers.models import Need, NeedStatus, PointRecord, Reward, Volunteer, Wish


def user(phone):
    return User.objects.get(phone_digest=User.digest_phone(phone))


@pytest.mark.django_db
def test_the_demo_has_volunteers_hours_needs_wishes_and_party_members_and_verifies():
    seed_demo()
    counts = seed_volunteers_demo()
    assert counts["ledger_ok"] and ledger.ledger_verify()["ok"]
    resident = user("13900000001")
    assert Volunteer.objects.get(user=resident).status == "approved"
    assert ledger.person_account(resident).balance == 5.5  # hours left to redeem
    elder = user("13900000012")
    assert Need.objects.filter(requester=elder, status=NeedStatus.OPEN).count() >= 2
    assert has_role(user("13900000011"), Role.PARTY_ADMIN)
    assert Reward.objects.filter(stock__gt=0).count() >= 3
    assert Wish.objects.filter(status="open").exists() and Wish.objects.filter(status="thanked").exists()
    assert PointRecord.objects.filter(status="pending").count() == 2
    assert seed_volunteers_demo() == {"volunteers": 0}  # runs once


@pytest.mark.django_db
def test_the_bench_times_a_confirmation_and_a_redemption_and_leaves_no_trace(tb):
    from jinlin.volunteers.bench import timebank_bench
    from jinlin.volunteers.models import Transfer

    before = Transfer.objects.count()
    result = timebank_bench(rounds=5)
    assert result["confirm"]["count"] == 5 and result["redeem"]["count"] == 5
    assert result["verify"]["ok"] and Transfer.objects.count() == before
