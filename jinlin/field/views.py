"""Pages of the field app (/field/…), the web app manifest and the service worker.

The pages are server-rendered once online and kept by the service worker (static/field/sw.js),
so they open with no signal; what the worker does offline is queued in IndexedDB by
static/field/field.js and sent through the API when the network returns."""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jinlin.cases import selectors as case_selectors
from jinlin.core import policy
from jinlin.core.models import OrgKind
from jinlin.core.scope import active_assignments
from jinlin.core.services import api_token_issue
from jinlin.people.models import VisitKind
from jinlin.people.selectors import visible_households

from . import selectors, services
from .models import PatrolType

# The files of the app shell: cached when the service worker installs, their content hashed
# into the cache version (a deploy that changes any of them makes a new version).
SHELL_STATIC = [
    "field/field.css",
    "field/field.js",
    "field/photo.js",
    "field/patrol.js",
    "field/queue.js",
    "vendor/idb-keyval.js",
    "field/icons/icon.svg",
    "field/icons/icon-192.png",
    "field/icons/icon-512.png",
]
SHELL_PAGES = ["field:home", "field:patrol", "field:visits", "field:offline"]
ICON_SIZES = (192, 512)


@cache
def shell_version() -> str:
    """A hash of the shell's files and templates: a new one when a deploy changes any of them."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    paths = [Path(finders.find(name) or "") for name in SHELL_STATIC + ["field/sw.js"]]
    paths += sorted((here / "templates" / "field").glob("*.html"))
    for path in paths:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def manifest(request):
    """The web app manifest: installable as 近邻·网格通, opening on the field home page."""
    body = {
        "name": "近邻·网格通",
        "short_name": "网格通",
        "description": _("The grid worker's app: patrols, cases and visits, also with no signal."),
        "id": "/field/",
        "start_url": "/field/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "lang": "zh-Hans",
        "background_color": "#ffffff",
        "theme_color": "#b4281e",
        "icons": [
            {"src": static("field/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("field/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("field/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


def service_worker(request):
    """static/field/sw.js with its version and the shell's URLs, served from the site root so it
    controls every page (scope /). Never cached by the browser's HTTP cache: an update check
    always sees the newest version."""
    path = finders.find("field/sw.js")
    if not path:
        raise Http404
    shell = [static(name) for name in SHELL_STATIC] + [reverse(name) for name in SHELL_PAGES]
    config = {"version": shell_version(), "shell": shell, "pages": [reverse(n) for n in SHELL_PAGES]}
    source = Path(path).read_text(encoding="utf-8")
    body = f"self.JINLIN_SW = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def _context(request, **extra):
    grid = services.worker_grid(request.user)
    return {"grid": grid, "sw_version": shell_version(), "today": timezone.localdate(), **extra}


@login_required
def home(request):
    grid = services.worker_grid(request.user)
    cases = list(selectors.worker_cases(request.user, grid))
    coverage = selectors.coverage_of(grid, selectors.week_start(timezone.localdate())) if grid else None
    day = selectors.day_log(request.user, timezone.localdate())
    return render(request, "field/home.html", _context(request, cases=cases, coverage=coverage, day=day))


@login_required
def patrol(request):
    grid = services.worker_grid(request.user)
    checklists = selectors.checklists_for(selectors.community_of(grid))
    return render(request, "field/patrol.html", _context(request, checklists=checklists, types=PatrolType.choices))


@login_required
def case(request, pk: int):
    found = case_selectors.case_get(request.user, pk)
    if found is None:
        raise Http404
    actions = set(case_selectors.allowed_actions(request.user, found))
    # Offline the worker may claim and then resolve: both forms are there when claiming is.
    if "claim" in actions:
        actions.add("resolve")
    return render(request, "field/case.html", _context(request, case=found, actions=actions))


@login_required
def visits(request):
    households = list(visible_households(request.user).order_by("address", "room")[:200])
    return render(request, "field/visits.html", _context(request, households=households, kinds=VisitKind.choices))


def offline(request):
    return render(request, "field/offline.html", {"sw_version": shell_version()})


@login_required
def coverage(request):
    week = selectors.week_start(timezone.localdate())
    rows = selectors.coverage_for(request.user, week)
    return render(request, "field/coverage.html", _context(request, rows=rows, week=week))


@login_required
def checklists(request):
    communities = [
        a.org
        for a in active_assignments(request.user)
        if a.org.kind == OrgKind.COMMUNITY and policy.allows(request.user, "field.checklist.edit", a.org)
    ]
    if not communities:
        raise PermissionDenied(_("Only community staff may change the patrol checklists."))
    community = communities[0]
    errors = {}
    if request.method == "POST":
        try:
            for value, _label in PatrolType.choices:
                services.checklist_save(
                    actor=request.user,
                    community=community,
                    patrol_type=value,
                    items=request.POST.get(value, "").splitlines(),
                )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return redirect("field:checklists")
    lists = selectors.checklists_for(community)
    for value, found in lists.items():
        found["text"] = request.POST.get(value, "") if errors else "\n".join(found["items"])
    return render(request, "field/checklists.html", _context(request, community=community, lists=lists, errors=errors))


@login_required
@require_POST
def token(request):
    """A bearer token for the logged-in account, kept by the app in IndexedDB to send its queue."""
    key, issued = api_token_issue(user=request.user)
    return JsonResponse({"token": key, "expires_at": issued.expires_at.isoformat(), "user_id": request.user.pk})
