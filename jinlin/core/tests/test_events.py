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


def _deliver_with_writes(name: str, *writes) -> list[str]:
    """Deliver one event whose two subscribers defer `writes` (split between them); the order
    in which subscribers and writes ran."""
    from jinlin.core.events import Event, defer_write, deliver, subscribe, unsubscribe

    order = []

    def first(event):
        order.append("first")
        for write in writes[:-1]:
            defer_write(event, write)

    def second(event):
        order.append("second")
        defer_write(event, writes[-1])

    subscribe(name)(first)
    subscribe(name)(second)
    try:
        deliver(Event(name, {}))
    finally:
        unsubscribe(name, first)
        unsubscribe(name, second)
    return order


def _unit(code: str):
    from jinlin.core.models import OrgKind, OrgUnit

    return lambda: OrgUnit.objects.create(kind=OrgKind.DISTRICT, code=code, name=code)


@pytest.mark.django_db
def test_deferred_writes_run_after_every_subscriber_and_a_failing_one_leaves_the_others():
    from jinlin.core.models import OrgUnit

    order = _deliver_with_writes("test.deferred", _unit("T1"), lambda: 1 / 0, _unit("T2"))

    assert order == ["first", "second"]
    # The failed transaction was undone and the good writes ran again, each once in the end.
    assert sorted(OrgUnit.objects.filter(code__in=["T1", "T2"]).values_list("code", flat=True)) == ["T1", "T2"]


@pytest.mark.django_db
def test_a_deferred_write_failing_in_the_database_leaves_the_others_written():
    from jinlin.core.models import OrgUnit

    # The second write breaks the unique code: on PostgreSQL the whole transaction is aborted.
    _deliver_with_writes("test.deferred", _unit("T3"), _unit("T3"), _unit("T4"))

    assert sorted(OrgUnit.objects.filter(code__in=["T3", "T4"]).values_list("code", flat=True)) == ["T3", "T4"]


@pytest.mark.django_db(transaction=True)
def test_deferred_writes_share_one_transaction_without_a_savepoint_each():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jinlin.core.models import OrgUnit

    with CaptureQueriesContext(connection) as queries:
        _deliver_with_writes("test.deferred", _unit("T5"), _unit("T6"))

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SAVEPOINT" not in statements
    assert statements.count("INSERT") == 2
    assert OrgUnit.objects.filter(code__in=["T5", "T6"]).count() == 2
