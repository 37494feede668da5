from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "jinlin.field"
    label = "field"
    verbose_name = _("Field app for grid workers (网格通)")

    def ready(self) -> None:
        from . import home, policies  # noqa: F401  (policy rows, home-card figures)
