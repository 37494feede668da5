"""`jinlin demo` serves like production: DEBUG off, static files collected into the var directory."""

from django.conf import settings

from jinlin.ops.management.commands.demo import child_commands, production_env


def test_the_demo_children_run_with_debug_off_and_static_files_in_the_var_directory():
    env = production_env()
    assert env["JINLIN_DEBUG"] == "0"
    assert env["JINLIN_STATIC_ROOT"] == str(settings.VAR_DIR / "static")
    # Plain http on 127.0.0.1: a Secure session cookie would never come back and nobody could log in.
    assert env["JINLIN_SECURE_COOKIES"] == "0"


def test_the_demo_web_server_is_gunicorn_not_the_debug_runserver():
    names = [name for name, _command in child_commands(8140)]
    assert names[0] == "gunicorn"
    assert "runserver" not in " ".join(child_commands(8140)[0][1])
