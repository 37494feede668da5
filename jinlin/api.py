"""The REST API root (/api). Every route requires a bearer token unless it says auth=None."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import Error as DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from .core.bearer import BearerToken
from .core.http import Conflict
from .core.middleware import busy_response
from .core.ratelimit import RateLimited

_ERROR_BODY = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"detail": {}}, "required": ["detail"]},
        }
    }
}


class JinlinAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the answers every operation can give: 401 when it
    needs a token, 400 (malformed body) and 422 (invalid input) when it takes input."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault("401", {"description": "Unauthorized", **_ERROR_BODY})
                    responses.setdefault("403", {"description": "Forbidden", **_ERROR_BODY})
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    # Unknown ids, and objects the caller may not see (their existence not revealed).
                    responses.setdefault("404", {"description": "Not Found", **_ERROR_BODY})
                if operation.get("requestBody"):
                    responses.setdefault("400", {"description": "Bad Request", **_ERROR_BODY})
                if operation.get("requestBody") or operation.get("parameters"):
                    responses.setdefault("422", {"description": "Unprocessable Entity", **_ERROR_BODY})
        return schema


api = JinlinAPI(
    title="Jinlin 近邻 API",
    version="1",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
)


def validation_messages(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"loc": [field], "msg": str(m)} for field, errors in exc.message_dict.items() for m in errors]
    return [{"loc": [], "msg": str(m)} for m in exc.messages]


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": validation_messages(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(Conflict)
def on_conflict(request, exc):
    return api.create_response(request, {"detail": str(exc), **exc.details()}, status=409)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Log in first: send Authorization: Bearer <token>.")}, status=401)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DatabaseError)
def on_database_error(request, exc):
    # A busy or unreachable database is 503 (retry); any other database error stays a real error.
    response = busy_response(request, exc)
    if response is None:
        raise exc
    return response


@api.exception_handler(Exception)
def on_bug(request, exc):
    # Never ninja's plain-text traceback (DEBUG): Django logs the bug and ApiErrorsMiddleware
    # answers JSON 500 in every mode.
    raise exc


# Routers come last: their modules import services that import this module's neighbours.
from .cases.api import router as cases_router  # noqa: E402
from .centre.api import router as centre_router  # noqa: E402
from .core.api import router as core_router  # noqa: E402
from .field.api import router as field_router  # noqa: E402
from .forum.api import router as forum_router  # noqa: E402
from .notify.api import router as notify_router  # noqa: E402
from .openness.api import router as openness_router  # noqa: E402
from .people.api import router as people_router  # noqa: E402
from .stats.api import router as stats_router  # noqa: E402
from .volunteers.api import router as volunteers_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", cases_router)
api.add_router("/", stats_router)
api.add_router("/", notify_router)
api.add_router("/", centre_router)
api.add_router("/", people_router)
api.add_router("/", forum_router)
api.add_router("/", openness_router)
api.add_router("/", volunteers_router)
api.add_router("/", field_router)
