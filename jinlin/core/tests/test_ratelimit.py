"""Rate limits on atomic database counters: per user and per address, 429 with Retry-After,
and no two concurrent requests both slip under a limit (both databases)."""

import threading

import pytest
from django.db import connection

from jinlin.core import ratelimit


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_counted_exactly_once_each():
    results, barrier = [], threading.Barrier(8)

    def worker():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                results.append(ratelimit.hit("test:concurrent", 60)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == list(range(1, 41))


@pytest.mark.django_db
def test_a_window_that_ended_starts_afresh():
    assert ratelimit.hit("test:w", 60, now=1000.0)[0] == 1
    assert ratelimit.hit("test:w", 60, now=1030.0)[0] == 2
    assert ratelimit.hit("test:w", 60, now=1061.0) == (1, 1061.0)


@pytest.mark.django_db
def test_check_refuses_over_the_limit_with_the_seconds_to_wait(settings):
    settings.RATE_LIMITS = {"intake": {"user": (2, 600), "address": (0, 600)}}

    class U:
        pk = 7

    ratelimit.check("intake", user=U(), ip="203.0.113.1")
    ratelimit.check("intake", user=U(), ip="203.0.113.1")
    with pytest.raises(ratelimit.RateLimited) as caught:
        ratelimit.check("intake", user=U(), ip="203.0.113.1")
    assert 590 <= caught.value.retry_after <= 600
