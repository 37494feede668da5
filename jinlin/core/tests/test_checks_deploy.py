import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jinlin.core.checks import jinlin_deploy_checks
from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.core.models import Role

from .factories import make_tree, make_user

pytestmark = pytest.mark.django_db


def ids(problems):
    return {p.id for p in problems}


def test_production_check_refuses_debug_and_the_demo_keys(settings):
    settings.DEBUG = True
    assert {"jinlin.E001", "jinlin.E002", "jinlin.E003"} <= ids(jinlin_deploy_checks(None))


def test_production_check_passes_with_own_keys_and_no_debug(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-real-secret-" * 4
    settings.FIELD_ENCRYPTION_KEY = "another-real-secret-" * 3
    assert not {"jinlin.E001", "jinlin.E002", "jinlin.E003"} & ids(jinlin_deploy_checks(None))


def test_production_check_warns_about_demo_accounts_with_the_demo_password():
    tree = make_tree()
    user = make_user("13900000004", Role.DISPATCHER, tree.district)
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert "jinlin.W002" in ids(jinlin_deploy_checks(None))
    user.set_password("a-changed-long-password")
    user.save()
    assert "jinlin.W002" not in ids(jinlin_deploy_checks(None))


def test_check_deploy_command_fails_on_errors(settings):
    settings.DEBUG = True
    with pytest.raises(SystemCheckError):
        call_command("check", "--deploy", "--fail-level", "ERROR")
