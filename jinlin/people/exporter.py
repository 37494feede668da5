"""Export of the households a user may see to .xlsx: masked unless the role may reveal, always audited
with the filter, the reason and the number of rows."""

import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.masking import mask_id_number, mask_phone
from jinlin.core.models import User

from . import selectors
from .importer import COLUMNS
from .models import Resident

MAX_EXPORT_ROWS = 100_000
ENTRANCE_NUMBER = re.compile(r"(\d+)单元$")


@transaction.atomic
def households_export(
    *, actor: User, reason: str, unit_id: int | None = None, tag: str = "", q: str = "", full: bool = False
) -> tuple[bytes, int]:
    """The residents of the visible households matching the filter, one row each, in the import layout."""
    policy.require(actor, "people.export")
    text = (reason or "").strip()
    if len(text) < 2:
        raise ValidationError({"reason": _("Say why you export the registry (at least 2 characters).")})
    if full:
        policy.require(actor, "people.export.reveal")
    unit = selectors.visible_unit(actor, unit_id)
    households = selectors.household_queryset(actor, unit=unit, tag=tag, q=q)
    restricted_ok = selectors.sees_restricted(actor)
    residents = (
        Resident.objects.filter(household__in=households.values("pk"), left_at=None)
        .select_related("household", "household__unit", "household__unit__parent")
        .prefetch_related("tags")
        .order_by("unit_code", "household__room", "id")
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("住户")
    ws.append(COLUMNS)
    count = 0
    for r in residents.iterator(chunk_size=2000):
        count += 1
        if count > MAX_EXPORT_ROWS:
            raise ValidationError(_("At most %(n)d rows per export: narrow the filter.") % {"n": MAX_EXPORT_ROWS})
        unit = r.household.unit
        if unit.kind == "entrance":
            match = ENTRANCE_NUMBER.search(unit.name)
            building, entrance = unit.parent.code, match.group(1) if match else unit.name
        else:
            building, entrance = unit.code, ""
        tags = [t.tag for t in r.tags.all() if not t.restricted or restricted_ok]
        ws.append(
            [
                building,
                entrance,
                r.household.room,
                r.name,
                r.id_number if full else mask_id_number(r.id_number),
                (r.phone if full else mask_phone(r.phone)) or "",
                r.relation,
                r.category,
                ",".join(tags),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    audit_record(
        actor=actor,
        action="people.export",
        object_type="people.household",
        object_repr=_("Export of %(n)d residents") % {"n": count},
        after={
            "reason": text,
            "filter": {"unit_id": unit_id, "tag": tag, "q": q},
            "rows": count,
            "full": full,
        },
    )
    return out.getvalue(), count
