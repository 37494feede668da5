"""Every write is audited and announced after commit (volunteers.*), for the notify app."""

import pytest

from jinlin.core import events
from jinlin.core.models import AuditEntry
from jinlin.volunteers import services

from .conftest import served_and_confirmed


@pytest.fixture
def heard():
    got = []

    def listen(event):
        got.append(event)

    events.subscribe("volunteers.*")(listen)
    yield got
    events.unsubscribe("volunteers.*", listen)


@pytest.mark.django_db(transaction=True)
def test_the_time_bank_flow_is_audited_and_announced_after_commit(tb, heard):
    need = served_and_confirmed(tb, "1")
    names = [e.name for e in heard]
    for name in (
        "volunteers.need_posted",
        "volunteers.need_taken",
        "volunteers.need_served",
        "volunteers.need_confirmed",
    ):
        assert name in names
    confirmed = next(e for e in heard if e.name == "volunteers.need_confirmed")
    assert confirmed["need_id"] == need.pk and confirmed["volunteer_id"] == tb.volunteer.pk
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"need.post", "need.take", "need.done", "need.confirm", "volunteer.apply", "volunteer.decide"} <= actions


@pytest.mark.django_db(transaction=True)
def test_a_refused_redemption_announces_nothing(tb, heard):
    reward = services.reward_create(actor=tb.staff, community=tb.community, name="粮油", cost="3", stock=1)
    heard.clear()
    with pytest.raises(Exception):
        services.reward_redeem(actor=tb.volunteer, reward=reward)
    assert heard == []


def test_the_buttons_offered_are_the_actions_the_services_accept(tb):
    from jinlin.core import policy

    need = services.need_post(actor=tb.elder, title="陪聊", hours="1")
    assert policy.allowed_actions(tb.volunteer, need, "need.", among=["need.take", "need.confirm"]) == ["need.take"]
    assert policy.allowed_actions(tb.elder, need, "need.", among=["need.take", "need.cancel"]) == ["need.cancel"]
    services.need_take(actor=tb.volunteer, need=need)
    need.refresh_from_db()
    assert policy.allowed_actions(tb.volunteer, need, "need.", among=["need.done", "need.take"]) == ["need.done"]
