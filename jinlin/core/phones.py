"""Mainland mobile numbers, validated with Google's libphonenumber (the `phonenumbers` package)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit national form of a mainland mobile number or raise ValidationError."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    if not text:
        raise ValidationError(_("Please enter a mobile phone number."), code="required")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid") from exc
    if (
        parsed.country_code != 86
        or not phonenumbers.is_valid_number(parsed)
        or phonenumbers.number_type(parsed)
        not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland China mobile number (11 digits starting with 1).") % {"value": raw},
            code="invalid",
        )
    return str(parsed.national_number)
