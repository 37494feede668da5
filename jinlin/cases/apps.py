from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jinlin.cases"
    label = "cases"
    verbose_name = _("Residents' requests (诉求)")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers one policy row per case action)
