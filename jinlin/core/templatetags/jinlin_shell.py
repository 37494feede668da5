"""The page shell's template tags: which layout a page uses and what its side nav holds."""

import json

from django import template

from ..navigation import role_cards, uses_console
from ..scope import active_assignments

register = template.Library()


@register.simple_tag(takes_context=True)
def shell_context(context):
    """`{% shell_context as shell %}`: layout ("console", "mobile" or "public") and nav cards.

    Computed once per render from the request's user; active_assignments caches the roles on
    the user, so the shell costs one query however many pages' blocks ask.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"layout": "public", "cards": [], "console": False}
    assignments = active_assignments(user)
    console = uses_console(user, assignments)
    return {
        "layout": "console" if console else "mobile",
        "console": console,
        "cards": role_cards(user, assignments) if console else [],
    }


@register.filter
def as_json(value: object) -> str:
    """An audit entry's before/after as readable JSON (Chinese kept as it is, not \\u-escaped)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
