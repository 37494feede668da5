"""`jinlin demo`: everything `make demo` promises in one command.

Migrates the database, loads the demo district if the database has no organisation tree, then
runs the web server (gunicorn) and one background worker (django-tasks-db `db_worker`) as child
processes until Ctrl-C or SIGTERM, and stops both.

The children run in their own sessions, so a Ctrl-C in the terminal reaches only this process,
which then asks each child to stop (SIGTERM: gunicorn finishes open requests, the worker its
current task) and kills whatever is still running after a grace period. The web server dying
stops the demo and makes the command fail; the worker dying is restarted, and the periodic task
it was running is run again (jinlin.core.periodic.heal).
"""

import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from jinlin.cases.tasks import schedule_sla_sweep
from jinlin.centre.tasks import schedule_centre_sweep
from jinlin.core.demo_accounts import DEMO_PASSWORD, DEMO_PHONES, DEMO_RESIDENTS
from jinlin.core.models import Role, RoleAssignment, User
from jinlin.ops.demo import seed_demo_all
from jinlin.stats.tasks import schedule_metrics_refresh

HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 10
POLL_SECONDS = 0.5


def child_commands(port: int) -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        (
            "gunicorn",
            [
                *(python, "-m", "gunicorn", "jinlin.wsgi"),
                *("--bind", f"{HOST}:{port}", "--workers", "2", "--threads", "4"),
                # Shorter than gunicorn's 30 s default, so Ctrl-C feels immediate in a demo.
                *("--graceful-timeout", "5"),
                # The control socket lives at one path per user: two demos (or a demo and the
                # tests) would take it from each other, and the demo does not need gunicornc.
                "--no-control-socket",
            ],
        ),
        (
            "db_worker",
            # --no-reload: the autoreloader would put another process between us and the worker.
            [python, "-m", "jinlin.cli", "db_worker", "--queue-name", "*", "--no-reload"],
        ),
    ]


def production_environment() -> dict[str, str]:
    """The demo runs like production: DEBUG off (the project's own 404/500 pages, never Django's
    debug page), static files collected into the var directory and served by WhiteNoise. Plain
    HTTP on 127.0.0.1, so cookies are not marked Secure. Anything set in the environment wins."""
    return {
        "JINLIN_DEBUG": "0",
        "JINLIN_SECURE_COOKIES": "0",
        "JINLIN_STATIC_ROOT": str(settings.VAR_DIR / "static"),
    }


def collect_static() -> None:
    """collectstatic in a child with the demo's environment (the manifest storage needs DEBUG off)."""
    command = [sys.executable, "-m", "jinlin.cli", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(command, cwd=settings.BASE_DIR, check=True)  # noqa: S603


def stop_children(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, proc in children:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for _name, proc in children:
        try:
            proc.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            # The whole session, so gunicorn's own workers go too.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_children(port: int, stdout) -> int:
    """Start the web server and the worker; return 0 after a stop signal, 1 if a child died."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_args: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: list[tuple[str, subprocess.Popen]] = []
    failed = 0
    try:
        for name, command in child_commands(port):
            children.append((name, subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)))  # noqa: S603
        stdout.write(
            _("Web server (gunicorn) pid %(web)d, background worker (db_worker) pid %(worker)d. Press Ctrl-C to stop.")
            % {"web": children[0][1].pid, "worker": children[1][1].pid}
        )
        stdout.flush()
        commands = dict(child_commands(port))
        while not stop.is_set():
            for index, (name, proc) in enumerate(children):
                if proc.poll() is None or stop.is_set():
                    continue
                if name == "db_worker":
                    # The worker is restarted, never the reason to stop the web server; what it
                    # was running when it died is run again (core/periodic.py).
                    stdout.write(
                        _("The background worker stopped (exit code %(code)s); restarting it.")
                        % {"code": proc.returncode}
                    )
                    heal_periodic_tasks()
                    restarted = subprocess.Popen(commands[name], cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
                    children[index] = (name, restarted)
                    continue
                stdout.write(
                    _("%(name)s stopped unexpectedly (exit code %(code)s); stopping the demo.")
                    % {"name": name, "code": proc.returncode}
                )
                failed = 1
                stop.set()
            stop.wait(POLL_SECONDS)
    finally:
        stdout.write(_("Stopping…"))
        stdout.flush()
        stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stdout.write(_("Stopped."))
    return failed


def heal_periodic_tasks() -> None:
    """No worker runs at this moment: whatever its rows say is RUNNING died with it."""
    from jinlin.core import periodic

    try:
        periodic.heal(workers_dead=True)
    finally:
        for name, value in production_environment().items():
            os.environ.setdefault(name, value)  # the children (and collectstatic) inherit it
        collect_static()
        # The children open their own connections; SQLite must not see this one hold a lock.
        connections.close_all()


def demo_account_lines() -> list[str]:
    # The thirty residents of G1's community are one line, not thirty.
    phones = [p for p in DEMO_PHONES if p not in DEMO_RESIDENTS]
    users = {u.phone: u for u in User.objects.filter(phone_digest__in=[User.digest_phone(p) for p in phones])}
    assignments = RoleAssignment.objects.filter(user__in=users.values(), is_active=True).select_related("org")
    roles: dict[int, list[str]] = {}
    for a in assignments:
        roles.setdefault(a.user_id, []).append(f"{Role(a.role).label} @ {a.org.name}")
    lines = [f"  {phone}  {users[phone].name}  {'; '.join(roles.get(users[phone].pk, []))}" for phone in sorted(users)]
    if users:
        lines.append(f"  {DEMO_RESIDENTS[0]}–{DEMO_RESIDENTS[-1]}  {_('30 residents of the community of grid G1')}")
    return lines


class Command(BaseCommand):
    help = "Run the demo: migrate, load the demo district if the database is empty, serve it with one worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, port: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        seed_demo_all(stdout=self.stdout)
        # The minutely SLA sweep re-enqueues itself once started; the worker below runs it.
        schedule_sla_sweep()
        schedule_centre_sweep()  # overdue 代办 urged, weekly classes generated ahead
        schedule_metrics_refresh(first=True)  # the metrics' tables: now, then every minute
        heal_periodic_tasks()  # a sweep left RUNNING by a demo that was killed runs again
        accounts = demo_account_lines()
        # The children open their own connections; SQLite must not see this one hold a lock.
        connections.close_all()

        self.stdout.write("")
        self.stdout.write(_("Jinlin 近邻 demo: http://%(host)s:%(port)d/") % {"host": HOST, "port": port})
        if accounts:
            self.stdout.write(_("Demo accounts (password %(password)s):") % {"password": DEMO_PASSWORD})
            for line in accounts:
                self.stdout.write(line)
        self.stdout.write("")
        if run_children(port, self.stdout):
            raise CommandError(_("The demo stopped because a process failed."))
