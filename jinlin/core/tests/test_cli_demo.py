"""`jinlin demo` end to end: migrate and seed a fresh SQLite file, serve it with gunicorn and a
db_worker, answer HTTP, and stop every process it started on Ctrl-C (SIGINT)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

# Seeding the district and 300 historical cases through the services takes most of this (about
# two minutes while `make test` keeps every core busy with the other tests); the limit only stops
# a demo that never answers from hanging the suite.
# The demo seeds every app and collects the static files first; on a loaded 2-core CI machine
# that took over seven minutes.
STARTUP_SECONDS = 900


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every live process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name in brackets may hold spaces; the fields after it do not.
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = {}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                try:
                    found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local URL)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def test_demo_serves_the_seeded_district_and_ctrl_c_stops_the_server_and_the_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "JINLIN_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [sys.executable, "-m", "jinlin.cli", "demo", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    children: dict[int, str] = {}
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        status = None
        while time.monotonic() < deadline and demo.poll() is None:
            status = http_status(f"http://127.0.0.1:{port}/login/")
            if status == 200:
                break
            time.sleep(0.5)
        output = Path(log.name).read_text()
        assert status == 200, output
        assert f"http://127.0.0.1:{port}/" in output and "13900000001" in output

        children = descendants(demo.pid)
        commands = " | ".join(children.values())
        assert "gunicorn" in commands and "db_worker" in commands, commands
        assert len(children) >= 4, commands  # gunicorn master + 2 workers, db_worker

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0, Path(log.name).read_text()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in children):
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)], Path(log.name).read_text()
        assert http_status(f"http://127.0.0.1:{port}/login/") is None
    finally:
        # Whatever happened above, leave no process of this test running.
        for pid in [demo.pid, *children]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        demo.wait()
        log.close()
