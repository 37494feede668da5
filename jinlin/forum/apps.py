from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "jinlin.forum"
    label = "forum"
    verbose_name = _("Deliberation (民主协商)")

    def ready(self) -> None:
        from . import policies  # noqa: F401
