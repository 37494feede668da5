from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    name = "jinlin.centre"
    label = "centre"
    verbose_name = _("Neighbourhood centres (邻里中心)")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers the centre's actions)
