"""The centre's panel on the stats dashboard: one line in stats/dashboard.html loads it, so the
dashboard does not import this app.

The tag renders only a slot that fetches the figures after the page (htmx, `centre:figures`):
summing a month of check-ins, meals, errands and bookings for every centre in the viewer's area
cost more than the dashboard's own figures, and the dashboard should not wait for it
(docs/performance.md §7a, last pass)."""

from django import template
from django.template.loader import render_to_string

from ..stats import PANEL_LEVELS

register = template.Library()


@register.simple_tag(takes_context=True)
def centre_dashboard_panel(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    level = request.GET.get("centre_level", "centre")
    level = level if level in PANEL_LEVELS else "centre"
    # No request: the slot needs no context processor (they ran for the page already).
    return render_to_string("centre/_dashboard_panel_slot.html", {"level": level})
