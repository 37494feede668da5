from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "jinlin.triage"
    label = "triage"
    verbose_name = _("Smart triage")

    def ready(self) -> None:
        from . import subscribers  # noqa: F401  (subscribes to the case events)
