"""Pages of the staff work console (工作台): the filtered list and its CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jinlin.core.audit import audit_record
from jinlin.core.http import AuthedRequest
from jinlin.core.masking import mask_text
from jinlin.core.selectors import COUNT_CAP, capped_count

from . import console, selectors
from .models import Case
from .views import _require, _with_lights, late_words


@dataclass
class NumberedPage:
    object_list: list
    number: int
    count: int
    count_capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _numbered_page(request: AuthedRequest, qs: QuerySet[Case], size: int) -> NumberedPage:
    try:
        number = max(1, min(int(request.GET.get("page") or 1), COUNT_CAP))
    except ValueError:
        number = 1
    rows = list(qs[(number - 1) * size : number * size + 1])
    count = capped_count(qs)
    return NumberedPage(rows[:size], number, min(count, COUNT_CAP), count > COUNT_CAP, len(rows) > size)


@require_safe
@login_required
def console_page(request: AuthedRequest) -> HttpResponse:
    _require(request.user, *console.CONSOLE_ROLES)
    form = console.ConsoleForm(request.GET or None, user=request.user)
    filters = console.Filters.of(form)
    page = _numbered_page(request, console.console_cases(request.user, filters), console.PAGE_SIZE)
    now = timezone.now()
    _with_lights(page.object_list)
    for case in page.object_list:
        waited = console.waiting_since(case, now)
        case.waited_days = waited.days
        case.waited_hours = waited.seconds // 3600
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "unpublished": console.unpublished_count(request.user),
        "cap": COUNT_CAP,
        "sorts": _sort_links(filters.sort),
    }
    return render(request, "cases/console.html", context)


def _sort_links(current: str) -> dict[str, str]:
    """For each sortable column, the sort a click on its heading asks for (the reverse when it is on)."""
    out = {}
    for key in ("due", "created", "number"):
        out[key] = f"-{key}" if current == key else key
    out["late"] = "late"
    return out


@require_safe
@login_required
def console_export(request: AuthedRequest) -> StreamingHttpResponse:
    """The filtered list as CSV: personal data masked by the platform's one masker, the export
    itself audited with its filters and row count (PIPL Art. 55: records of processing)."""
    _require(request.user, *console.CONSOLE_ROLES)
    form = console.ConsoleForm(request.GET or None, user=request.user)
    filters = console.Filters.of(form)
    rows = list(console.console_cases(request.user, filters)[: console.EXPORT_CAP])
    audit_record(
        actor=request.user,
        action="cases.export",
        object_type="cases.case",
        object_repr=_("Console export of %(count)d cases") % {"count": len(rows)},
        after={"filters": filters.as_audit(), "rows": len(rows)},
    )
    now = timezone.now()
    header = [
        _("Number"),
        _("Title"),
        _("Status"),
        _("Category"),
        _("Channel"),
        _("Place"),
        _("Owner"),
        _("Filed at"),
        _("Time limit"),
        _("Overdue"),
    ]

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so Excel opens the Chinese text as UTF-8
        buffer = _Echo()
        writer = csv.writer(buffer)
        yield writer.writerow(header)
        for case in rows:
            owner = case.owner_user.name if case.owner_user else (case.owner_unit.name if case.owner_unit else "")
            yield writer.writerow(
                [
                    case.number,
                    mask_text(case.title),
                    case.get_status_display(),
                    case.category.name if case.category else "",
                    case.get_channel_display(),
                    selectors.mask_address(case.place_label),
                    owner,
                    timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                    late_words(selectors.overdue_by(case, now)),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    return response


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer's output."""

    def write(self, value: str) -> str:
        return value
