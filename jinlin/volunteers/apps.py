from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "jinlin.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers, time bank and party members (志愿服务)")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers the actions)
