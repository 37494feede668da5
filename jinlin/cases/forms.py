"""Forms of the case pages. They only shape the input; every rule (lengths, permissions, image
checks, states) is the services' job, and their ValidationErrors are put back on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import STAFF_CHANNELS, Channel, Rating
from .services import MAX_PHOTOS_PER_KIND


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine photos in one <input type=file multiple>; the service checks each by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS_PER_KIND:
            raise ValidationError(_("At most %(max)d photos per case.") % {"max": MAX_PHOTOS_PER_KIND})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def apply_errors(form: forms.Form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: its field names are the API's (category_code,
    unit_id …), mapped to the form's; anything unknown becomes a form-wide error."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = field_map.get(name, name)
        form.add_error(target if target in form.fields else None, messages)


class SubmitForm(forms.Form):
    """点单: a resident's report, a grid worker's patrol report, or staff recording one."""

    title = forms.CharField(label=_("What is the problem?"), max_length=200)
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    category = forms.ChoiceField(label=_("Category"), required=False, help_text=_("Leave empty if you are not sure."))
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=200,
        help_text=_("Or put a pin on the map. The exact address is seen only by those handling the case."),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(
        label=_("Photos"), help_text=_("Up to 9 photos, 10 MB each. Location data is removed from them.")
    )

    FIELD_MAP = {"category_code": "category", "on_behalf_of_phone": "phone"}

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("— not sure —"))] + [(c.code, c.name) for c in categories]


class IntakeForm(SubmitForm):
    """Staff recording a resident's call, hotline transfer, WeChat message or reception-day visit."""

    channel = forms.ChoiceField(label=_("How did it reach us?"))
    phone = forms.CharField(label=_("Resident's mobile number"), required=False, max_length=20)
    contact_name = forms.CharField(label=_("Resident's name"), required=False, max_length=60)

    field_order = ["channel", "phone", "contact_name", "title", "description", "category", "address", "photos"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c.value, c.label) for c in Channel if c in STAFF_CHANNELS]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class SuperviseForm(forms.Form):
    note = forms.CharField(
        label=_("What is demanded, and by when"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class PublishForm(forms.Form):
    """晒单 with a preview: what the board will show, personal data already masked, editable."""

    public_title = forms.CharField(label=_("Title on the board"), max_length=200)
    public_result = forms.CharField(
        label=_("Result on the board"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = _(
            "Phone and ID numbers, plates, door numbers and names are masked; check and edit before "
            "publishing. The original stays on the record."
        )
        self.fields["public_title"].help_text = help_text


class CommentForm(forms.Form):
    note = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    reply = forms.BooleanField(label=_("Reply to the reporter (otherwise an internal note for staff)"), required=False)


class ResolveForm(forms.Form):
    result = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    photos = PhotosField(label=_("Photos of the result"))


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("How was it handled?"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class AcceptForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)

    FIELD_MAP = {"category_code": "category"}

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("— keep —"))] + [(c.code, c.name) for c in categories]


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Send to"), queryset=None)
    user = forms.ModelChoiceField(label=_("Person (optional)"), queryset=None, required=False)
    note = forms.CharField(label=_("Instructions"), required=False, max_length=5000)

    FIELD_MAP = {"unit_id": "unit", "user_id": "user"}

    def __init__(self, *args, units, people, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = lambda u: u.name
        if groups:
            # Drawn in groups (<optgroup>), the suggested units first; the field still validates
            # against every unit the dispatcher may use.
            self.fields["unit"].widget.choices = [
                ("", "---------"),
                *[(g.label, [(u.pk, u.name) for u in g.units]) for g in groups],
            ]


class EscalateForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("Units called in (配合)"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    lead = forms.ModelChoiceField(label=_("Lead unit (牵头)"), queryset=None)
    note = forms.CharField(label=_("What is needed"), required=False, max_length=5000)

    FIELD_MAP = {"unit_ids": "units", "lead_unit_id": "lead"}

    # Drawn by cases/_escalate_form.html (not the generic field loop): the lead unit first, then
    # the units grouped by kind, the likely ones on top, with a search box — short on a phone.
    def __init__(self, *args, units, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units
        self.fields["lead"].queryset = units
        for name in ("units", "lead"):
            self.fields[name].label_from_instance = lambda u: u.name
        self.groups = groups

    def checked(self) -> set[str]:
        return {str(v) for v in (self["units"].value() or [])}


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Number of the case it duplicates"), max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)

    FIELD_MAP = {"into_case_id": "into"}


class BoardFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [(c.code, c.name) for c in categories]
