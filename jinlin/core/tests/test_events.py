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


def test_a_batch_goes_to_a_batch_subscriber_at_once_and_to_the_others_one_by_one():
    one_by_one: list[int] = []
    batches: list[list[int]] = []

    def plain(event: events.Event) -> None:
        one_by_one.append(event["n"])

    def many(batch: list[events.Event]) -> None:
        batches.append([e["n"] for e in batch])

    @events.handles_batches(many)
    def setwise(event: events.Event) -> None:
        batches.append([event["n"]])

    events.subscribe("batch.done")(plain)
    events.subscribe("batch.done")(setwise)
    try:
        events.deliver_all([events.Event("batch.done", {"n": n}) for n in range(3)])
    finally:
        events.unsubscribe("batch.done", plain)
        events.unsubscribe("batch.done", setwise)
    assert one_by_one == [0, 1, 2]
    assert batches == [[0, 1, 2]]


def test_a_failing_batch_is_retried_event_by_event_so_one_bad_event_silences_no_other():
    heard: list[int] = []

    def many(batch: list[events.Event]) -> None:
        raise ValueError("one bad row spoils the set")

    @events.handles_batches(many)
    def setwise(event: events.Event) -> None:
        if event["n"] == 1:
            raise ValueError("the bad one")
        heard.append(event["n"])

    events.subscribe("batch.failed")(setwise)
    try:
        events.deliver_all([events.Event("batch.failed", {"n": n}) for n in range(3)])
    finally:
        events.unsubscribe("batch.failed", setwise)
    assert heard == [0, 2]


@pytest.mark.django_db
def test_deferred_writes_run_after_every_subscriber_and_a_failing_one_leaves_the_others():
    from jinlin.core.events import Event, defer_write, deliver, subscribe, unsubscribe

    order = []

    def first(event):
        order.append("first")
        defer_write(event, lambda: order.append("write 1"))
        defer_write(event, lambda: 1 / 0)

    def second(event):
        order.append("second")
        defer_write(event, lambda: order.append("write 2"))

    subscribe("test.deferred")(first)
    subscribe("test.deferred")(second)
    try:
        deliver(Event("test.deferred", {}))
    finally:
        unsubscribe("test.deferred", first)
        unsubscribe("test.deferred", second)
    assert order == ["first", "second", "write 1", "write 2"]
