"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2): plain views over
the case services and the public selectors.

    GET  services.{fmt}              the categories as services
    GET  services/{code}.{fmt}       a service definition (no extra attributes)
    GET  requests.{fmt}              public requests; service_request_id, service_code, status,
                                     start_date, end_date (default: the last 90 days, at most 1000)
    POST requests.{fmt}              file a request (form-encoded, api_key required) → 200 and
                                     [{service_request_id, token, service_notice, account_id}]
    GET  requests/{id}.{fmt}         one public request, by our case number (or database id)
    GET  tokens/{token}.{fmt}        the request id a POST's token stands for

POST takes service_code, description (required by us), lat/long or address_string or
address_id, and optionally first_name, last_name and phone (a mainland mobile: the case is then
recorded on that resident's behalf, as staff record a call); email, device_id, account_id,
media_url and attribute[…] are accepted and not kept (we fetch no media and define no
attributes). An Idempotency-Key header makes a retry return the first answer.

`fmt` is json or xml. Errors are the specification's list of {code, description}, in the
requested format: 400 bad parameters, 403 missing or invalid api_key, 404 unknown thing or format,
405 wrong method, 429 too many requests from one key. `jurisdiction_id` is optional; if given it
must be the GB/T 2260 code of one of our districts, and it limits GET requests to that district.
"""

import logging
import re
from datetime import datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import selectors, services
from .render import FORMATS, errors, respond

logger = logging.getLogger(__name__)

MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)
# A description of 5,000 Chinese characters, percent-encoded, is about 45 KB.
MAX_BODY_BYTES = 100 * 1024
# Our field names in service messages, as GeoReport clients know them.
_SPACE_OFFSET = re.compile(r"(?<=:\d\d) (\d{2}(?::?\d{2})?)$")
FIELD_NAMES = {"on_behalf_of_phone": "phone", "lng": "long", "address": "address_string", "contact_name": "first_name"}


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{FIELD_NAMES.get(field, field)}: {message}" if field != "__all__" else str(message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [str(message) for message in exc.messages]


def _jurisdiction(request) -> str:
    value = request.GET.get("jurisdiction_id", "")
    if not value and request.method == "POST":
        value = request.POST.get("jurisdiction_id", "")
    value = value.strip()
    if value and not selectors.jurisdiction_exists(value):
        raise Http404(_("Unknown jurisdiction_id %(id)s.") % {"id": value[:40]})
    return value


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        # Not a number: treat it as too large rather than read a body of unknown size.
        return MAX_BODY_BYTES + 1


def georeport(*methods: str):
    """Format check, method check, jurisdiction, and every failure as a GeoReport error list."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return errors("json", 404, [_("Unknown format “%(fmt)s”: use json or xml.") % {"fmt": fmt[:10]}])
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                response = errors(fmt, 405, [_("Method %(method)s is not allowed here.") % {"method": request.method}])
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                if _content_length(request) > MAX_BODY_BYTES:
                    raise RequestDataTooBig
                response = view(request, fmt, jurisdiction=_jurisdiction(request), **kwargs)
            except ValidationError as exc:
                response = errors(fmt, 400, _messages(exc))
            except PermissionDenied as exc:
                response = errors(fmt, 403, [str(exc) or _("Forbidden.")])
            except Http404 as exc:
                response = errors(fmt, 404, [str(exc) or _("Not found.")])
            except services.RateLimited as exc:
                response = errors(fmt, 429, [str(exc)])
                response["Retry-After"] = "60"
            except RequestDataTooBig:
                response = errors(fmt, 400, [_("The request is too large.")])
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                # Too many fields, a broken multipart body, a client that hung up mid-request.
                response = errors(fmt, 400, [_("The request could not be read.")])
            except Exception:
                # A fault of ours: logged with its traceback, answered in the format clients parse.
                logger.exception("Open311 %s %s failed", request.method, request.path)
                response = errors(fmt, 500, [_("Something went wrong on our side; please try again later.")])
            if request.method in ("GET", "HEAD"):
                # Public data: browser-based GeoReport clients may read it from any origin.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorator


# ---------------------------------------------------------------- services


@georeport("GET")
def service_list(request, fmt, *, jurisdiction):
    records = [selectors.service_as_georeport(c) for c in selectors.services_active()]
    return respond(fmt, records, root="services", item="service")


@georeport("GET")
def service_definition(request, fmt, *, jurisdiction, code):
    category = selectors.service_get(code)
    if category is None:
        raise Http404(_("Unknown service_code %(code)s.") % {"code": code[:40]})
    return respond(fmt, {"service_code": category.code, "attributes": []}, root="service_definition", item="")


# ---------------------------------------------------------------- requests


@csrf_exempt  # authenticated by api_key, not by a session cookie
@georeport("GET", "POST")
def request_collection(request, fmt, *, jurisdiction):
    if request.method == "POST":
        return _request_post(request, fmt)
    # GET, or HEAD (the same answer without its body).
    return _request_list(request, fmt, jurisdiction)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _moment(params, name: str) -> datetime | None:
    """A w3c/ISO 8601 time; a bare date means its midnight; no zone means Beijing time."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        # An unencoded "+08:00" in a query string arrives as " 08:00".
        moment = parse_datetime(_SPACE_OFFSET.sub(r"+\1", value))
        if moment is None:
            day = parse_date(value)
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({name: _("Not a date and time: use ISO 8601, e.g. 2026-03-01T00:00:00+08:00.")})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment


def _request_list(request, fmt, jurisdiction):
    params = request.GET
    ids = _split(params.get("service_request_id"))
    if ids:
        # The specification: a list of ids overrides every other filter.
        if len(ids) > MAX_RESULTS:
            raise ValidationError({"service_request_id": _("At most %(max)d ids at once.") % {"max": MAX_RESULTS}})
        cases = selectors.public_requests_by_ids(ids, jurisdiction)
    else:
        statuses = _split(params.get("status"))
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            message = _("Status is open or closed, not %(value)s.") % {"value": unknown[0][:20]}
            raise ValidationError({"status": message})
        start, end = _moment(params, "start_date"), _moment(params, "end_date")
        end = end or timezone.now()
        start = start or end - DEFAULT_SPAN
        if start > end:
            raise ValidationError({"start_date": _("start_date is after end_date.")})
        cases = selectors.public_requests_filtered(
            service_codes=_split(params.get("service_code")),
            statuses=statuses,
            start=start,
            end=end,
            jurisdiction_id=jurisdiction,
        )
    cases = cases.order_by("-created_at", "-pk")[:MAX_RESULTS]
    return respond(fmt, selectors.as_georeport(cases), root="service_requests", item="request")


def _float(params, name: str) -> float | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError({name: _("Not a number: %(value)s.") % {"value": value[:20]}}) from None


def _request_post(request, fmt):
    form = request.POST
    # Some clients put the key in the query string even on a POST.
    api_key = services.api_key_authenticate(form.get("api_key") or request.GET.get("api_key"))
    if api_key is None:
        raise PermissionDenied(_("A valid api_key is required to file a request."))
    submission, created = services.request_submit(
        api_key=api_key,
        service_code=form.get("service_code", ""),
        description=form.get("description", ""),
        lat=_float(form, "lat"),
        lng=_float(form, "long"),
        address_string=form.get("address_string", ""),
        address_id=form.get("address_id", ""),
        first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""),
        phone=form.get("phone", ""),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    case = submission.case
    record = {
        "service_request_id": case.number,
        # We answer synchronously, so the id is there already; the token is for clients that
        # keep tokens (tokens/{token} resolves it at any time).
        "token": submission.token,
        "service_notice": selectors.service_notice(case),
        "account_id": None,
    }
    response = respond(fmt, [record], root="service_requests", item="request")
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


@georeport("GET")
def request_detail(request, fmt, *, jurisdiction, request_id):
    case = selectors.public_request_get(request_id, jurisdiction)
    if case is None:
        raise Http404(_("No request %(id)s.") % {"id": request_id[:40]})
    return respond(fmt, selectors.as_georeport([case]), root="service_requests", item="request")


@georeport("GET")
def token_detail(request, fmt, *, jurisdiction, token):
    submission = selectors.submission_by_token(token)
    if submission is None:
        raise Http404(_("No request for token %(token)s.") % {"token": token[:40]})
    record = {"service_request_id": submission.case.number, "token": submission.token}
    return respond(fmt, [record], root="service_requests", item="request")


def not_found(request, path: str):
    fmt = path.rsplit(".", 1)[-1] if "." in path else "json"
    return errors(fmt, 404, [_("No such GeoReport v2 endpoint: %(path)s.") % {"path": path[:80]}])
