"""The staff work console (工作台): search and filters over every case a member of staff may see,
as cards or as a sortable table, and an export of what the filters kept.

The filters are a GET form, so a filtered list is a link staff can bookmark or send to a colleague;
the visibility rule of `selectors.case_list` applies underneath whatever they choose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import area_codes, prefix_q
from jinlin.core.selectors import capped_count

from . import rules, selectors
from .machine import OPEN, Status
from .models import Case, Category, Channel

# Who gets the console: staff at a desk and the handlers who look cases up.
CONSOLE_ROLES = (
    *rules.HANDLER_ROLES,
    Role.DISPATCHER,
    Role.DISCIPLINE_SUPERVISOR,
    Role.PLATFORM_ADMIN,
)
PAGE_SIZE = 25
EXPORT_CAP = 10_000
# A select of places lists streets and communities; a city's thousands of grids would drown it.
PLACE_KINDS = (OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY)
PLACE_OPTIONS_CAP = 400

# sort key in the URL → the ordering (the id breaks ties so pages never repeat a row).
SORTS: dict[str, tuple[str, ...]] = {
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "number": ("number",),
    "-number": ("-number",),
    "late": ("overdue_since", "pk"),
}


class ConsoleForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Case number, words of the text, reporter's phone, address")}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices])
    place = forms.ChoiceField(label=_("Place"), required=False)
    owner = forms.CharField(label=_("Owner"), required=False, max_length=60)
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[("", _("Overdue or not")), ("yes", _("Overdue only")), ("no", _("Not overdue"))],
    )
    since = forms.DateField(label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Filed until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unpublished = forms.BooleanField(label=_("Closed, not yet published"), required=False)
    view = forms.ChoiceField(required=False, choices=[("cards", _("Cards")), ("table", _("Table"))])
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, data: object, *, user: User) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        statuses = [("", _("Any status")), ("open", _("Open (not yet closed)")), *Status.choices]
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]
        top = Category.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "code")
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("Any category")),
            *top.values_list("code", "name"),
        ]
        self.fields["place"].choices = [("", _("Anywhere I may see")), *place_options(user)]  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return data


def place_options(user: User) -> list[tuple[str, str]]:
    """Districts, streets and communities inside the user's reach, for the place filter."""
    areas = area_codes(user)
    units = (
        OrgUnit.objects.filter(prefix_q("code", areas), kind__in=PLACE_KINDS)
        .order_by("code")
        .values_list("code", "name", "kind")[:PLACE_OPTIONS_CAP]
    )
    indent: dict[str, str] = {OrgKind.DISTRICT: "", OrgKind.STREET: "· ", OrgKind.COMMUNITY: "·· "}
    return [(code, f"{indent.get(kind, '')}{name}") for code, name, kind in units]


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    category: str = ""
    channel: str = ""
    place: str = ""
    owner: str = ""
    overdue: str = ""
    since: object = None
    until: object = None
    unpublished: bool = False
    view: str = "cards"
    sort: str = "due"

    @classmethod
    def of(cls, form: ConsoleForm) -> Filters:
        data = form.cleaned_data if form.is_valid() else {}
        kept: dict[str, Any] = {
            name: data.get(name) for name in cls.__dataclass_fields__ if data.get(name) not in (None, "")
        }
        return cls(**kept)

    def as_audit(self) -> dict:
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.__dict__.items() if v}


def console_cases(user: User, f: Filters) -> QuerySet[Case]:
    """The console's list: `selectors.case_list` (scope, search, status, place, category,
    overdue) with the console's own filters and ordering on top."""
    place = OrgUnit.objects.filter(code=f.place).first() if f.place else None
    status = ",".join(s.value for s in OPEN) if f.status == "open" else f.status
    overdue = {"yes": True, "no": False}.get(f.overdue)
    qs = selectors.case_list(user, status=status, org=place, category=f.category, overdue=overdue, q=f.q)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.owner:
        qs = qs.filter(Q(owner_unit__name__icontains=f.owner) | Q(owner_user__name__icontains=f.owner))
    zone = timezone.get_current_timezone()
    if f.since:
        qs = qs.filter(created_at__gte=datetime.combine(f.since, time.min, zone))  # type: ignore[arg-type]
    if f.until:
        end = datetime.combine(f.until, time.min, zone) + timedelta(days=1)  # type: ignore[arg-type]
        qs = qs.filter(created_at__lt=end)
    if f.unpublished:
        qs = qs.filter(status=Status.CLOSED, published_at__isnull=True, merged_into__isnull=True)
    return qs.order_by(*SORTS.get(f.sort, SORTS["due"]))


def unpublished_count(user: User) -> int:
    """How many closed cases in the user's reach wait to be published (晒单), capped."""
    return capped_count(console_cases(user, Filters(unpublished=True)))


def waiting_since(case: Case, now: datetime) -> timedelta:
    """How long an open case has waited since it was filed (for a closed one: how long it took)."""
    return (case.closed_at or now) - case.created_at
