from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "jinlin.notify"
    label = "notify"
    verbose_name = _("Notifications (消息通知)")

    def ready(self) -> None:
        from jinlin.core import context_processors

        from . import policies, subscribers, subscribers_domains  # noqa: F401  (policies, event subscribers)
        from .selectors import shell_notifications

        context_processors.register_shell_hook(shell_notifications)
