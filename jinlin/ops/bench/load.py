"""A small, honest HTTP load generator: threads, one keep-alive http.client connection each.

Closed loop at a fixed concurrency: every thread sends its next request as soon as the previous
answer is read, until the time is up or the request budget is spent. Throughput is completed
requests with the expected status divided by the wall time of the phase; latencies are measured
per request with perf_counter, from sending to the last byte of the answer. Loopback only.
"""

import http.client
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# (method, path, body bytes or None, headers)
Request = tuple[str, str, bytes | None, dict]


def percentile(sorted_values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None for no values)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))
    return sorted_values[int(rank) - 1]


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    expect: frozenset = frozenset({200})

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in self.expect)

    def summary(self) -> dict:
        values = sorted(self.latencies_ms)
        errors = {str(s): n for s, n in self.statuses.items() if s not in self.expect}
        errors.update(self.failures)
        return {
            "requests": len(values),
            "ok": self.ok,
            "errors": errors,
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.ok / self.seconds, 1) if self.seconds else None,
            "p50_ms": _round(percentile(values, 0.50)),
            "p95_ms": _round(percentile(values, 0.95)),
            "p99_ms": _round(percentile(values, 0.99)),
            "max_ms": _round(values[-1] if values else None),
        }


def _round(value):
    return None if value is None else round(value, 1)


def _send(conn: http.client.HTTPConnection, request: Request) -> int:
    method, path, body, headers = request
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def closed_loop(
    name: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    expect: set[int],
    host: str = "127.0.0.1",
) -> Phase:
    """`concurrency` threads send make_request(i) for i = 0, 1, … until time or budget runs out."""
    phase = Phase(name, expect=frozenset(expect))
    counter = itertools.count()
    lock = threading.Lock()
    start_line = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=120)
        latencies, statuses, failures = [], Counter(), Counter()
        start_line.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                i = next(counter)
            if i >= max_requests:
                break
            request = make_request(i)
            began = time.perf_counter()
            try:
                status = _send(conn, request)
            except (OSError, http.client.HTTPException) as exc:
                failures[type(exc).__name__] += 1
                conn.close()
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[status] += 1
        conn.close()
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.statuses.update(statuses)
            phase.failures.update(failures)

    threads = [threading.Thread(target=worker, daemon=True) for _n in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - began
    return phase


def sequential(
    name: str,
    port: int,
    requests: list[Request],
    *,
    count: int,
    budget_seconds: float,
    timeout: float = 300,
    expect: set[int] = frozenset({200}),
    host: str = "127.0.0.1",
) -> Phase:
    """Latency of one client, no concurrency: up to `count` requests (cycling through `requests`),
    at least three unless they are slow — no new request after `budget_seconds`, and none after a
    request that took longer than `timeout` (it counts as a failure, "timeout")."""
    phase = Phase(name, expect=frozenset(expect))
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    began = time.perf_counter()
    for i in range(count):
        elapsed = time.perf_counter() - began
        if elapsed > budget_seconds and (i >= 3 or elapsed > budget_seconds / 3 * i):
            break
        request = requests[i % len(requests)]
        start = time.perf_counter()
        try:
            status = _send(conn, request)
        except TimeoutError:
            phase.failures["timeout"] += 1
            break
        except (OSError, http.client.HTTPException) as exc:
            phase.failures[type(exc).__name__] += 1
            conn.close()
            continue
        phase.latencies_ms.append((time.perf_counter() - start) * 1000)
        phase.statuses[status] += 1
    conn.close()
    phase.seconds = time.perf_counter() - began
    return phase
