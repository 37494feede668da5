"""`jinlin demo` runs like production: DEBUG off, static files collected into the var directory and
served by WhiteNoise, the project's own 404 page (never Django's debug page listing every URL)."""

import pytest

from jinlin.ops.management.commands.demo import production_environment


def test_the_demo_environment_turns_debug_off_and_collects_static_into_the_var_dir(settings):
    env = production_environment()
    assert env["JINLIN_DEBUG"] == "0"
    assert env["JINLIN_STATIC_ROOT"] == str(settings.VAR_DIR / "static")
    assert env["JINLIN_SECURE_COOKIES"] == "0"  # plain HTTP on 127.0.0.1


@pytest.mark.django_db
def test_with_debug_off_a_missing_page_is_our_404_with_a_link_home(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text and 'href="/"' in text
    assert "URLconf" not in text  # not Django's technical 404


@pytest.mark.django_db
def test_with_debug_off_a_missing_api_path_stays_json(client, settings):
    settings.DEBUG = False
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
