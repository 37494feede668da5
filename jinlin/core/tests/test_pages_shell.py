"""The page shell: login, home per role, language and large-text preferences, CSP, error pages."""

import re
from contextlib import contextmanager
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from django.utils.functional import empty

from jinlin.core import navigation, services
from jinlin.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

PASSWORD = "jinlin2026"
RESIDENT, GRID_WORKER, DISPATCHER, ADMIN = "13900000001", "13900000002", "13900000004", "13900000007"


def log_in(client: Client, phone: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"phone": phone, "password": password, **extra})


def text_of(response) -> str:
    return response.content.decode()


class _ShellAudit(HTMLParser):
    """Collects what the CSP would block: inline scripts, style attributes and elements,
    event-handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
            if not attributes.get("src"):
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("script with a body")


def assert_runs_under_csp(response):
    policy = response.headers["Content-Security-Policy"]
    checker = _ShellAudit()
    checker.feed(text_of(response))
    assert checker.problems == []
    nonce = re.search(r"'nonce-([^']+)'", policy)
    for script in checker.scripts:
        assert script["src"].startswith("/static/")
        assert nonce and script.get("nonce") == nonce.group(1)


# ---------- login ----------


def test_login_page_is_in_chinese_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    body = text_of(response)
    assert "<h2>登录</h2>" in body
    assert 'lang="zh-Hans"' in body


def test_right_password_logs_in_and_lands_on_the_home_page(client, tiny_district):
    response = log_in(client, RESIDENT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "林秀英，您好" in text_of(home)
    assert AuditEntry.objects.filter(action="auth.login", actor=tiny_district.people[RESIDENT]).exists()


def test_login_with_spaces_and_country_code_in_the_phone_works(client, tiny_district):
    response = log_in(client, "+86 139 0000 0001")
    assert response.status_code == 302


def test_malformed_phone_is_a_400_with_the_reason_at_the_phone_field(client, tiny_district):
    response = log_in(client, "12345")
    assert response.status_code == 400
    body = text_of(response)
    assert "不是有效的中国大陆手机号" in body
    assert 'aria-invalid="true"' in body


def test_wrong_password_says_phone_or_password_is_wrong_and_counts_the_failure(client, tiny_district):
    response = log_in(client, RESIDENT, "wrong-password")
    assert response.status_code == 400
    assert "手机号或密码错误。" in text_of(response)
    assert User.objects.get(pk=tiny_district.people[RESIDENT].pk).failed_logins == 1
    # The phone stays in the form; the password never comes back.
    assert 'value="13900000001"' in text_of(response)
    assert "wrong-password" not in text_of(response)


def test_unknown_phone_gets_the_same_answer_as_a_wrong_password(client, tiny_district):
    response = log_in(client, "13900000099", "wrong-password")
    assert response.status_code == 400
    assert "手机号或密码错误。" in text_of(response)


def test_after_four_wrong_passwords_the_address_waits_and_is_told_for_how_long(client, tiny_district):
    for _ in range(4):
        assert log_in(client, GRID_WORKER, "wrong-password").status_code == 400
    response = log_in(client, GRID_WORKER, "wrong-password")
    assert response.status_code == 429
    assert "登录失败次数过多" in text_of(response) and "秒后再试" in text_of(response)


def test_locked_account_is_refused_with_the_right_password_and_told_when_it_opens(client, tiny_district):
    user = tiny_district.people[GRID_WORKER]
    until = timezone.now() + timedelta(minutes=15)
    User.objects.filter(pk=user.pk).update(locked_until=until)
    response = log_in(client, GRID_WORKER, PASSWORD)
    assert response.status_code == 423
    assert f"请于 {timezone.localtime(until):%H:%M} 后再试" in text_of(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "phone, password",
    [("", ""), ("1" * 40, "x"), ("<script>", "x"), ("13900000001", ""), ("１３９００００００01", "x"), ("\x00", "x")],
)
def test_odd_login_input_is_a_4xx_never_a_500(client, tiny_district, phone, password):
    response = log_in(client, phone, password)
    assert 400 <= response.status_code < 500


def test_login_goes_to_a_local_next_page_but_never_to_another_site(client, tiny_district):
    assert log_in(client, ADMIN, next="/audit/")["Location"] == "/audit/"
    other = Client()
    assert log_in(other, ADMIN, next="https://evil.example/")["Location"] == "/"


def test_logged_in_person_opening_the_login_page_goes_home(client, tiny_district):
    client.force_login(tiny_district.people[RESIDENT])
    assert client.get("/login/")["Location"] == "/"


def test_logout_needs_a_post_and_ends_the_session(client, tiny_district):
    client.force_login(tiny_district.people[RESIDENT])
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


# ---------- home ----------


def test_home_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_home_shows_one_card_per_role_with_the_org_unit_it_is_bound_to(client, tiny_district):
    user = tiny_district.people[GRID_WORKER]
    services.role_assign(actor=None, user=user, role="volunteer", org=tiny_district.units["350102001001"])
    client.force_login(user)
    body = text_of(client.get("/"))
    assert body.count('class="card role-card"') == 2
    assert re.search(r'data-role="grid_worker".*?<h2 class="role-title">网格员</h2>.*?桂香社区第一网格', body, re.S)
    assert re.search(r'data-role="volunteer".*?<h2 class="role-title">志愿者</h2>.*?桂香社区', body, re.S)
    assert "本网格待办" in body


def test_every_role_has_a_card_that_says_what_it_can_do():
    from jinlin.core.models import Role

    for role in Role:
        guide = navigation.ROLE_GUIDES[role]
        assert guide.summary and guide.capabilities, role


def test_a_page_not_built_yet_is_plain_text_not_a_link(client, tiny_district, monkeypatch):
    guide = navigation.RoleGuide(
        "居",
        "summary",
        (navigation.Capability("Nowhere yet", "nowhere:page"), navigation.Capability("Audit here", "core:audit")),
    )
    monkeypatch.setitem(navigation.ROLE_GUIDES, "resident", guide)
    client.force_login(tiny_district.people[RESIDENT])
    body = text_of(client.get("/"))
    assert re.search(r'<span class="action is-disabled" aria-disabled="true"><span>Nowhere yet</span>', body)
    assert '<a class="action" href="/audit/"><span>Audit here</span>' in body


def test_admin_site_links_show_only_for_accounts_with_admin_site_access(client, tiny_district):
    admin = tiny_district.people[ADMIN]
    client.force_login(admin)
    assert 'href="/admin/"' in text_of(client.get("/"))
    User.objects.filter(pk=admin.pk).update(is_staff=False, is_superuser=False)
    body = text_of(client.get("/"))
    assert 'href="/admin/"' not in body
    assert 'href="/audit/"' in body


def test_person_without_roles_sees_an_empty_state(client, tiny_district):
    user = services.user_create(actor=None, phone="13700000123", name="新用户", password=PASSWORD)
    client.force_login(user)
    body = text_of(client.get("/"))
    assert "data-empty-roles" in body
    assert "尚未分配角色" in body
    assert "role-card" not in body


def test_staff_get_the_console_and_residents_the_mobile_layout(client, tiny_district):
    client.force_login(tiny_district.people[DISPATCHER])
    body = text_of(client.get("/"))
    assert 'class="layout-console"' in body
    assert 'class="sidenav"' in body
    client.force_login(tiny_district.people[RESIDENT])
    body = text_of(client.get("/"))
    assert 'class="layout-mobile"' in body
    assert "sidenav" not in body


# ---------- language ----------


def test_switching_to_english_sets_the_cookie_and_remembers_it_on_the_account(client, tiny_district):
    user = tiny_district.people[RESIDENT]
    client.force_login(user)
    response = client.post("/preferences/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["jinlin_language"].value == "en"
    assert User.objects.get(pk=user.pk).language == "en"
    body = text_of(client.get("/"))
    assert "Hello, 林秀英" in body
    assert ">Log out<" in body
    assert AuditEntry.objects.filter(action="user.preferences", actor=user).exists()


def test_switching_language_logged_out_only_sets_the_cookie(client, tiny_district):
    response = client.post("/preferences/language/", {"language": "en", "next": "/login/"})
    assert response.cookies["jinlin_language"].value == "en"
    assert "<h2>Log in</h2>" in text_of(client.get("/login/"))
    assert not AuditEntry.objects.filter(action="user.preferences").exists()


def test_an_unknown_language_changes_nothing(client, tiny_district):
    user = tiny_district.people[RESIDENT]
    client.force_login(user)
    response = client.post("/preferences/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert "jinlin_language" not in response.cookies
    assert User.objects.get(pk=user.pk).language == ""


def test_logging_in_applies_the_language_stored_on_the_account(client, tiny_district):
    services.user_set_preferences(actor=tiny_district.people[RESIDENT], language="en")
    response = log_in(client, RESIDENT)
    assert response.cookies["jinlin_language"].value == "en"
    assert "Hello, 林秀英" in text_of(client.get("/"))


# ---------- large text (适老化) ----------


def test_large_text_is_stored_on_the_account_and_survives_a_new_session(client, tiny_district):
    user = tiny_district.people[RESIDENT]
    client.force_login(user)
    response = client.post("/preferences/large-text/", {"large_text": "1", "next": "/"})
    assert response["Location"] == "/"
    assert User.objects.get(pk=user.pk).large_text is True
    other_device = Client()
    other_device.force_login(user)
    assert 'class="large-text"' in text_of(other_device.get("/"))
    client.post("/preferences/large-text/", {"large_text": "0", "next": "/"})
    assert User.objects.get(pk=user.pk).large_text is False
    assert 'class="large-text"' not in text_of(other_device.get("/"))


def test_large_text_for_a_visitor_lives_in_a_cookie(client):
    response = client.post("/preferences/large-text/", {"large_text": "1", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert response.cookies["jinlin_large_text"].value == "1"
    assert 'class="large-text"' in text_of(client.get("/login/"))
    response = client.post("/preferences/large-text/", {"large_text": "0", "next": "/login/"})
    assert response.cookies["jinlin_large_text"].value == ""
    assert 'class="large-text"' not in text_of(client.get("/login/"))


def test_large_text_chosen_before_logging_in_is_kept_on_the_account(client, tiny_district):
    client.post("/preferences/large-text/", {"large_text": "1", "next": "/login/"})
    log_in(client, RESIDENT)
    assert User.objects.get(pk=tiny_district.people[RESIDENT].pk).large_text is True


def test_preference_forms_never_redirect_to_another_site(client):
    response = client.post("/preferences/large-text/", {"large_text": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_preference_forms_need_a_post(client):
    assert client.get("/preferences/large-text/").status_code == 405
    assert client.get("/preferences/language/").status_code == 405


# ---------- security: CSP, CSRF, escaping ----------


def test_csp_header_allows_only_our_own_scripts_and_styles(client):
    policy = client.get("/login/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy


@pytest.mark.parametrize("phone", [None, RESIDENT, DISPATCHER, ADMIN])
@pytest.mark.parametrize("path", ["/login/", "/", "/audit/", "/no-such-page/"])
def test_every_page_runs_under_the_csp_without_inline_code(client, tiny_district, phone, path):
    if phone:
        client.force_login(tiny_district.people[phone])
    response = client.get(path, follow=True)
    assert_runs_under_csp(response)


def test_htmx_requests_carry_the_csrf_token_the_server_accepts(tiny_district):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tiny_district.people[RESIDENT])
    token = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", text_of(client.get("/")))
    assert token
    assert client.post("/preferences/large-text/", {"large_text": "1"}).status_code == 403
    response = client.post("/preferences/large-text/", {"large_text": "1"}, headers={"X-CSRFToken": token.group(1)})
    assert response.status_code == 302


def test_a_form_sent_without_csrf_token_gets_the_expired_page_in_chinese(tiny_district):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"phone": RESIDENT, "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期" in text_of(response)


def test_names_are_escaped_on_the_page(client, tiny_district):
    user = services.user_create(
        actor=None, phone="13700000124", name="<script>alert(1)</script>", password=PASSWORD, roles=[]
    )
    services.role_assign(actor=None, user=user, role="platform_admin", org=tiny_district.units["350102"])
    client.force_login(user)
    for path in ("/", "/audit/"):
        body = text_of(client.get(path))
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# ---------- error pages ----------


def test_unknown_page_is_a_404_in_the_users_language(client, tiny_district):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in text_of(response)
    client.post("/preferences/language/", {"language": "en"})
    assert "Page not found" in text_of(client.get("/no-such-page/"))


def test_500_page_renders_without_a_request_in_both_languages():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert "出错了" in render_to_string("500.html")
    with translation.override("en"):
        assert "Something went wrong" in render_to_string("500.html")


@contextmanager
def static_storage(settings, root, backend: str):
    """The static files stored by `backend` under `root`, as a release configures them."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": backend}}
    staticfiles_storage._wrapped = empty
    try:
        yield
    finally:
        staticfiles_storage._wrapped = empty


def test_500_page_renders_when_the_static_manifest_lacks_its_stylesheet(settings, tmp_path):
    # A release whose collectstatic did not run (or missed a file) must still show its 500 page,
    # not fail a second time inside the error handler.
    with static_storage(settings, tmp_path, "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"):
        page = render_to_string("500.html")
    assert "/static/css/jinlin.css" in page


def test_collectstatic_of_a_production_release_succeeds(settings, tmp_path):
    # README's production step: the manifest storage post-processes every file and refuses one
    # that names a file we did not ship (leaflet.js names its source map).
    from django.core.management import call_command

    with static_storage(settings, tmp_path, "whitenoise.storage.CompressedManifestStaticFilesStorage"):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
