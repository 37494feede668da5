"""Settings for Jinlin 近邻.

Everything that differs between a laptop demo and a city deployment comes from the environment,
so the same code runs in both: DATABASE_URL, JINLIN_SECRET_KEY, JINLIN_FIELD_KEY, JINLIN_DEBUG,
JINLIN_ALLOWED_HOSTS. Without them the platform runs as a local demo on SQLite.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JINLIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The demo key is public on purpose; `jinlin check --deploy` refuses it in production.
DEMO_SECRET_KEY = "jinlin-demo-secret-key-not-for-production-0123456789abcdef"
SECRET_KEY = os.environ.get("JINLIN_SECRET_KEY", DEMO_SECRET_KEY)
# A separate key encrypts personal data at rest, so rotating the session key does not make
# stored ID numbers and phones unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("JINLIN_FIELD_KEY", SECRET_KEY)
# Production must set JINLIN_FIELD_KEY of its own (check --deploy errors otherwise): falling
# back to the secret key would make every phone and ID unreadable when the secret is rotated.
FIELD_KEY_FROM_ENVIRONMENT = bool(os.environ.get("JINLIN_FIELD_KEY"))
# Key rotation (core.crypto): newest first; the first encrypts, all decrypt; `jinlin rekey`.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in os.environ.get("JINLIN_FIELD_KEYS", "").split(",") if k.strip()]
# Lookup digests keep one key through rotations (default: JINLIN_FIELD_KEY).
FIELD_DIGEST_KEY = os.environ.get("JINLIN_DIGEST_KEY", "")
DEBUG = env_bool("JINLIN_DEBUG", True)
ALLOWED_HOSTS = [h for h in os.environ.get("JINLIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JINLIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "jinlin.core",
    "jinlin.cases",
    "jinlin.triage",
    "jinlin.stats",
    "jinlin.open311",
    "jinlin.centre",
    "jinlin.people",
    "jinlin.ops",
    "jinlin.notify",
    "jinlin.volunteers",
    "jinlin.forum",
    "jinlin.openness",
    "jinlin.field",
]

MIDDLEWARE = [
    "jinlin.core.middleware.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jinlin.core.accounts.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jinlin.core.middleware.RequestContextMiddleware",
    "jinlin.core.middleware.BusyDatabaseMiddleware",
    "jinlin.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "jinlin.urls"
WSGI_APPLICATION = "jinlin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jinlin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "jinlin.core.context_processors.shell",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'jinlin.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on busy_timeout instead of failing with "database is locked".
    # Django's backend, waiting for that lock in short steps rather than SQLite's growing sleeps.
    DATABASES["default"]["ENGINE"] = "jinlin.core.backends.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-jinlin.sqlite3")}
# Connections are kept between requests on SQLite too: a new SQLite connection parses the whole
# schema before its first statement, and with every app's tables, indexes and triggers that cost
# each request ≈ 3 ms — it halved the bench's floor (docs/performance.md §7a, the last pass).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("JINLIN_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["jinlin.core.auth.PhoneBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jinlin.core.accounts.StaffPasswordValidator"},
]
# Staff (every role but resident/volunteer): password length, idle session timeout (等保).
STAFF_PASSWORD_MIN_LENGTH = int(os.environ.get("JINLIN_STAFF_PASSWORD_MIN_LENGTH", "12"))
STAFF_IDLE_MINUTES = int(os.environ.get("JINLIN_STAFF_IDLE_MINUTES", "30"))
# The demo (public demo key): the demo password is allowed only here.
JINLIN_DEMO_MODE = env_bool("JINLIN_DEMO_MODE", SECRET_KEY == DEMO_SECRET_KEY)
# Second factor of staff (core/totp.py): off | optional | required; empty: optional in demo mode,
# required outside it.
STAFF_TOTP = os.environ.get("JINLIN_STAFF_TOTP", "").strip().lower()

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jinlin" / "locale"]
LANGUAGE_COOKIE_NAME = "jinlin_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("JINLIN_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "jinlin" / "static", BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("JINLIN_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("JINLIN_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS (docs/security.md): HSTS, redirect and the proxy's scheme header, from the environment.
SECURE_HSTS_SECONDS = int(os.environ.get("JINLIN_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JINLIN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("JINLIN_SSL_REDIRECT", False)
if env_bool("JINLIN_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a reverse proxy that sets X-Forwarded-For: the client address for audit and limits.
TRUST_X_FORWARDED_FOR = env_bool("JINLIN_TRUST_X_FORWARDED_FOR", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

from csp.constants import NONCE, SELF  # noqa: E402

# Every script and style comes from our own origin (npm → static/vendor); inline code is not
# allowed, so an injected <script> in a resident's text cannot run even if escaping failed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            "blob:",
            *[u for u in os.environ.get("JINLIN_MAP_TILE_ORIGINS", "").split(",") if u],
        ],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": ["'none'"],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
    }
}

# Map tiles (docs/map.md): none by default, so the demo works offline; gcj02 for AMap/Tencent tiles.
JINLIN_MAP_TILE_URL = os.environ.get("JINLIN_MAP_TILE_URL", "")
JINLIN_MAP_TILE_CRS = os.environ.get("JINLIN_MAP_TILE_CRS", "wgs84")
# A second, transparent tile layer over the first (天地图's annotation layer cva_w), same CRS.
JINLIN_MAP_TILE_OVERLAY_URL = os.environ.get("JINLIN_MAP_TILE_OVERLAY_URL", "")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A periodic task RUNNING longer than this lost its worker (core.periodic); unset: per task.
PERIODIC_STALE_SECONDS = float(os.environ.get("JINLIN_PERIODIC_STALE_SECONDS", "0")) or None

# Triage (docs/triage.md): the platform dispatches a case itself when the category model is
# confident enough; off, every case waits for a dispatcher.
JINLIN_TRIAGE_AUTO_DISPATCH = env_bool("JINLIN_TRIAGE_AUTO_DISPATCH", True)

# 等保 practice: lock an account for 15 minutes after 5 failed logins in a row.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
# Login throttle (docs/security.md): per phone and address, the first LOGIN_FREE_FAILURES
# failures cost nothing, then the wait doubles up to LOGIN_LOCK_MINUTES; an address with
# LOGIN_ADDRESS_MAX_FAILURES failures on any phones waits LOGIN_LOCK_MINUTES.
LOGIN_FREE_FAILURES = int(os.environ.get("JINLIN_LOGIN_FREE_FAILURES", "3"))
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("JINLIN_LOGIN_ADDRESS_MAX_FAILURES", "30"))
# Rate limits (jinlin.core.ratelimit.DEFAULT_LIMITS): {"intake": {"user": (20, 600)}, …}.
RATE_LIMITS: dict = {}
RATE_LIMITS_ENABLED = env_bool("JINLIN_RATE_LIMITS", True)
API_TOKEN_HOURS = int(os.environ.get("JINLIN_API_TOKEN_HOURS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JINLIN_LOG_LEVEL", "WARNING")},
}

SILENCED_SYSTEM_CHECKS: list[str] = []
