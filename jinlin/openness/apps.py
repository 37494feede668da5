from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpennessConfig(AppConfig):
    name = "jinlin.openness"
    label = "openness"
    verbose_name = _("Openness and supervision (小微权力监督)")

    def ready(self) -> None:
        from . import policies  # noqa: F401
