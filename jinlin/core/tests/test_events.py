import pytest
from django.db import transaction

from jinlin.core import events


@pytest.fixture
def heard():
    got: list[events.Event] = []

    def listener(event: events.Event) -> None:
        got.append(event)

    events.subscribe("thing.*")(listener)
    yield got
    events.unsubscribe("thing.*", listener)


@pytest.mark.django_db(transaction=True)
def test_an_event_is_delivered_only_after_the_transaction_commits(heard):
    with transaction.atomic():
        events.emit("thing.closed", thing_id=7)
        assert heard == []
    assert [(e.name, e["thing_id"]) for e in heard] == [("thing.closed", 7)]


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_write_is_never_delivered(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("thing.closed", thing_id=7)
        raise RuntimeError("the write failed")
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_neither_fails_the_action_nor_silences_the_others(heard):
    def broken(event: events.Event) -> None:
        raise ValueError("subscriber bug")

    events.subscribe("thing.closed")(broken)
    try:
        with transaction.atomic():
            events.emit("thing.closed", thing_id=1)
    finally:
        events.unsubscribe("thing.closed", broken)
    assert [e["thing_id"] for e in heard] == [1]


def test_exact_and_prefix_subscribers_both_hear_and_others_do_not():
    exact: list[str] = []

    def on_exact(event: events.Event) -> None:
        exact.append(event.name)

    events.subscribe("thing.closed")(on_exact)
    try:
        assert on_exact in events.subscribers_of("thing.closed")
        assert on_exact not in events.subscribers_of("thing.opened")
        assert on_exact not in events.subscribers_of("other.closed")
    finally:
        events.unsubscribe("thing.closed", on_exact)
