"""Forms of the centre's pages (dates and times in the platform's local time)."""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ActivityKind, Audience, Domain, Room


def _aware(day, at) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=60)
    domain = forms.ChoiceField(label=_("Domain"), required=False, choices=[("", _("All domains")), *Domain.choices])


class BookingForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))
    purpose = forms.CharField(label=_("What for"), max_length=200)

    def clean(self):
        data = super().clean()
        if {"day", "start", "end"} <= set(data):
            data["start_at"] = _aware(data["day"], data["start"])
            data["end_at"] = _aware(data["day"], data["end"])
        return data


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=2000, initial=20)
    audience = forms.ChoiceField(label=_("Who may join"), choices=Audience.choices)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    weekly = forms.BooleanField(label=_("Every week on this weekday"), required=False)
    weeks = forms.IntegerField(label=_("For how many weeks"), min_value=1, max_value=52, initial=8, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        if centre is not None:
            self.fields["room"].queryset = Room.objects.filter(centre=centre, is_active=True)

    def clean(self):
        data = super().clean()
        if {"day", "start", "end"} <= set(data):
            if data["end"] <= data["start"]:
                raise ValidationError({"end": _("The end must be after the start.")})
            data["start_at"] = _aware(data["day"], data["start"])
            data["end_at"] = _aware(data["day"], data["end"])
            data["until"] = data["day"] + timedelta(weeks=(data.get("weeks") or 8) - 1)
        return data


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}),
    )


class ErrandForm(forms.Form):
    note = forms.CharField(label=_("What should we know"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    home_visit = forms.BooleanField(label=_("Please come to my home (上门服务)"), required=False)
    address = forms.CharField(label=_("Address for the visit"), required=False, max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MealOrderForm(forms.Form):
    delivery = forms.BooleanField(label=_("Deliver to my home (送餐上门)"), required=False)
    address = forms.CharField(label=_("Delivery address"), required=False, max_length=200)
