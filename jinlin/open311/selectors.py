"""What Open311 shows to anyone who asks, and how a case looks as a GeoReport v2 request.

The GeoReport GET endpoints need no key, so everything here is public. Public are the cases
filed through Open311 (their submitters used a public reporting channel, as on FixMyStreet) and
the cases published on the disclosure board (晒单); every other case stays out of sight and its
number answers 404, the same as a number that does not exist. Of a public case we show what the
disclosure board shows: no reporter, no phone, no exact address (only the 小区/community label),
a point rounded to about 100 m, and phone and ID numbers masked inside free text.

Status mapping. GeoReport knows only `open` and `closed`:
    submitted, accepted, dispatched, in_progress, reopened → open
    resolved, closed, rejected, merged                     → closed
`resolved` (办结) counts as closed: the work is done and its result is on record; what remains
is the resident's rating. If the resident is not satisfied the case is reopened and shows as
`open` again with a later updated_datetime, which GeoReport clients handle (status is the
*current* status). `status_notes` carries our finer state, the result or the reason.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases.machine import Status
from jinlin.cases.models import Case, Category, Channel, TimelineEntry
from jinlin.core.masking import mask_text
from jinlin.core.models import OrgKind, OrgUnit
from jinlin.core.scope import prefix_q

from .models import Submission

OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED})
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.MERGED})
assert set(Status) == OPEN_STATUSES | CLOSED_STATUSES, "every case status must map to open or closed"

# Three decimals of a degree ≈ 110 m: enough to find the estate or the street, not the flat.
PUBLIC_COORDINATE_DECIMALS = 3


def services_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent", "department")


def service_get(code: str) -> Category | None:
    return services_active().filter(code=code).first()


def jurisdiction_exists(jurisdiction_id: str) -> bool:
    """A jurisdiction is a district (区县) or a city (市) of the org tree, named by its code."""
    return OrgUnit.objects.filter(
        kind__in=[OrgKind.DISTRICT, OrgKind.CITY], code=jurisdiction_id, is_active=True
    ).exists()


def submission_by_token(token: str) -> Submission | None:
    return Submission.objects.select_related("case").filter(token=token).first()


def public_requests(jurisdiction_id: str = "") -> QuerySet[Case]:
    published = Q(status=Status.CLOSED, published_at__isnull=False)
    filed_here = Q(channel=Channel.OPEN311) | Q(open311_submission__isnull=False)
    qs = Case.objects.filter(filed_here | published)
    if jurisdiction_id:
        qs = qs.filter(prefix_q("scope_code", [jurisdiction_id]))
    return qs.select_related("category", "owner_unit", "merged_into", "open311_submission")


def public_request_get(request_id: str, jurisdiction_id: str = "") -> Case | None:
    """A public case by its number (our service_request_id) or, for convenience, its database id."""
    lookup = Q(number=request_id)
    if request_id.isdigit() and len(request_id) < 13:
        lookup |= Q(pk=int(request_id))
    return public_requests(jurisdiction_id).filter(lookup).first()


def public_requests_by_ids(ids: list[str], jurisdiction_id: str = "") -> QuerySet[Case]:
    numeric = [int(i) for i in ids if i.isdigit() and len(i) < 13]
    return public_requests(jurisdiction_id).filter(Q(number__in=ids) | Q(pk__in=numeric))


def public_requests_filtered(
    *,
    service_codes: list[str],
    statuses: list[str],
    start: datetime,
    end: datetime,
    jurisdiction_id: str = "",
) -> QuerySet[Case]:
    qs = public_requests(jurisdiction_id).filter(created_at__gte=start, created_at__lte=end)
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if statuses and set(statuses) != {"open", "closed"}:
        qs = qs.filter(status__in=sorted(OPEN_STATUSES if "open" in statuses else CLOSED_STATUSES))
    return qs


# ---------------------------------------------------------------- a case as a GeoReport request


def georeport_status(case: Case) -> str:
    return "open" if case.status in OPEN_STATUSES else "closed"


def _local_iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _rejection_notes(cases: list[Case]) -> dict[int, str]:
    ids = [c.pk for c in cases if c.status == Status.REJECTED]
    notes = {}
    for entry in TimelineEntry.objects.filter(case_id__in=ids, action="reject").order_by("at", "pk"):
        notes[entry.case_id] = entry.note
    return notes


def _status_notes(case: Case, rejection: str) -> str:
    if case.status in (Status.RESOLVED, Status.CLOSED):
        return mask_text(case.board_result)
    if case.status == Status.REJECTED:
        return mask_text(rejection)
    if case.status == Status.MERGED and case.merged_into_id:
        return _("Merged into request %(number)s.") % {"number": case.merged_into.number}
    return str(Status(case.status).label)


def service_notice(case: Case) -> str | None:
    if case.status not in OPEN_STATUSES:
        return None
    due = timezone.localtime(case.due_at)
    return _("To be dealt with by %(due)s.") % {"due": f"{due:%Y-%m-%d %H:%M}"}


def _public_point(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_COORDINATE_DECIMALS)


def as_georeport(cases: Iterable[Case]) -> list[dict]:
    """GeoReport v2 request records of public cases, fields in the order of the specification."""
    cases = list(cases)
    rejections = _rejection_notes(cases)
    records = []
    for case in cases:
        closed = case.status not in OPEN_STATUSES
        if case.channel == Channel.OPEN311 or hasattr(case, "open311_submission"):
            description = case.description
        else:
            # Published from another channel: the disclosure board shows the title, not the
            # resident's own words, so neither do we.
            description = case.board_title
        updated = (case.resolved_at or case.closed_at or case.updated_at) if closed else case.updated_at
        records.append(
            {
                "service_request_id": case.number,
                "status": georeport_status(case),
                "status_notes": _status_notes(case, rejections.get(case.pk, "")) or None,
                "service_name": case.category.name if case.category_id else None,
                "service_code": case.category.code if case.category_id else None,
                "description": mask_text(description),
                "agency_responsible": case.owner_unit.name if case.owner_unit_id else None,
                "service_notice": service_notice(case),
                "requested_datetime": _local_iso(case.created_at),
                "updated_datetime": _local_iso(updated),
                "expected_datetime": _local_iso(case.due_at),
                "address": mask_text(case.place_label) or None,
                "address_id": None,
                "zipcode": None,
                "lat": _public_point(case.lat),
                "long": _public_point(case.lng),
                "media_url": None,
            }
        )
    return records


def service_as_georeport(category: Category) -> dict:
    department = category.department.name if category.department_id else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("Handled by %(unit)s.") % {"unit": department} if department else "",
        # No extra attributes: a description and a location are all a request needs.
        "metadata": False,
        # The case is created while the client waits, so the request id comes back at once.
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }
