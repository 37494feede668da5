"""The registry in `jinlin bench`: the household list (scoped, filtered, searched), a household's
detail, and a 10,000-row Excel import, over a registry filled by `jinlin people_seed`.

`seed_registry(count)` writes `count` residents in households spread over every building and
entrance, encryption and digests included: on PostgreSQL with COPY in batches of 50,000 (ids taken
from the tables' sequences first), elsewhere with bulk inserts. The import is measured in-process
(parsing, validation, one transaction).
"""

import io
import random
import time
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from jinlin.core.audit import audit_record
from jinlin.core.models import AuditEntry, OrgKind, OrgUnit, Role, RoleAssignment, User

from . import bulk
from .idcard import make_id_number
from .importer import COLUMNS, ImportRejected, import_file
from .models import KEY_TAGS, Category, Household, Relation, Resident, ResidentTag, id_digest, phone_digest

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红建文辉力志鹏斌宇浩凯慧琳婷雪梅晨晓欣怡佳嘉俊"
BATCH = 5000
COPY_BATCH = 50_000  # PostgreSQL: rows per COPY (one transaction each)
FAMILY = [Relation.SPOUSE, Relation.CHILD, Relation.PARENT]


REFERENCE = date(2026, 1, 1)  # fixed, so numbers of runs on different days never collide
DAYS = 95 * 365  # birth dates over 95 years; 34,675 days × 1,000 sequence numbers = 34 M people


def _number(serial: int) -> tuple[str, date]:
    """A distinct ID number per serial: (day, sequence) is a bijection of the serial, days permuted by a
    prime so ages spread evenly. Area 350103: apart from the demo's 350102 numbers."""
    day = (serial // 1000) * 7919 % DAYS
    birth = REFERENCE - timedelta(days=365 + day)
    return make_id_number("350103", birth, serial % 1000), birth


def _units() -> list[OrgUnit]:
    """Entrances, and buildings without entrances: where households live."""
    entrances = list(OrgUnit.objects.filter(kind=OrgKind.ENTRANCE, is_active=True).select_related("grid"))
    with_entrances = {e.parent_id for e in entrances}
    buildings = OrgUnit.objects.filter(kind=OrgKind.BUILDING, is_active=True).exclude(pk__in=with_entrances)
    return entrances + list(buildings.select_related("grid"))


def seed_registry(count: int, *, seed: int = 16, stdout=None) -> dict:
    """Add `count` residents (about 2.6 a household) spread over every building; returns counts and seconds."""
    started = time.monotonic()
    rng = random.Random(seed)
    units = _units()
    if not units:
        return {"residents": 0, "households": 0, "seconds": 0.0}
    now = timezone.now()
    fast = bulk.fast()
    batch = COPY_BATCH if fast else BATCH
    made = households_made = 0
    # Continue after the bench residents of earlier runs (their numbers are 350103…), as the audit log counts them.
    serial = sum(e.after.get("residents", 0) for e in AuditEntry.objects.filter(action="seed.people_registry"))
    while made < count:
        with transaction.atomic():
            households, members = [], []
            while made + len(members) < count and len(members) < batch:
                unit = units[serial % len(units)]
                room = f"{rng.randint(1, 30)}{rng.randint(1, 6):02d}-{serial}"  # unique: serial only grows
                households.append(
                    Household(
                        unit=unit,
                        room=room,
                        address=f"{unit.address or unit.name}{room}室",
                        scope_code=unit.grid.code if unit.grid_id else unit.code[:12],
                        unit_code=unit.code,
                        created_at=now,
                    )  # fmt: skip
                )
                for k in range(min(rng.choice((1, 2, 2, 3, 3, 4)), count - made - len(members))):
                    number, birth = _number(serial)
                    serial += 1
                    phone = f"15{serial:09d}" if k == 0 and rng.random() < 0.6 else ""
                    members.append(
                        (len(households) - 1, Resident(
                            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), id_number=number,
                            id_digest=id_digest(number), phone=phone, phone_digest=phone_digest(phone) if phone else "",
                            birth_date=birth, sex="M" if int(number[16]) % 2 else "F",
                            relation=Relation.HEAD if k == 0 else rng.choice(FAMILY),
                            category=rng.choice(Category.values), created_at=now, updated_at=now,
                        ))
                    )  # fmt: skip
            if fast:
                bulk.allocate_ids(Household, households)
            else:
                Household.objects.bulk_create(households, batch_size=1000)
            for index, r in members:
                h = households[index]
                r.household, r.scope_code, r.unit_code = h, h.scope_code, h.unit_code
            residents = [r for _i, r in members]
            if fast:
                bulk.allocate_ids(Resident, residents)
            else:
                Resident.objects.bulk_create(residents, batch_size=1000)
            tags = [
                ResidentTag(resident=r, tag=rng.choice(KEY_TAGS), created_at=now)
                for r in residents
                if rng.random() < 0.08
            ]
            if fast:
                bulk.copy_rows(Household, households)
                bulk.copy_rows(Resident, residents)
                bulk.copy_rows(ResidentTag, tags)
            else:
                ResidentTag.objects.bulk_create(tags, batch_size=1000, ignore_conflicts=True)
            made += len(residents)
            households_made += len(households)
        if stdout is not None and (fast or households_made % 50_000 < len(households)):
            stdout.write(
                f"  {made:,} residents in {households_made:,} households, {time.monotonic() - started:.0f} s …"
            )
    out = {"residents": made, "households": households_made, "seconds": round(time.monotonic() - started, 1)}
    audit_record(actor=None, action="seed.people_registry", object_type="people.household", after=out)
    return out


