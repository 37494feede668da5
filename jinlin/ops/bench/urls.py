"""The platform's URLs plus /bench/: the floor (same stack, one row) and a readiness ping.

The floor is the intake endpoint with the platform taken out: the same gunicorn, middleware,
django-ninja, bearer-token authentication and request schema (CaseIn), then a single INSERT and
COMMIT. Intake ÷ floor is what the platform's own work costs.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.urls import include, path
from django.utils import timezone
from ninja import NinjaAPI
from ninja.responses import Status

from jinlin.cases.api import CaseIn
from jinlin.core.bearer import BearerToken
from jinlin.ops.bench import FLOOR_TABLE

if os.environ.get("JINLIN_BENCH") != "1":
    raise ImproperlyConfigured("jinlin.ops.bench.urls is for `jinlin bench` only (it sets JINLIN_BENCH=1).")

bench_api = NinjaAPI(title="bench", urls_namespace="bench", auth=BearerToken(), docs_url=None, openapi_url=None)


@bench_api.get("/ping", auth=None)
def ping(request):
    return {"ok": True}


@bench_api.post("/floor", response={201: dict})
def floor(request, payload: CaseIn):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (created_at, user_id, body) VALUES (%s, %s, %s)",  # noqa: S608
            [timezone.now(), request.user.pk, payload.title],
        )
    return Status(201, {"ok": True})


urlpatterns = [path("bench/", bench_api.urls), path("", include("jinlin.urls"))]
