"""What every page needs to draw the shell: language, large-text mode, the user's roles."""

from django.http import HttpRequest

from .scope import active_assignments

LARGE_TEXT_COOKIE = "jinlin_large_text"


def large_text_enabled(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.large_text
    return request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"


def shell(request):
    user = getattr(request, "user", None)
    return {
        "large_text": large_text_enabled(request),
        "my_roles": active_assignments(user) if user is not None and user.is_authenticated else [],
    }
