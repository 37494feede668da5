"""Test-wide set-up shared by every app's tests."""

import contextlib
from pathlib import Path

import pytest
from django.core.management.commands import flush
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from jinlin.core.db import audit_purge_allowed

_original_flush = flush.Command.handle


def _flush_with_audit_purge(self, **options):
    # Transactional tests (the browser tests' live server) empty the database between tests;
    # the audit log's append-only triggers refuse that unless the harness says so.
    from django.db import connections

    with audit_purge_allowed(connections[options.get("database", "default")]):
        return _original_flush(self, **options)


flush.Command.handle = _flush_with_audit_purge


# ---------------------------------------------------------------------------------------------
# Order. `make test` spreads the suite over the cores (pytest-xdist --dist loadgroup hands each
# worker the next test in this order whenever it has fewer than three queued); a test of two
# minutes that starts last leaves the other cores idle while it finishes. These modules hold the
# longest tests (the demo subprocess, the state-machine property test, the demo seeds), so they
# go first and land on different workers. Each module keeps its own order, and a module not
# found here is simply not moved.

LONG_MODULES = (
    "jinlin/core/tests/test_cli_demo.py",
    "jinlin/cases/tests/test_property_machine.py",
    "jinlin/core/tests/test_seed_demo.py",
    "jinlin/cases/tests/test_demo.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return LONG_MODULES.index(path) if path in LONG_MODULES else len(LONG_MODULES)

    items.sort(key=rank)  # stable: the order within each module and of the rest is kept


# ---------------------------------------------------------------------------------------------
# After-commit hooks as in production. A test marked django_db runs inside a transaction of its
# own that never commits, so `transaction.on_commit` callbacks (domain events, core/events.py)
# would never run and a test could not see what a subscriber does. Here the test's wrapping
# transaction stands for the connection's autocommit: a callback runs when the code's own
# outermost transaction ends without error, or at once outside one, and a rolled-back block's
# callbacks are dropped by Django as usual. Tests with transaction=True use real commits.


def _only_test_blocks(connection) -> bool:
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _run_hooks(hooks) -> None:
    for _ids, func, robust in hooks:
        if robust:
            with contextlib.suppress(Exception):  # Django's robust hooks only log
                func()
        else:
            func()


@pytest.fixture(autouse=True)
def _commit_hooks_as_in_production(monkeypatch):
    original_exit = transaction.Atomic.__exit__
    original_on_commit = BaseDatabaseWrapper.on_commit

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and _only_test_blocks(self):
            _run_hooks([(set(), func, robust)])
        else:
            original_on_commit(self, func, robust)

    def atomic_exit(self, exc_type, exc_value, traceback):
        original_exit(self, exc_type, exc_value, traceback)
        connection = transaction.get_connection(self.using)
        if (
            exc_type is None
            and not self._from_testcase
            and connection.in_atomic_block
            and _only_test_blocks(connection)
            and not connection.needs_rollback
            and connection.run_on_commit
        ):
            hooks, connection.run_on_commit = connection.run_on_commit, []
            _run_hooks(hooks)

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", atomic_exit)


# ---------------------------------------------------------------------------------------------
# Password hashing. The production hasher (PBKDF2, a million rounds) costs about half a second a
# password on the CI machine; tests create hundreds of accounts and check who may log in, not
# the hasher's cost, so they hash with MD5 first. The production hashers stay listed after it, so
# a hash made by them (the demo seed's) still verifies. A test marked production_hasher keeps
# the settings as deployed, so one login path is still exercised with the real hasher.

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    if request.node.get_closest_marker("production_hasher") is None:
        settings.PASSWORD_HASHERS = [FAST_HASHER, *settings.PASSWORD_HASHERS]


# ---------------------------------------------------------------------------------------------
# A tiny district with the nine demo accounts, for page and browser tests that need real roles
# without the full demo seed: one district 350102, one street, two communities, two grids,
# one estate, the command centre, one department and the discipline office.

TINY_PEOPLE = {
    # phone → (name, role, code of the unit the role is bound to); as in core/demo.py.
    "13900000001": ("林秀英", "resident", "350102001001E01"),
    "13900000002": ("陈建国", "grid_worker", "350102001001001"),
    "13900000003": ("黄丽萍", "community_staff", "350102001001"),
    "13900000004": ("张伟", "dispatcher", "350102C01"),
    "13900000005": ("郑海峰", "department_handler", "350102B01"),
    "13900000006": ("吴静", "discipline_supervisor", "350102D01"),
    "13900000007": ("刘洋", "platform_admin", "350102"),
    "13900000008": ("李娜", "grid_worker", "350102001002001"),
    "13900000009": ("周明", "police_officer", "350102001001"),
}


@pytest.fixture
def tiny_district(db, settings):
    """The org tree and the nine demo accounts (password jinlin2026), made through the services.

    Returns a namespace with `units` (code → OrgUnit) and `people` (phone → User). Passwords
    are hashed with a fast hasher: the tests check who may log in, not PBKDF2's cost.
    """
    from types import SimpleNamespace

    from jinlin.core import services
    from jinlin.core.demo_accounts import DEMO_PASSWORD
    from jinlin.core.models import OrgKind, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tree = [
        (OrgKind.DISTRICT, "350102", "清溪区", None, {}),
        (OrgKind.STREET, "350102001", "清溪街道", "350102", {}),
        (OrgKind.COMMUNITY, "350102001001", "桂香社区", "350102001", {}),
        (OrgKind.COMMUNITY, "350102001002", "溪畔社区", "350102001", {}),
        (OrgKind.GRID, "350102001001001", "桂香社区第一网格", "350102001001", {}),
        (OrgKind.GRID, "350102001002001", "溪畔社区第一网格", "350102001002", {}),
        (OrgKind.ESTATE, "350102001001E01", "丹桂花园", "350102001001", {"grid": "350102001001001"}),
        (OrgKind.COMMAND_CENTRE, "350102C01", "区社会治理指挥中心", "350102", {}),
        (OrgKind.DEPARTMENT, "350102B01", "区住房和城乡建设局", "350102", {}),
        (OrgKind.DISCIPLINE, "350102D01", "区纪委监委", "350102", {}),
    ]
    units = {}
    for kind, code, name, parent, refs in tree:
        fields = {key: units[value] for key, value in refs.items()}
        units[code] = services.org_unit_create(
            actor=None, kind=kind, code=code, name=name, parent=units.get(parent), **fields
        )
    people = {}
    for phone, (name, role, code) in TINY_PEOPLE.items():
        people[phone] = services.user_create(
            actor=None, phone=phone, name=name, password=DEMO_PASSWORD, roles=[(role, units[code])]
        )
    User.objects.filter(pk=people["13900000007"].pk).update(is_staff=True, is_superuser=True)
    people["13900000007"].refresh_from_db()
    return SimpleNamespace(units=units, people=people)


# ---------------------------------------------------------------------------------------------
# Browser tests (@pytest.mark.browser): Debian's Chromium driven by Playwright, one browser per
# session and a fresh context (cookies, storage) per test. Never a downloaded browser.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make browser` (scripts/ensure_browser.sh)."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
    # calls from a thread with a running loop; the test thread's ORM use is synchronous anyway.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context, with relative URLs resolved against the live server.

    Script errors and CSP violations are collected in `page.console_errors`, so a test can
    assert that a page runs cleanly under the CSP.
    """
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    new_page.console_errors = []

    def _on_console(msg):
        # A page answered with a 4xx on purpose (a form with errors) is not a script error.
        if msg.type == "error" and "the server responded with a status of 4" not in msg.text:
            new_page.console_errors.append(msg.text)

    new_page.on("console", _on_console)
    new_page.on("pageerror", lambda exc: new_page.console_errors.append(str(exc)))
    yield new_page
    context.close()


@pytest.fixture
def login_as():
    """`login_as(page, phone)` logs in through the login page and waits for the home page."""
    from jinlin.core.demo_accounts import DEMO_PASSWORD

    def _login(page, phone: str, password: str = DEMO_PASSWORD):
        page.goto("/login/")
        page.fill("input[name=phone]", phone)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form.auth-card button[type=submit]")
        return page

    return _login


@pytest.fixture
def screenshot():
    """`screenshot(page, name)` saves test-artifacts/screenshots/<name>.png (git-ignored)."""

    def _shoot(page, name: str, full_page: bool = True):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _shoot


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    """The point-in-grid index lives per process; a rolled-back test must not leave its grids behind."""
    from jinlin.core.grids import grid_index_invalidate

    grid_index_invalidate()
    yield
    grid_index_invalidate()