def import_workbook(building: OrgUnit, rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(COLUMNS)
    base = date(1950, 1, 1)
    for i in range(rows):
        # Distinct within the file: 1,000 sequence numbers a day; the seed moves the days between runs.
        birth = base + timedelta(days=(seed % 2000) * 10 + i // 1000)
        number = make_id_number("350104", birth, i % 1000)
        ws.append(
            [building.code, "", f"B{seed}-{i}", f"导入{i}", number, f"13{rng.randrange(10**9):09d}", "户主", "常住", ""]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name, self.size = name, len(data)


def measure_import(rows: int = 10_000) -> dict:
    """Import `rows` new residents into one building as its community's staff; seconds, in-process."""
    staff = (
        RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, org__kind=OrgKind.COMMUNITY)
        .select_related("org", "user")
        .first()
    )
    if staff is None:
        return {"skipped": "no community staff"}
    building = OrgUnit.objects.filter(kind=OrgKind.BUILDING, code__startswith=staff.org.code).order_by("code").first()
    if building is None:
        return {"skipped": "no building in the staff member's community"}
    for attempt in range(5):
        data = import_workbook(building, rows, seed=int(time.time()) + attempt)
        started = time.monotonic()
        try:
            result = import_file(actor=User.objects.get(pk=staff.user_id), upload=_Upload(data, "bench.xlsx"))
        except ImportRejected as exc:  # a generated ID number already registered: try other numbers
            if attempt == 4:
                return {"skipped": f"import rejected: {exc.errors[:1]}"}
            continue
        seconds = time.monotonic() - started
        return {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "file_bytes": len(data),
            "registry_residents_before": Resident.objects.count() - result.get("created", 0),
            **result,
        }
    return {"skipped": "no attempt"}


def people_reads(measure, result: dict, worker: tuple[User, OrgUnit], worker_token: str, stderr=None) -> None:
    """The household list and detail as the busiest grid worker, then the import (called by the bench run)."""
    total = Resident.objects.count()
    result.setdefault("data", {})["registry_residents"] = total
    if not total:
        result["skipped"]["people"] = "the registry is empty: run `jinlin people_seed --count N` before the bench"
        return
    headers = {"Authorization": f"Bearer {worker_token}"}
    measure("households_grid_worker", [("GET", "/api/households", None, headers)])
    measure("households_search", [("GET", "/api/households?q=%E7%8E%8B", None, headers)])
    measure("households_tag", [("GET", "/api/households?tag=%E7%8B%AC%E5%B1%85", None, headers)])
    measure("households_page_50", [("GET", "/api/households?page=50", None, headers)])  # a deep page (OFFSET)
    measure("households_tag_search", [("GET", "/api/households?tag=%E9%AB%98%E9%BE%84&q=%E6%9D%8E", None, headers)])
    ids = list(
        Household.objects.filter(scope_code__startswith=worker[1].code)
        .order_by("-pk")
        .values_list("pk", flat=True)[:40]
    )
    if ids:
        measure("household_detail", [("GET", f"/api/households/{pk}", None, headers) for pk in ids])
    if stderr is not None:
        stderr.write("  people_import: 10,000 rows in-process …\n")
    result["people_import"] = measure_import()
