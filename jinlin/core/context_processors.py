"""What every page needs to draw the shell: language, large-text mode, the user's roles."""

from collections.abc import Callable

from django.http import HttpRequest

from .scope import active_assignments

LARGE_TEXT_COOKIE = "jinlin_large_text"


def large_text_enabled(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.large_text
    return request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"


# Apps above core add to every page's context here (notify: the bell's unread count) without
# core importing them; each hook must stay cheap (one indexed query at most).
_shell_hooks: list[Callable] = []


def register_shell_hook(hook: Callable) -> None:
    if hook not in _shell_hooks:
        _shell_hooks.append(hook)


def shell(request):
    # Once per request: a page that renders a fragment with the request (a form, an include)
    # would otherwise count the unread notices again.
    cached = getattr(request, "_jinlin_shell", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    context = {
        "large_text": large_text_enabled(request),
        "my_roles": active_assignments(user) if user is not None and user.is_authenticated else [],
    }
    for hook in _shell_hooks:
        context.update(hook(request))
    request._jinlin_shell = context
    return context
