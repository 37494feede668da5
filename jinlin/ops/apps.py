from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations above the domains: the demo and scale seeds, the `demo`, `seed` and `bench`
    commands. It may import every app; no app imports it."""

    name = "jinlin.ops"
    label = "ops"
    verbose_name = _("Operations: demo, seeds and benchmarks")
