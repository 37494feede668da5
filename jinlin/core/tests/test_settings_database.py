"""The PostgreSQL connection options the environment asks for reach Django's database backend."""

import runpy
from pathlib import Path

import pytest
from django.db.backends.postgresql.base import DatabaseWrapper, ServerBindingCursor

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings.py"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/jinlin"


def database_settings(monkeypatch, tmp_path, url, **env):
    """DATABASES["default"] as jinlin/settings.py builds it from this environment."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("JINLIN_VAR_DIR", str(tmp_path))
    for name in ("JINLIN_DB_SERVER_SIDE_BINDING", "JINLIN_DB_PREPARE_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))["DATABASES"]["default"]


def connection_params(settings_dict):
    # The defaults Django's connection handler fills in for keys the settings leave out.
    wrapper = DatabaseWrapper({"OPTIONS": {}, **settings_dict, "TIME_ZONE": None, "AUTOCOMMIT": True}, alias="probe")
    return wrapper.get_connection_params()


def test_postgresql_binds_server_side_and_prepares_by_default(monkeypatch, tmp_path):
    params = connection_params(database_settings(monkeypatch, tmp_path, POSTGRES_URL))
    assert params["cursor_factory"] is ServerBindingCursor
    assert params["prepare_threshold"] == 5


def test_server_side_binding_on_reaches_psycopg_with_a_prepare_threshold(monkeypatch, tmp_path):
    db = database_settings(monkeypatch, tmp_path, POSTGRES_URL, JINLIN_DB_SERVER_SIDE_BINDING="yes")
    params = connection_params(db)
    assert params["cursor_factory"] is ServerBindingCursor
    assert params["prepare_threshold"] == 5


def test_prepare_threshold_comes_from_the_environment(monkeypatch, tmp_path):
    db = database_settings(
        monkeypatch, tmp_path, POSTGRES_URL, JINLIN_DB_SERVER_SIDE_BINDING="1", JINLIN_DB_PREPARE_THRESHOLD="2"
    )
    assert connection_params(db)["prepare_threshold"] == 2


def test_server_side_binding_off_keeps_client_side_binding_and_no_prepared_statements(monkeypatch, tmp_path):
    db = database_settings(monkeypatch, tmp_path, POSTGRES_URL, JINLIN_DB_SERVER_SIDE_BINDING="0")
    params = connection_params(db)
    assert params["cursor_factory"] is not ServerBindingCursor
    assert params["prepare_threshold"] is None


@pytest.mark.parametrize("binding", ["0", "1"])
def test_sqlite_gets_no_postgresql_options(monkeypatch, tmp_path, binding):
    db = database_settings(
        monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", JINLIN_DB_SERVER_SIDE_BINDING=binding
    )
    assert "server_side_binding" not in db["OPTIONS"]
    assert "prepare_threshold" not in db["OPTIONS"]
