"""What intake costs, subscribers included (issue 13: telling people must not slow intake by more
than 10 %; docs/performance.md §7a). Query counts, so a regression fails here before it shows in
`jinlin bench --in-process`. The test runs inside a transaction: notify's write is a savepoint
here (BEGIN IMMEDIATE … COMMIT in production), and the per-process oversight cache is not kept
inside a transaction (cases.cache), so it is read once per intake here and once a minute there."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from jinlin.cases.models import Case
from jinlin.cases.tests.flow import submit
from jinlin.notify.models import Notification

pytestmark = pytest.mark.django_db

# The whole of one resident's intake through the services: the intake's reads and its write
# transaction, the audit chain, triage (suggestions, duplicates, storing them) and notify's queue
# notice to the dispatchers; in a test transaction the per-process caches (grids, units, SLA
# policies, categories) are read each time. Lower it when a change saves a query; never raise it
# quietly. Transaction control is not counted (29 statements with it before the subscribers'
# writes were deferred into one transaction).
INTAKE_QUERIES = 20
# What notify's case subscriber adds to it: the oversight read (cached a minute in production),
# the bulk insert of the notices (in triage's transaction: core.events.defer_write) … (the second
# pass's subscriber added 8: the case read again, users, preferences, followers, the insert in a
# transaction of its own).
NOTIFY_QUERIES = 3


def _submit(people, capture):
    with CaptureQueriesContext(connection) as ctx, capture(execute=True):
        case = submit(people)
    # Transaction control (SAVEPOINT, RELEASE, BEGIN, COMMIT) is not counted: here every atomic
    # block is a savepoint, and the subscribers' deferred writes share one transaction.
    control = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
    return case, [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(control)]


def test_one_intake_with_its_subscribers_stays_within_its_query_budget(
    org, people, categories, django_capture_on_commit_callbacks
):
    submit(people)  # the process's first intake fills the caches (categories, centres, grids)
    case, statements = _submit(people, django_capture_on_commit_callbacks)
    assert len(statements) <= INTAKE_QUERIES, "\n".join(s[:100] for s in statements)
    # The dispatchers' queue still hears of the new case.
    assert Notification.objects.filter(recipient=people.dispatcher, kind="case.submitted", data__case_id=case.pk)


def test_nobody_reads_the_new_case_again_after_writing_it(org, people, categories, django_capture_on_commit_callbacks):
    submit(people)
    case, statements = _submit(people, django_capture_on_commit_callbacks)
    again = re.compile(rf'FROM "cases_case" WHERE "cases_case"."id" = {case.pk}\b')
    assert not [s for s in statements if s.startswith("SELECT") and again.search(s)]
    assert Case.objects.get(pk=case.pk).suggestions == case.suggestions  # what intake answers is stored


def test_notify_adds_a_fixed_few_queries_to_intake(org, people, categories, django_capture_on_commit_callbacks):
    submit(people)
    counts = {}
    for on in (False, True):
        with override_settings(NOTIFY_CASE_EVENTS=on):
            counts[on] = len(_submit(people, django_capture_on_commit_callbacks)[1])
    assert counts[True] - counts[False] <= NOTIFY_QUERIES, counts


def test_the_queue_notice_is_written_once_when_another_deferred_write_fails_after_it(
    org, people, categories, django_capture_on_commit_callbacks
):
    from jinlin.core.events import defer_write, subscribe, unsubscribe

    def failing(event):  # registered after notify's `case.*` subscriber: its write comes last
        defer_write(event, lambda: 1 / 0)

    subscribe("case.*")(failing)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = submit(people)
    finally:
        unsubscribe("case.*", failing)
    # The first run of the writes was rolled back; each ran again alone, notify's included.
    notices = Notification.objects.filter(recipient=people.dispatcher, kind="case.submitted", data__case_id=case.pk)
    assert notices.count() == 1
    assert Case.objects.get(pk=case.pk).suggestions


@pytest.mark.django_db(transaction=True)
def test_the_subscribers_write_transaction_holds_only_their_writes(org, people, categories):
    """Triage's suggestions and notify's notices are read and built before it begins: on SQLite
    the transaction holds the database's one write lock."""
    if connection.vendor != "sqlite":
        pytest.skip("transaction control shows as statements on SQLite only")
    from jinlin.notify import services as notify_services

    submit(people)
    built_inside: list[bool] = []
    build = notify_services._build

    def spy(*args, **kwargs):
        built_inside.append(connection.in_atomic_block)
        return build(*args, **kwargs)

    with mock.patch.object(notify_services, "_build", spy), CaptureQueriesContext(connection) as ctx:
        case = submit(people)
    assert built_inside == [False]  # the notices were built before the transaction began
    statements = [q["sql"] for q in ctx.captured_queries]
    begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
    commits = [i for i, s in enumerate(statements) if s.startswith("COMMIT")]
    assert len(begins) == len(commits) == 2  # intake's write, then the subscribers'
    inside = statements[begins[1] + 1 : commits[1]]
    assert [s.split()[0] for s in inside] == ["UPDATE", "INSERT"], inside  # suggestions, the notices
    assert Notification.objects.filter(kind="case.submitted", data__case_id=case.pk).exists()
