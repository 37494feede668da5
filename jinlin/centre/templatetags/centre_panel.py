"""The centre's panel on the stats dashboard: one line in stats/dashboard.html loads it, so the
dashboard does not import this app."""

from datetime import timedelta

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from jinlin.core.scope import area_codes, prefix_q

from ..models import Centre
from ..stats import centre_figures

register = template.Library()
LEVELS = ("centre", "community", "street")


@register.simple_tag(takes_context=True)
def centre_dashboard_panel(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    codes = area_codes(user)
    centres = list(Centre.objects.filter(prefix_q("scope_code", codes), is_active=True)) if codes else []
    if not centres:
        return ""
    level = request.GET.get("centre_level", "centre")
    level = level if level in LEVELS else "centre"
    until = timezone.now()
    since = until - timedelta(days=30)
    rows = centre_figures(centres, since=since, until=until, level=level)
    return render_to_string(
        "centre/_dashboard_panel.html",
        {"rows": rows[:50], "level": level, "levels": LEVELS, "since": since, "until": until},
        request=request,
    )
