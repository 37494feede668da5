"""`{{ text|public_text }}`: free text as the public may see it (jinlin.core.masking.mask_text)."""

from django import template

from ..masking import mask_text

register = template.Library()


@register.filter
def public_text(value: object) -> str:
    return mask_text("" if value is None else str(value))
