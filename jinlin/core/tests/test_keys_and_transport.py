"""Keys and transport: production refuses to start without a field key of its own; HTTPS
settings and the trusted-proxy setting come from the environment; /media/ needs a login."""

import importlib

import pytest
from django.test import Client

from jinlin.core.checks import jinlin_deploy_checks

pytestmark = pytest.mark.django_db


def _settings_with(monkeypatch, **env):
    from types import SimpleNamespace

    import jinlin.settings as module

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        return SimpleNamespace(**{k: v for k, v in vars(importlib.reload(module)).items() if k.isupper()})
    finally:
        for key in env:
            monkeypatch.delenv(key)
        importlib.reload(module)


def test_check_deploy_errors_without_a_field_key_of_its_own(settings):
    settings.FIELD_KEY_FROM_ENVIRONMENT = False
    assert "jinlin.E004" in {p.id for p in jinlin_deploy_checks(None)}
    settings.FIELD_KEY_FROM_ENVIRONMENT = True
    assert "jinlin.E004" not in {p.id for p in jinlin_deploy_checks(None)}


def test_https_and_proxy_settings_come_from_the_environment(monkeypatch):
    loaded = _settings_with(
        monkeypatch,
        JINLIN_FIELD_KEY="k" * 40,
        JINLIN_HSTS_SECONDS="31536000",
        JINLIN_SSL_REDIRECT="1",
        JINLIN_PROXY_SSL_HEADER="1",
        JINLIN_TRUST_X_FORWARDED_FOR="1",
    )
    assert loaded.FIELD_KEY_FROM_ENVIRONMENT
    assert loaded.SECURE_HSTS_SECONDS == 31536000 and loaded.SECURE_SSL_REDIRECT
    assert loaded.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert loaded.TRUST_X_FORWARDED_FOR is True


def test_the_audit_records_the_forwarded_address_only_when_the_proxy_is_trusted(settings):
    from django.test import RequestFactory

    from jinlin.core.middleware import _ip_of

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1", REMOTE_ADDR="10.0.0.1")
    settings.TRUST_X_FORWARDED_FOR = False
    assert _ip_of(request) == "10.0.0.1"
    settings.TRUST_X_FORWARDED_FOR = True
    assert _ip_of(request) == "203.0.113.9"


def test_media_is_not_served_without_a_login():
    response = Client().get("/media/cases/photo.jpg")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
