from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "jinlin.people"
    label = "people"
    verbose_name = _("People, homes and things (人房事物情)")

    def ready(self) -> None:
        from . import home, policies  # noqa: F401  (the policy rows; the home cards' figures)
