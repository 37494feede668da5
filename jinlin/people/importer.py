"""Excel (.xlsx) and .csv import of households and residents (PEOPLE-3), all or nothing.

The file is checked whole before anything is written: every error comes back with its row (as the
spreadsheet numbers it: the header is row 1; row 0 is the file itself) and its column. A valid file
is written in one transaction with bulk inserts and updates, so 10,000 rows take seconds.
Messages never repeat a full ID number or phone.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.masking import mask_id_number
from jinlin.core.models import OrgKind, OrgUnit, User
from jinlin.core.phones import normalize_mobile

from . import bulk
from .idcard import ValidationError as IdNumberError
from .idcard import check_id_number
from .models import (
    ALL_TAGS,
    RESTRICTED_TAGS,
    Category,
    Household,
    Movement,
    MovementKind,
    Relation,
    Resident,
    ResidentTag,
    id_digest,
    phone_digest,
)

COLUMNS = ["楼栋编码", "单元", "房号", "姓名", "身份证号", "手机号", "与户主关系", "人员类别", "标签"]
REQUIRED = ["楼栋编码", "房号", "姓名", "身份证号", "与户主关系", "人员类别"]
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 500
BATCH = 1000
TAG_SPLIT = re.compile(r"[,，、;；\s]+")


class ImportRejected(Exception):
    """The file has errors; nothing was written."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def err(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


# ---------------------------------------------------------------- template


