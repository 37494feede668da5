from django import forms
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgKind, OrgUnit

from .kinds import KINDS


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class SignupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=60)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
    )
    estate = forms.ModelChoiceField(label=_("Estate (小区)"), queryset=OrgUnit.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building (楼栋)"), queryset=OrgUnit.objects.none(), required=False)
    entrance = forms.ModelChoiceField(label=_("Entrance (单元)"), queryset=OrgUnit.objects.none(), required=False)
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my phone number, name and home "
            "are used to handle my requests."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        home_fields(self)

    def home(self) -> OrgUnit | None:
        d = self.cleaned_data
        return d.get("entrance") or d.get("building") or d.get("estate")


def home_fields(form: forms.Form) -> None:
    """Estate → building → entrance: each list holds the children of the choice above it."""
    data = form.data
    form.fields["estate"].queryset = OrgUnit.objects.filter(kind=OrgKind.ESTATE, is_active=True).order_by("name")
    estate = data.get("estate") or None
    building = data.get("building") or None
    form.fields["building"].queryset = OrgUnit.objects.filter(
        kind=OrgKind.BUILDING, parent_id=estate if estate and estate.isdigit() else -1
    ).order_by("code")
    form.fields["entrance"].queryset = OrgUnit.objects.filter(
        kind=OrgKind.ENTRANCE, parent_id=building if building and building.isdigit() else -1
    ).order_by("code")


class HomeForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate (小区)"), queryset=OrgUnit.objects.none())
    building = forms.ModelChoiceField(label=_("Building (楼栋)"), queryset=OrgUnit.objects.none(), required=False)
    entrance = forms.ModelChoiceField(label=_("Entrance (单元)"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        home_fields(self)

    def home(self) -> OrgUnit | None:
        d = self.cleaned_data
        return d.get("entrance") or d.get("building") or d.get("estate")


class ResetForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"), max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class PreferencesForm(forms.Form):
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)

    def __init__(self, *args, kinds: list[str] | None = None, chosen: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_rows = []
        for kind in kinds or list(KINDS):
            for channel in ("sms", "email"):
                name = f"{kind}__{channel}"
                self.fields[name] = forms.BooleanField(required=False, initial=channel in (chosen or {}).get(kind, []))
            self.kind_rows.append((kind, KINDS[kind], self[f"{kind}__sms"], self[f"{kind}__email"]))

    def channels(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for kind, _label, _sms, _email in self.kind_rows:
            out[kind] = [c for c in ("sms", "email") if self.cleaned_data.get(f"{kind}__{c}")]
        return out


class BroadcastForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Send to"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"
