from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "jinlin.stats"
    label = "stats"
    verbose_name = _("Metrics and dashboards")
