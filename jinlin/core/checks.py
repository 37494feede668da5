"""Deployment checks: `jinlin check --deploy` refuses a production start with demo settings."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .demo_accounts import DEMO_PASSWORD


@register(Tags.security, deploy=True)
def jinlin_deploy_checks(app_configs, **kwargs):
    from .demo_accounts import DEMO_PHONES  # noqa: PLC0415

    problems: list[CheckMessage] = []
    if settings.DEBUG:
        problems.append(Error("JINLIN_DEBUG is on: production must run with JINLIN_DEBUG=0.", id="jinlin.E001"))
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        problems.append(Error("JINLIN_SECRET_KEY is the public demo key: set a secret of your own.", id="jinlin.E002"))
    if settings.FIELD_ENCRYPTION_KEY == settings.DEMO_SECRET_KEY:
        problems.append(
            Error("JINLIN_FIELD_KEY is the public demo key: personal data would be readable.", id="jinlin.E003")
        )
    if not getattr(settings, "FIELD_KEY_FROM_ENVIRONMENT", True):
        problems.append(
            Error(
                "JINLIN_FIELD_KEY is not set: personal data would be encrypted with the secret key, "
                "and rotating the secret would make every phone and ID unreadable.",
                id="jinlin.E004",
            )
        )
    if settings.DEMO_SECRET_KEY in (getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []):
        problems.append(
            Error("JINLIN_FIELD_KEYS holds the public demo key: personal data would be readable.", id="jinlin.E005")
        )
    if not settings.SECURE_SSL_REDIRECT and not settings.SECURE_HSTS_SECONDS:
        problems.append(
            Warning(
                "Neither JINLIN_SSL_REDIRECT nor JINLIN_HSTS_SECONDS is set: make sure the proxy enforces HTTPS.",
                id="jinlin.W004",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "SQLite serves one community; a district or city should use PostgreSQL (DATABASE_URL).",
                id="jinlin.W001",
            )
        )
    try:
        from .models import User

        for user in User.objects.filter(phone_digest__in=[User.digest_phone(p) for p in DEMO_PHONES], is_active=True):
            if user.check_password(DEMO_PASSWORD):
                problems.append(
                    Warning(
                        f"The demo account {user.phone_masked} still has the public demo password.",
                        hint="Deactivate the demo accounts or change their passwords.",
                        id="jinlin.W002",
                    )
                )
    except Exception as exc:  # noqa: BLE001 — a check must report, not crash, on a database not yet migrated
        problems.append(Warning(f"Could not look for demo accounts: {exc}", id="jinlin.W003"))
    return problems
