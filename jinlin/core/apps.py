from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jinlin.core"
    label = "core"
    verbose_name = _("Organisation, accounts and audit")

    def ready(self):
        from . import (  # noqa: F401  (deployment checks, connection set-up, credential revocation)
            accounts,
            checks,
            db,
            staff_accounts,  # noqa: F401  (its policy rows)
        )
