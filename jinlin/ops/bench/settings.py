"""The settings `jinlin bench` serves the platform with: the real ones, plus the floor endpoint.

Loaded only by the benchmark's gunicorn (DJANGO_SETTINGS_MODULE=jinlin.ops.bench.settings,
JINLIN_BENCH=1, JINLIN_DEBUG=0); everything else is jinlin/settings.py as production runs it.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from jinlin.settings import *  # noqa: F403
from jinlin.settings import STORAGES

if os.environ.get("JINLIN_BENCH") != "1":
    raise ImproperlyConfigured("jinlin.ops.bench.settings is for `jinlin bench` only (it sets JINLIN_BENCH=1).")

ROOT_URLCONF = "jinlin.ops.bench.urls"
# Production serves static files collected with hashed names (collectstatic); the benchmark
# requests no static file, and plain storage lets pages render without a collectstatic step.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# WhiteNoise warns once per worker that STATIC_ROOT does not exist (no collectstatic); say it once here.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# The bench measures capacity: a handful of simulated residents file thousands of cases a minute,
# which the production rate limits (core.ratelimit) refuse by design with 429.
RATE_LIMITS_ENABLED = False


class _UnlessFlagFile:
    """True while the bench's flag file is absent: the bench switches notify's case subscriber
    off and on between its notify rounds without restarting gunicorn (a stat per event)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __bool__(self) -> bool:
        return not os.path.exists(self.path)


# What telling people costs intake (issue 13: at most 10 %; docs/performance.md §7a):
# `JINLIN_BENCH_NOTIFY=0` serves a whole run without notify's case-event subscriber; the bench's
# notify rounds alternate it within one run through the flag file it names.
_flag = os.environ.get("JINLIN_BENCH_NOTIFY_OFF_FLAG", "")
NOTIFY_CASE_EVENTS = os.environ.get("JINLIN_BENCH_NOTIFY", "1") != "0" and (_UnlessFlagFile(_flag) if _flag else True)