def template_bytes() -> bytes:
    # openpyxl (and the numpy it loads when present) only when a workbook is made or read: web
    # workers start without the numerical libraries (triage/tests/test_startup.py).
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "住户"
    ws.append(COLUMNS)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE9D9")
    for cell in ws[1]:
        cell.font = bold
        if cell.value in REQUIRED:
            cell.fill = fill
    widths = [22, 6, 8, 10, 22, 14, 10, 10, 20]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    notes = wb.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    explain = {
        "楼栋编码": "楼栋的组织编码（如 350102001001E01B01），须为本辖区已登记的楼栋",
        "单元": "单元号，如 1 或 1单元；楼栋下没有单元时留空",
        "房号": "如 301",
        "姓名": "",
        "身份证号": "18 位居民身份证号，校验码须正确（GB 11643）；出生日期与性别由此推出",
        "手机号": "11 位大陆手机号，可留空",
        "与户主关系": "、".join(Relation.values),
        "人员类别": "、".join(Category.values),
        "标签": "重点人群标签，逗号分隔：" + "、".join(t for t in ALL_TAGS if t not in RESTRICTED_TAGS),
    }
    for name in COLUMNS:
        notes.append([name, "是" if name in REQUIRED else "否", explain[name]])
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def read_rows(upload) -> list[tuple[int, dict[str, str]]]:
    """The data rows of an uploaded .xlsx or .csv as (row number, {column: text}); header checked."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportRejected([err(0, "file", _("The file is larger than 20 MB. Split it into smaller files."))])
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    if name.endswith(".csv"):
        rows = _read_csv(upload.read())
    elif name.endswith(".xlsx"):
        rows = _read_xlsx(upload)
    else:
        raise ImportRejected([err(0, "file", _("Upload an .xlsx or .csv file (from the template)."))])
    if not rows:
        raise ImportRejected([err(1, "", _("The file is empty: the header row is missing."))])
    header = [_cell(v) for v in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportRejected(
            [err(1, c, _("The column “%(column)s” is missing from the header row.") % {"column": c}) for c in missing]
        )
    index = {c: header.index(c) for c in COLUMNS}
    out = []
    for number, values in enumerate(rows[1:], start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        out.append((number, {c: cells[i] if i < len(cells) else "" for c, i in index.items()}))
        if len(out) > MAX_ROWS:
            raise ImportRejected([err(number, "", _("At most %(n)d rows per file. Split the file.") % {"n": MAX_ROWS})])
    if not out:
        raise ImportRejected([err(2, "", _("The file has no data rows."))])
    return out


def _read_xlsx(upload) -> list[tuple]:
    not_xlsx = _("The file is not a valid .xlsx workbook (an .xlsx is a zip archive). Save it again from Excel.")
    if not zipfile.is_zipfile(upload):
        raise ImportRejected([err(0, "file", not_xlsx)])
    upload.seek(0)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise ImportRejected([err(0, "file", not_xlsx)]) from exc
    return rows


def _read_csv(data: bytes) -> list[tuple]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([err(0, "file", _("The .csv file is neither UTF-8 nor GBK text."))])
    return [tuple(r) for r in csv.reader(io.StringIO(text))]


# ---------------------------------------------------------------- validating


@dataclass
class RowPlan:
    row: int
    unit: OrgUnit
    room: str
    name: str
    id_number: str
    phone: str
    relation: str
    category: str
    tags: list[str]
    birth_date: date
    sex: str
    digest: str = ""
    existing: Resident | None = None


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _units_for(codes: set[str]) -> dict[str, OrgUnit]:
    units = {
        u.code: u
        for u in OrgUnit.objects.select_related("grid").filter(
            code__in=codes, kind__in=[OrgKind.BUILDING, OrgKind.ENTRANCE], is_active=True
        )
    }
    return units


def _entrances(buildings: list[OrgUnit]) -> dict[int, list[OrgUnit]]:
    found: dict[int, list[OrgUnit]] = {}
    for e in OrgUnit.objects.select_related("grid").filter(parent__in=buildings, kind=OrgKind.ENTRANCE, is_active=True):
        if e.parent_id is not None:
            found.setdefault(e.parent_id, []).append(e)
    return found


def _entrance(building: OrgUnit, entrances: list[OrgUnit], text: str) -> OrgUnit | None:
    number = text.removesuffix("单元").strip()
    if not number.isdigit():
        return None
    n = int(number)
    for e in entrances:
        if e.code.endswith(f"U{n:02d}") or e.name.endswith(f"{n}单元"):
            return e
    return None


def validate(actor: User, rows: list[tuple[int, dict[str, str]]]) -> Plan:
    plan = Plan()
    errors = plan.errors
    units = _units_for({r["楼栋编码"] for _n, r in rows if r["楼栋编码"]})
    entrances = _entrances([u for u in units.values() if u.kind == OrgKind.BUILDING])
    may_restricted = policy.allows(actor, "people.tag.restricted")
    allowed_units: dict[int, bool] = {}
    seen_ids: dict[str, int] = {}
    for number, r in rows:
        before = len(errors)
        for column in REQUIRED:
            if not r[column]:
                errors.append(err(number, column, _("“%(column)s” is required.") % {"column": column}))
        unit = units.get(r["楼栋编码"]) if r["楼栋编码"] else None
        if r["楼栋编码"] and unit is None:
            errors.append(
                err(
                    number,
                    "楼栋编码",
                    _("No building with the code %(code)s is registered.") % {"code": r["楼栋编码"][:40]},
                )
            )
        elif unit is not None:
            if unit.pk not in allowed_units:
                allowed_units[unit.pk] = policy.allows(actor, "people.import.unit", unit)
            if not allowed_units[unit.pk]:
                errors.append(
                    err(number, "楼栋编码", _("The building %(code)s is not in your area.") % {"code": unit.code})
                )
            elif r["单元"] and unit.kind == OrgKind.BUILDING:
                entrance = _entrance(unit, entrances.get(unit.pk, []), r["单元"])
                if entrance is None:
                    errors.append(
                        err(
                            number,
                            "单元",
                            _("Building %(code)s has no entrance “%(unit)s”.")
                            % {"code": unit.code, "unit": r["单元"][:10]},
                        )
                    )
                else:
                    unit = entrance
        if len(r["房号"]) > 40:
            errors.append(err(number, "房号", _("The room may be at most 40 characters.")))
        if len(r["姓名"]) > 60:
            errors.append(err(number, "姓名", _("The name may be at most 60 characters.")))
        id_number = r["身份证号"].upper().replace(" ", "")
        birth, sex = None, ""
        if id_number:
            try:
                id_number, birth, sex = check_id_number(id_number)
            except (IdNumberError, ValueError):
                errors.append(
                    err(
                        number,
                        "身份证号",
                        _("ID number %(masked)s is not valid (18 characters, real birth date, check digit).")
                        % {"masked": mask_id_number(id_number)},
                    )
                )
            else:
                if id_number in seen_ids:
                    errors.append(
                        err(
                            number,
                            "身份证号",
                            _("The same ID number is already on row %(row)d of this file.")
                            % {"row": seen_ids[id_number]},
                        )
                    )
                else:
                    seen_ids[id_number] = number
        phone = ""
        if r["手机号"]:
            try:
                phone = normalize_mobile(r["手机号"])
            except Exception:
                errors.append(
                    err(number, "手机号", _("Not a valid mainland mobile number (11 digits starting with 1)."))
                )
        if r["与户主关系"] and r["与户主关系"] not in Relation.values:
            errors.append(
                err(number, "与户主关系", _("Use one of: %(values)s.") % {"values": "、".join(Relation.values)})
            )
        if r["人员类别"] and r["人员类别"] not in Category.values:
            errors.append(
                err(number, "人员类别", _("Use one of: %(values)s.") % {"values": "、".join(Category.values)})
            )
        tags = [t for t in TAG_SPLIT.split(r["标签"]) if t]
        for t in tags:
            if t not in ALL_TAGS:
                errors.append(err(number, "标签", _("Unknown tag “%(tag)s”.") % {"tag": t[:12]}))
            elif t in RESTRICTED_TAGS and not may_restricted:
                errors.append(err(number, "标签", _("You may not set the restricted tag “%(tag)s”.") % {"tag": t}))
        if len(errors) >= MAX_ERRORS:
            errors.append(err(number, "", _("Too many errors; the rest of the file was not checked.")))
            break
        if len(errors) == before and unit is not None and birth is not None:
            plan.rows.append(
                RowPlan(
                    number,
                    unit,
                    r["房号"],
                    r["姓名"],
                    id_number,
                    phone,
                    r["与户主关系"],
                    r["人员类别"],
                    list(dict.fromkeys(tags)),
                    birth,
                    sex,
                    id_digest(id_number),
                )  # fmt: skip
            )
    if errors:
        return plan
    # Against the registry: a known ID number updates that person, if they are in the actor's area.
    by_digest = {p.digest: p for p in plan.rows}
    digests = list(by_digest)
    for i in range(0, len(digests), BATCH):
        for resident in Resident.objects.filter(id_digest__in=digests[i : i + BATCH]):
            p = by_digest[resident.id_digest]
            if not policy.allows(actor, "people.import", resident):
                errors.append(
                    err(
                        p.row,
                        "身份证号",
                        _("This person is registered in an area outside yours; ask that community to move them."),
                    )
                )
            else:
                p.existing = resident
    return plan


# ---------------------------------------------------------------- writing


def _scope(unit: OrgUnit) -> str:
    if unit.grid_id:
        return unit.grid.code
    return unit.code[:12]


def _households(plan: Plan, now: datetime) -> tuple[dict[tuple[int, str], Household], int]:
    """One household per (unit, room) of the file, reused when already registered, else created;
    and how many were created."""
    keys = {(p.unit.pk, p.room) for p in plan.rows}
    households: dict[tuple[int, str], Household] = {}
    by_unit: dict[int, list[str]] = {}
    for unit_id, room in keys:
        by_unit.setdefault(unit_id, []).append(room)
    # The rooms of the file only (not every household of its buildings), a unit at a time.
    for unit_id, rooms in sorted(by_unit.items()):
        for i in range(0, len(rooms), BATCH):
            for h in Household.objects.filter(unit_id=unit_id, room__in=rooms[i : i + BATCH]):
                households[(h.unit_id, h.room)] = h
    units = {p.unit.pk: p.unit for p in plan.rows}
    new = [
        Household(
            unit=units[uid],
            room=room,
            address=f"{units[uid].address or units[uid].name}{room}室",
            scope_code=_scope(units[uid]),
            unit_code=units[uid].code,
            created_at=now,
        )
        for uid, room in sorted(keys - set(households))
    ]
    if bulk.fast():
        bulk.allocate_ids(Household, new)
        bulk.copy_rows(Household, new)
    else:
        Household.objects.bulk_create(new, batch_size=BATCH)
    for h in new:
        households[(h.unit_id, h.room)] = h
    return households, len(new)


def write(actor: User, plan: Plan, now: datetime | None = None) -> dict:
    """Write a validated plan in one transaction: all of it or, on any error, nothing.

    The new residents are built, their ID numbers and phones encrypted and digested before the
    transaction opens; inside it, on PostgreSQL, households, residents and moves are written with
    COPY (people.bulk), elsewhere with bulk inserts.
    """
    now = now or timezone.now()
    fast = bulk.fast()
    may_restricted = policy.allows(actor, "people.tag.restricted")
    pairs: list[tuple[RowPlan, Resident]] = []
    for p in plan.rows:
        r = p.existing if p.existing is not None else Resident(id_digest=p.digest, created_at=now)
        r.name = p.name
        r.id_number = p.id_number
        r.phone = p.phone
        r.phone_digest = phone_digest(p.phone) if p.phone else ""
        r.birth_date = p.birth_date
        r.sex = p.sex
        r.relation = p.relation
        r.category = p.category
        r.left_at = None
        r.updated_at = now
        pairs.append((p, r))
    created = [r for p, r in pairs if p.existing is None]
    updated = [r for p, r in pairs if p.existing is not None]
    ready = {a: bulk.encrypted(created, a) for a in ("id_number", "phone")} if fast and created else {}
    with transaction.atomic():
        households, households_created = _households(plan, now)
        moved: list[tuple[Resident, int | None, Household]] = []  # (resident, moved out of, moved into)
        for p, r in pairs:
            h = households[(p.unit.pk, p.room)]
            if r.pk is None:
                moved.append((r, None, h))
            elif r.household_id != h.pk:
                moved.append((r, r.household_id, h))
            r.household = h
            r.scope_code = h.scope_code
            r.unit_code = h.unit_code
        if fast:
            bulk.allocate_ids(Resident, created)
            bulk.copy_rows(Resident, created, ready)
        else:
            Resident.objects.bulk_create(created, batch_size=BATCH)
        fields = [
            "household", "name", "id_number", "phone", "phone_digest", "birth_date", "sex", "relation", "category",
            "scope_code", "unit_code", "left_at", "updated_at",
        ]  # fmt: skip
        Resident.objects.bulk_update(updated, fields, batch_size=BATCH)
        moves: list[Movement] = []
        for r, left, h in moved:
            if left is not None:
                moves.append(
                    Movement(resident_id=r.pk, household_id=left, kind=MovementKind.OUT, at=now, note="import")
                )
            moves.append(Movement(resident_id=r.pk, household_id=h.pk, kind=MovementKind.IN, at=now, note="import"))
        if fast:
            bulk.copy_rows(Movement, moves)
        else:
            Movement.objects.bulk_create(moves, batch_size=BATCH)
        # Tags: the file states each person's tags; restricted tags are kept unless the importer may set them.
        resident_ids = [r.pk for r in updated]
        for i in range(0, len(resident_ids), BATCH):
            old = ResidentTag.objects.filter(resident_id__in=resident_ids[i : i + BATCH])
            if not may_restricted:
                old = old.filter(restricted=False)
            old.delete()
        tags = [
            ResidentTag(resident_id=r.pk, tag=t, restricted=t in RESTRICTED_TAGS, created_at=now)
            for p, r in pairs
            for t in p.tags
        ]
        ResidentTag.objects.bulk_create(tags, batch_size=BATCH, ignore_conflicts=True)
        result = {"created": len(created), "updated": len(updated)}
        audit_record(
            actor=actor,
            action="people.import",
            object_type="people.household",
            object_repr=_("Import of %(n)d rows") % {"n": len(plan.rows)},
            after={**result, "households_created": households_created, "rows": len(plan.rows)},
        )
    if fast:
        _analyze_if_grown(len(created), households_created)
    return result


def _analyze_if_grown(residents: int, households: int) -> None:
    """PostgreSQL: refresh the planner's statistics at once when an import grew the registry by a
    tenth or more (a first import into an empty registry above all); autovacuum would come later,
    and until then the household list would be planned for the registry as it was."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('people_resident', 'people_household')"
        )
        size = dict(cursor.fetchall())
        for table, added in (("people_resident", residents), ("people_household", households)):
            if added and added * 10 >= max(size.get(table, 0), 0):
                cursor.execute(f"ANALYZE {table}")


def import_file(*, actor: User, upload) -> dict:
    """Check the whole file, then write it in one transaction; ImportRejected lists every error."""
    policy.require(actor, "people.import")
    rows = read_rows(upload)
    plan = validate(actor, rows)
    if plan.errors:
        raise ImportRejected(plan.errors)
    return write(actor, plan)
