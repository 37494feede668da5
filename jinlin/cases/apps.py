from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jinlin.cases"
    label = "cases"
    verbose_name = _("Residents' requests (诉求)")

    def ready(self) -> None:
        from . import home, policies  # noqa: F401  (one policy row per case action; the home cards' figures)
