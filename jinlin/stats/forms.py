"""The one parser of metrics parameters (org, from, to, group_by), shared by the dashboard, its
exports and GET /api/metrics/cases, so all three accept and refuse exactly the same input with
the same messages in the user's language."""

import copy
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import selectors

GROUP_CHOICES = [
    ("district", _("District")),
    ("street", _("Street")),
    ("community", _("Community")),
    ("grid", _("Grid")),
    ("department", _("Handling unit")),
    ("category", _("Category")),
    ("month", _("Month")),
]
# What the ranking orders by; the keys are MetricsRow properties.
RANK_CHOICES = [
    ("on_time_rate", _("On-time resolution rate")),
    ("response_rate", _("Response rate")),
    ("resolution_rate", _("Resolution rate")),
    ("satisfaction_rate", _("Satisfaction rate")),
    ("rework_rate", _("Rework rate")),
    ("repeat_rate", _("Repeat complaint rate")),
    ("intake", _("Intake")),
]
OUT_OF_SCOPE = "out_of_scope"


class PlainSelect(forms.Select):
    """forms.Select's markup without a template per option. A city administrator chooses among
    about a thousand units; Django's per-option template rendering made that a large part of
    every dashboard page (docs/performance.md §8). The options are kept as given, flat: Select
    normalises every choice when it is set and again on each copy of the form's fields (three
    times a request)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs)
        self.options_given = list(choices)

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.attrs = self.attrs.copy()
        memo[id(self)] = copied
        return copied

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if str(key) in chosen else "", label) for key, label in self.options_given),
        )
        final = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final, options)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months: the first day of the month eleven months back, to today."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def default_group_by(user) -> str:
    """One level below the widest area the user sees: a city sees its districts, a district its
    streets, a street its communities, a community its grids; a department its categories."""
    place_roots = [r for r in selectors.metric_roots(user) if r.isdigit()]
    if not place_roots:
        return "category"
    widest = min(len(r) for r in place_roots)
    if widest < selectors.CODE_LENGTH["district"]:
        return "district"
    if widest <= 6:
        return "street"
    if widest <= 9:
        return "community"
    return "grid"


class MetricsFilterForm(forms.Form):
    org = forms.CharField(label=_("Area or unit"), required=False, max_length=40)
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)
    rank_by = forms.ChoiceField(label=_("Rank by"), choices=RANK_CHOICES, required=False)

    def __init__(self, data, *, user, org_choices=None):
        # Missing values take their defaults before binding, so the page shows what it computed.
        data = data.copy() if hasattr(data, "copy") else dict(data)
        first, last = default_period()
        for name, value in (
            ("from", first.isoformat()),
            ("to", last.isoformat()),
            ("group_by", default_group_by(user)),
            ("rank_by", RANK_CHOICES[0][0]),
        ):
            if not data.get(name):
                data[name] = value
        super().__init__(data)
        self.user = user
        # `from` and `to` are the API's names and Python keywords, hence added here.
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("From"), widget=date_widget)
        self.fields["to"] = forms.DateField(label=_("To"), widget=date_widget)
        self.order_fields(["org", "from", "to", "group_by", "rank_by"])
        if org_choices is not None:
            self.fields["org"].widget = PlainSelect(
                choices=[("", _("Everything I can see"))] + [(code, f"{name} ({code})") for code, name in org_choices]
            )

    def clean_org(self):
        value = self.cleaned_data["org"].strip()
        if not value:
            return None
        unit = selectors.metric_org_get(self.user, value)
        if unit is None:
            raise ValidationError(
                _("There is no unit %(org)s within your area."), code=OUT_OF_SCOPE, params={"org": value}
            )
        return unit

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last:
            if first > last:
                self.add_error("to", _("The end of the period must not be before its start."))
            elif last - first > timedelta(days=selectors.MAX_SPAN_DAYS):
                self.add_error("to", _("A period may span at most three years."))
        return cleaned

    @property
    def out_of_scope(self) -> bool:
        return self.has_error("org", OUT_OF_SCOPE)

    def params(self) -> dict:
        """The keyword arguments of selectors.case_metrics."""
        c = self.cleaned_data
        return {"org": c["org"], "date_from": c["from"], "date_to": c["to"], "group_by": c["group_by"]}
