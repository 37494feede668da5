"""REST API of the registry (the contract of issue 16). Thin: a selector or a service, then a dict.

ID numbers and phones are masked in every answer except `POST /residents/{id}/reveal`, which is
purpose-bound (a reason) and audited. Households a user may not see answer 404.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply

from jinlin.core import policy
from jinlin.core.models import User
from jinlin.core.selectors import COUNT_CAP

from . import exporter, importer, selectors, services
from .models import Household

router = Router(tags=["people"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ErrorOut(Schema):
    detail: str | list


class ImportError_(Schema):
    row: int
    column: str
    message: str


class ImportErrorsOut(Schema):
    errors: list[ImportError_]


class ImportOut(Schema):
    created: int
    updated: int


class HouseholdItem(Schema):
    id: int
    address: str
    unit_id: int
    size: int
    tags: list[str]


class HouseholdPage(Schema):
    count: int
    # True when `q` matched more than COUNT_CAP households: `count` is then COUNT_CAP ("1000+").
    count_capped: bool = False
    items: list[HouseholdItem]


class ResidentOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    relation: str
    tags: list[str]
    sex: str
    birth_year: int
    category: str


class HouseholdOut(Schema):
    id: int
    address: str
    unit_id: int
    room: str
    size: int
    tags: list[str]
    residents: list[ResidentOut]


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str


class AgeBand(Schema):
    band: str
    count: int


class ProfileOut(Schema):
    unit_id: int | None
    unit_name: str
    total: int
    age_bands: list[AgeBand]
    sex: dict[str, int]
    tags: dict[str, int]
    occupation: dict[str, int]
    education: dict[str, int]
    marital: dict[str, int]


class PairingIn(Schema):
    household_id: int
    carer_id: int
    every_days: int


class PairingOut(Schema):
    id: int
    household_id: int
    carer_id: int
    carer_kind: str
    every_days: int
    due_at: datetime
    last_visit_at: datetime | None
    overdue_since: datetime | None


class VisitIn(Schema):
    household_id: int
    kind: str
    note: str = ""
    lat: float | None = None
    lng: float | None = None
    anti_fraud_app: bool | None = None


class VisitOut(Schema):
    id: int
    household_id: int
    kind: str
    note: str
    at: datetime
    visitor_id: int


class OverdueItem(Schema):
    pairing_id: int
    household_id: int
    address: str
    carer_id: int
    carer_name: str
    every_days: int
    due_at: datetime
    days_overdue: int


class OverdueOut(Schema):
    count: int
    items: list[OverdueItem]
    coverage: dict


def _pairing_out(p) -> dict:
    return {
        "id": p.pk,
        "household_id": p.household_id,
        "carer_id": p.carer_id,
        "carer_kind": p.carer_kind,
        "every_days": p.every_days,
        "due_at": p.due_at,
        "last_visit_at": p.last_visit_at,
        "overdue_since": p.overdue_since,
    }


def _visible_household(user: User, household_id: int) -> Household:
    return selectors.household_get(user, household_id)


# ---------------------------------------------------------------- import and export


@router.get("/people/import/template", response={200: None})
def people_import_template(request):
    """The .xlsx template: columns 楼栋编码, 单元, 房号, 姓名, 身份证号, 手机号, 与户主关系, 人员类别, 标签."""
    response = HttpResponse(importer.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="people-import-template.xlsx"'
    return response


@router.post(
    "/people/import",
    response={201: ImportOut, 403: ErrorOut, 422: ImportErrorsOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            }
        }
    },
)
def people_import(request):
    """Import an .xlsx or .csv (multipart field `file`, ≤ 20 MB): all rows or none.

    422 lists every error as {row, column, message}; row 1 is the header, row 0 the file itself."""
    policy.require(request.user, "people.import")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > importer.MAX_BYTES + 64 * 1024:
        # Refused before the body is read: nothing of it is parsed or stored.
        return Reply(
            422, {"errors": [importer.err(0, "file", _("The file is larger than 20 MB. Split it into smaller files."))]}
        )
    upload = request.FILES.get("file")
    if upload is None:
        return Reply(422, {"errors": [importer.err(0, "file", _("Attach the file in the multipart field “file”."))]})
    try:
        result = importer.import_file(actor=request.user, upload=upload)
    except importer.ImportRejected as exc:
        return Reply(422, {"errors": exc.errors})
    return Reply(201, result)


@router.get("/people/export", response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def people_export(request, reason: str, unit_id: int | None = None, tag: str = "", q: str = "", full: bool = False):
    """The filtered households' residents as .xlsx (masked unless `full` and the role may reveal); audited."""
    data, _count = exporter.households_export(
        actor=request.user, reason=reason, unit_id=unit_id, tag=tag, q=q, full=full
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="households.xlsx"'
    return response


# ---------------------------------------------------------------- households


@router.get("/households", response=HouseholdPage)
def households_list(request, unit_id: int | None = None, tag: str = "", q: str = "", page: int = 1):
    """Households the user may see (scoped); `q` matches a resident's name, the address or the room."""
    count, rows = selectors.household_page(request.user, unit_id=unit_id, tag=tag, q=q, page=page)
    return {
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "items": [
            {"id": r.id, "address": r.address, "unit_id": r.unit_id, "size": r.size, "tags": r.tags} for r in rows
        ],
    }


@router.get("/households/{household_id}", response={200: HouseholdOut, 404: ErrorOut})
def household_detail(request, household_id: int):
    """One household with its residents; `id_number` and `phone` are always masked."""
    household = _visible_household(request.user, household_id)
    residents = selectors.residents_of(request.user, household)
    row = selectors.household_rows(request.user, [household])[0]
    return {
        "id": household.pk,
        "address": household.address,
        "unit_id": household.unit_id,
        "room": household.room,
        "size": row.size,
        "tags": row.tags,
        "residents": [
            {
                "id": r.pk,
                "name": r.name,
                "id_number": r.id_number_masked,
                "phone": r.phone_masked,
                "relation": r.relation,
                "tags": tags,
                "sex": r.sex,
                "birth_year": r.birth_date.year,
                "category": r.category,
            }
            for r, tags in residents
        ],
    }


@router.post("/residents/{resident_id}/reveal", response={200: RevealOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def resident_reveal(request, resident_id: int, payload: RevealIn):
    """The full ID number and phone for a stated reason; every reveal is in the audit log."""
    resident = selectors.resident_get(request.user, resident_id)
    return services.resident_reveal(actor=request.user, resident=resident, reason=payload.reason)


@router.get("/people/profile", response={200: ProfileOut, 404: ErrorOut})
def people_profile(request, unit_id: int | None = None):
    """Counts of residents by age band, sex, tag, occupation and education in the user's area or a unit of it."""
    return selectors.profile(request.user, unit_id)


# ---------------------------------------------------------------- pairings and visits


@router.post("/pairings", response={201: PairingOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def pairing_create(request, payload: PairingIn):
    household = _visible_household(request.user, payload.household_id)
    carer = User.objects.filter(pk=payload.carer_id).first()
    if carer is None:
        raise ValidationError({"carer_id": _("No such account.")})
    pairing = services.pairing_create(
        actor=request.user, household=household, carer=carer, every_days=payload.every_days
    )
    return Reply(201, _pairing_out(pairing))


@router.post("/visits", response={201: VisitOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def visit_create(request, payload: VisitIn):
    household = _visible_household(request.user, payload.household_id)
    visit = services.visit_create(
        actor=request.user,
        household=household,
        kind=payload.kind,
        note=payload.note,
        lat=payload.lat,
        lng=payload.lng,
        anti_fraud_app=payload.anti_fraud_app,
    )
    return Reply(
        201,
        {
            "id": visit.pk,
            "household_id": household.pk,
            "kind": visit.kind,
            "note": visit.note,
            "at": visit.at,
            "visitor_id": visit.visitor_id,
        },
    )


@router.get("/visits/overdue", response=OverdueOut)
def visits_overdue(request, page: int = 1):
    """Pairings whose visit is late, in the user's area or their own (scoped), latest-due last."""
    from django.utils import timezone

    now = timezone.now()
    qs = selectors.overdue_pairings(request.user, now)
    page = max(1, page)
    count = qs.count()
    items = [
        {
            "pairing_id": p.pk,
            "household_id": p.household_id,
            "address": p.household.address,
            "carer_id": p.carer_id,
            "carer_name": p.carer.name,
            "every_days": p.every_days,
            "due_at": p.due_at,
            "days_overdue": (now - p.due_at).days,
        }
        for p in qs[(page - 1) * selectors.PAGE_SIZE : page * selectors.PAGE_SIZE]
    ]
    return {"count": count, "items": items, "coverage": selectors.coverage(request.user, now)}


class MoveOutIn(Schema):
    note: str = ""


@router.post("/residents/{resident_id}/move-out", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def resident_move_out(request, resident_id: int, payload: MoveOutIn):
    """The person left the registry (a dated move out; the record stays for the audit)."""
    resident = selectors.resident_get(request.user, resident_id)
    resident = services.resident_move_out(actor=request.user, resident=resident, note=payload.note)
    return {"id": resident.pk, "left_at": resident.left_at.isoformat()}


@router.get("/people/stale-buildings")
def stale_buildings(request):
    """Buildings in the user's area not confirmed by their building head this month."""
    rows = selectors.stale_buildings(request.user)
    return {"count": len(rows), "items": rows}


@router.post("/buildings/{building_id}/confirm", response={200: dict, 403: ErrorOut, 404: ErrorOut})
def building_confirm(request, building_id: int):
    """The building head confirms the building's households are current this month."""
    from jinlin.core.models import OrgKind, OrgUnit

    building = OrgUnit.objects.select_related("grid").filter(pk=building_id, kind=OrgKind.BUILDING).first()
    if building is None:
        raise Http404
    return {"households": services.building_confirm(actor=request.user, building=building)}


# Disputes, police–grid linkage, 部件 and jobs.
from .api_more import router as more_router  # noqa: E402

router.add_router("", more_router)
