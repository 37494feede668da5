"""The thin adapter between the triage engine and the case loop.

The engine (`jinlin.triage.engine`, through `services.suggest`) knows text and labels only; this
module knows cases:

- `on_intake(case)`: called for every new case on its `case.submitted` event (subscribers.py). Stores on the
  case its top-3 categories (labels are `Category.code`, as in training), the responsible unit
  (labels are `OrgUnit.code`) and open cases it may duplicate, and lets the platform accept and
  dispatch it when the category model is confident. Never makes intake fail.
- `training_rows()`: the labelled history retraining learns from (see its docstring for the
  feedback-loop rule).
- `duplicates_of(case)` and `hotspots_for(user)`: near-duplicate open cases and 每月一题 candidates.

The stored shape (`Case.suggestions`):

    {"source": "model" | "keywords" | "none", "version": int | None,
     "categories": [{"code", "name", "probability"}], "threshold": float | None,
     "unit": {"id", "code", "name", "probability", "source": "model" | "category"} | None,
     "auto_dispatched": bool, "duplicates": [case id, …]}
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases.cache import TableCache
from jinlin.cases.models import Case
from jinlin.cases.selectors import duplicate_cards  # noqa: F401  (moved to cases: a read of stored ids)
from jinlin.core.models import OrgUnit, User

from . import services
from .engine import duplicates as dup_engine
from .models import ModelKind, TriageModel

logger = logging.getLogger(__name__)

TOP_K = 3
# Open cases farther apart than this are not the same problem, whatever their text says.
NEAR_METRES = 500
# Candidates scored per lookup: an estate with more open cases than this has bigger problems.
MAX_CANDIDATES = 5000
MAX_DUPLICATES = 5


def auto_dispatch_enabled() -> bool:
    return getattr(settings, "JINLIN_TRIAGE_AUTO_DISPATCH", True)


# ---------------------------------------------------------------- intake


def on_intake(case: Case, *, live: bool = True, defer: Callable[[Callable[[], Any]], None] | None = None) -> dict:
    """Suggest, look for duplicates and maybe auto-dispatch a new case; returns what was stored.

    `live` is False when intake replays the past (imports, the demo seed, `at=` given): the
    history being replayed already says who dispatched, so the platform does not step in.
    Any failure is logged and leaves the case as submitted, without suggestions: suggesting is
    a help to the dispatcher, never a condition of taking a resident's request.

    Suggesting and the duplicate lookup only read, so they run outside any transaction of ours
    (on SQLite a write transaction holds the database's one write lock, and the model's
    milliseconds must not be spent holding it); only the platform's dispatch and storing the
    result write. Inside a caller's transaction each part runs in a savepoint, so a database
    error in it cannot spoil the surrounding transaction.
    """
    try:
        with _guard():
            stored = _suggest_for(case)
            stored["duplicates"] = duplicates_of(case)
        auto = stored.pop("auto", None)
        dispatch = live and auto is not None and auto_dispatch_enabled()
        if dispatch:
            stored["auto_dispatched"] = True
            _auto_dispatch(case, auto, stored)  # stores `stored` in the dispatch's transaction
        elif defer is not None:  # stored with the other subscribers' writes (core.events.defer_write)
            defer(lambda: type(case).objects.filter(pk=case.pk).update(suggestions=stored))
        else:
            with _guard():
                type(case).objects.filter(pk=case.pk).update(suggestions=stored)
        case.suggestions = stored
        return stored
    except Exception:
        logger.exception("Triage failed for case %s; it goes on without suggestions.", case.pk)
        return {}


def warm_up() -> None:
    """Do what a process's first intake would otherwise do while a resident waits: load the active
    models (importing the engine), jieba's dictionary, the keyword rules of the deployment's
    categories and the unit labels; hash one text. Seconds in all; jinlin.core.warmup calls it
    as a web worker starts. A stand-in case: suggesting reads only its text and category."""
    from types import SimpleNamespace

    sample = SimpleNamespace(title="路灯不亮", description="小区门口路灯不亮，晚上很不安全", category_id=None)
    _suggest_for(sample)
    _signatures.hasher.signatures([_text(sample.title, sample.description)])


def _guard():
    """A savepoint when inside a transaction (a failed query must not abort the caller's), else
    nothing: in autocommit each read is its own statement and a failure leaves nothing behind."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else contextlib.nullcontext()


def _categories():
    from jinlin.cases.services import active_categories

    # The case loop's per-process cache of the category table (read on every intake).
    return list(active_categories().values())


def _suggest_for(case) -> dict:
    categories = _categories()
    by_code = {c.code: c for c in categories}
    # Keyword rules are built from names; several categories may share a name, the first wins.
    by_name: dict[str, object] = {}
    for c in categories:
        by_name.setdefault(c.name, c)
    found = services.suggest(
        case.description, title=case.title, kind=ModelKind.CATEGORY, categories=list(by_name), k=TOP_K
    )
    ranked = []
    for s in found["suggestions"]:
        category = by_code.get(s["label"]) if found["source"] == "model" else by_name.get(s["label"])
        if category is not None:  # a model may know a category since retired
            ranked.append({"code": category.code, "name": category.name, "probability": s["probability"]})
    stored = {
        "source": found["source"],
        "version": found["version"],
        "threshold": found["threshold"],
        "categories": ranked,
        "unit": _unit_for(case, ranked),
        "auto_dispatched": False,
    }
    top = by_code.get(ranked[0]["code"]) if ranked else None
    # Only a model's calibrated probability decides; and a category the reporter chose is not
    # overruled by the platform (a disagreement goes to a person).
    if found["auto_dispatch"] and top is not None and top.department_id and case.category_id in (None, top.pk):
        stored["auto"] = {"category": top, "probability": ranked[0]["probability"], "version": found["version"]}
    return stored


def _unit_for(case, ranked: list[dict]) -> dict | None:
    """The unit model's best unit; without one, the top category's department (属事)."""
    found = services.suggest(case.description, title=case.title, kind=ModelKind.UNIT, k=1)
    if found["source"] == "model" and found["suggestions"]:
        best = found["suggestions"][0]
        unit = _label_units.get().get(best["label"])
        if unit is None:  # a model activated since the cache was filled, or a unit since retired
            unit = OrgUnit.objects.filter(code=best["label"], is_active=True).first()
        if unit is not None:
            return _unit_dict(unit, best["probability"], "model")
    if ranked:
        from jinlin.cases.services import active_categories

        category = active_categories().get(ranked[0]["code"])
        department = category.department if category is not None and category.department_id else None
        if department is not None and department.is_active:
            return _unit_dict(department, ranked[0]["probability"], "category")
    return None


def _load_label_units() -> dict[str, OrgUnit]:
    model = services.active_model(ModelKind.UNIT)
    codes = [str(code) for code in getattr(model, "classes_", ())]
    return {u.code: u for u in OrgUnit.objects.filter(code__in=codes, is_active=True)} if codes else {}


# The active units the unit model may answer with, by code: read on every intake otherwise.
_label_units = TableCache("triage_unit_labels", _load_label_units, OrgUnit, TriageModel)


def _unit_dict(unit: OrgUnit, probability: float, source: str) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "probability": probability, "source": source}


def _auto_dispatch(case, auto: dict, stored: dict) -> None:
    """受理 and 派单 by the platform (actor None) through the case services, storing the
    suggestions with them: the timeline shows the platform as the actor, with the probability
    in the note and the data."""
    from jinlin.cases import services as cases

    category = auto["category"]
    data = {
        "triage": {
            "auto": True,
            "category": category.code,
            "probability": auto["probability"],
            "version": auto["version"],
            "category_set": case.category_id is None,
        }
    }
    note = _("Dispatched by the platform: %(category)s, probability %(p).0f%% (model version %(v)s).") % {
        "category": category.name,
        "p": auto["probability"] * 100,
        "v": auto["version"],
    }
    cases.case_auto_dispatch(
        case=case,
        category_code=category.code if case.category_id is None else None,
        unit=category.department,
        note=note,
        data=data,
        suggestions=stored,
    )


# ---------------------------------------------------------------- duplicates


class _Signatures:
    """MinHash signatures of cases by id, per process. A case's title and description never
    change after intake, so a signature computed once stays right and only new cases' text is
    read; the cap bounds memory (64 uint32 a case: 100,000 cases take 25 MB). Only committed
    cases are ever candidates (a case is never its own), so no rolled-back row is cached."""

    CAP = 100_000

    def __init__(self):
        self.hasher = dup_engine.MinHasher()
        self.by_id: dict[int, np.ndarray] = {}
        self.lock = threading.Lock()

    def get(self, pks: list[int]) -> np.ndarray:
        from jinlin.cases.models import Case

        missing = [pk for pk in pks if pk not in self.by_id]
        if missing:
            texts = {
                pk: _text(title, description)
                for pk, title, description in Case.objects.filter(pk__in=missing).values_list(
                    "pk", "title", "description"
                )
            }
            computed = self.hasher.signatures([texts.get(pk, "") for pk in missing])
            with self.lock:
                if len(self.by_id) + len(missing) > self.CAP:
                    self.by_id.clear()
                self.by_id.update(zip(missing, computed, strict=True))
        return np.stack([self.by_id[pk] for pk in pks])

    def clear(self) -> None:
        self.by_id.clear()


_signatures = _Signatures()


def _text(title: str, description: str) -> str:
    return f"{title} {description}"


def _near_ids(case) -> list[int]:
    """Open cases of the same community, and open cases within NEAR_METRES of the point (a
    latitude/longitude box): two queries each answered from an index alone (case_community_status,
    case_status_point), newest first, at most MAX_CANDIDATES."""
    from jinlin.cases.machine import OPEN
    from jinlin.cases.models import Case

    open_cases = Case.objects.filter(status__in=OPEN).exclude(pk=case.pk).order_by()
    found: set[int] = set()
    if case.community_id:
        found.update(open_cases.filter(community_id=case.community_id).values_list("pk", flat=True))
    if case.lat is not None and case.lng is not None:
        dlat = NEAR_METRES / 111_320
        dlng = dlat / max(0.1, float(np.cos(np.radians(case.lat))))
        box = open_cases.filter(
            lat__range=(case.lat - dlat, case.lat + dlat), lng__range=(case.lng - dlng, case.lng + dlng)
        )
        found.update(box.values_list("pk", flat=True))
    return sorted(found, reverse=True)[:MAX_CANDIDATES]


def duplicates_of(case: Case, *, threshold: float | None = None) -> list[int]:
    """Ids of open cases near `case` whose text is near-identical (estimated Jaccard similarity
    of character bigrams ≥ the engine's threshold), most similar first.

    Near = the same community or within NEAR_METRES; the database narrows 100,000 open cases to
    the few hundred of one place, whose cached signatures are compared in one array operation.
    """
    if not case.community_id and case.lat is None:
        return []
    query = _signatures.hasher.signatures([_text(case.title, case.description)])[0]
    if (query == np.iinfo(np.uint32).max).all():
        return []  # no text to compare
    pks = _near_ids(case)
    if not pks:
        return []
    similarity = (_signatures.get(pks) == query[None, :]).mean(axis=1)
    limit = dup_engine.THRESHOLD if threshold is None else threshold
    order = [i for i in np.argsort(-similarity, kind="stable") if similarity[i] >= limit][:MAX_DUPLICATES]
    return [pks[i] for i in order]


# ---------------------------------------------------------------- learning from history

MIN_CASES = 50
MIN_CLASSES = 2


def training_rows() -> dict[str, list[dict]]:
    """{"category": rows, "unit": rows} of {"id", "text", "title", "label"} from finished cases
    whose category and owner unit were set by staff.

    Finished = resolved or closed (not rejected, not merged). Feedback loop: a case the platform
    dispatched on its own would teach the model its own guess, confirmed by nobody, and errors
    would reinforce themselves. So a case whose last dispatch or transfer was the platform's is
    left out of both sets; once a person transferred it (or re-dispatched it after 退单), the
    person's choice is a staff label and the case counts. A category the platform filled in
    (`category_set`) is left out of the category set for the same reason, even after a transfer.
    """
    from jinlin.cases.machine import Status
    from jinlin.cases.models import Case, TimelineEntry

    finished = Case.objects.filter(
        status__in=[Status.RESOLVED, Status.CLOSED], merged_into__isnull=True, owner_unit__isnull=False
    )
    last_routing: dict[int, tuple] = {}
    routed = (
        TimelineEntry.objects.filter(case__in=finished, action__in=["dispatch", "transfer"])
        .order_by("at", "pk")
        .values_list("case_id", "actor_id", "data")
    )
    platform_category: set[int] = set()
    for case_id, actor_id, data in routed:
        last_routing[case_id] = actor_id  # type: ignore[assignment]
        if actor_id is None and (data or {}).get("triage", {}).get("category_set"):
            platform_category.add(case_id)
    rows = {"category": [], "unit": []}
    fields = ("pk", "title", "description", "category__code", "owner_unit__code")
    for pk, title, text, category, unit in finished.order_by("pk").values_list(*fields):
        if pk not in last_routing or last_routing[pk] is None:
            continue  # never dispatched by a person: no staff label
        row = {"id": pk, "text": text, "title": title}
        rows["unit"].append(row | {"label": unit})
        if category and pk not in platform_category:
            rows["category"].append(row | {"label": category})
    return rows


def retrain(*, min_cases: int = MIN_CASES, force: bool = False) -> dict:
    """Train and activate category and unit models from staff-labelled history (actor None, the
    platform). Idempotent: a kind whose active model was trained on exactly these cases and
    labels is skipped. Returns {kind: {"status": "trained" | "skipped", …}}."""
    import hashlib

    from .models import TriageModel

    out = {}
    for kind, rows in training_rows().items():
        classes = {r["label"] for r in rows}
        if len(rows) < min_cases or len(classes) < MIN_CLASSES:
            out[kind] = {
                "status": "skipped",
                "reason": _(
                    "Too little labelled history: %(n)d cases in %(k)d classes "
                    "(at least %(min)d cases in %(mc)d classes are needed)."
                )
                % {"n": len(rows), "k": len(classes), "min": min_cases, "mc": MIN_CLASSES},
                "n": len(rows),
            }
            continue
        digest = hashlib.sha256(repr(sorted((r["id"], r["label"]) for r in rows)).encode()).hexdigest()[:16]
        source = f"cases:{len(rows)}:{digest}"
        active = TriageModel.objects.filter(kind=kind, is_active=True).values_list("source", "version").first()
        if active and active[0] == source and not force:
            out[kind] = {"status": "skipped", "reason": _("Already trained on these cases."), "version": active[1]}
            continue
        started = time.monotonic()
        record = services.train_from_rows(actor=None, rows=rows, kind=kind, source=source)
        out[kind] = {
            "status": "trained",
            "version": record.version,
            "n": record.metrics.get("n"),
            "classes": len(record.metrics.get("classes", {})),
            "auto_dispatch": record.metrics.get("auto_dispatch"),
            "seconds": round(time.monotonic() - started, 1),
        }
    return out


# ---------------------------------------------------------------- hotspots

HOTSPOT_DAYS = 60
HOTSPOT_MAX_CASES = 20_000
# A monthly theme does not change by the minute: a viewer's panel is computed at most this often.
HOTSPOT_CACHE_SECONDS = 600
PER_COMMUNITY = 3


def hotspots_for(user: User, *, days: int = HOTSPOT_DAYS, top: int = 10, now: datetime | None = None) -> list[dict]:
    """每月一题 candidates among the cases `user` may see from the last `days` days, ranked by
    size and growth over the last half of the period (the engine's score), each with its cases.

    Clustering runs per community: only cases of the same place may form a hotspot anyway, and
    the engine's pairwise similarity grows with the square of the cases it compares (20,000
    cases at once take a minute; a few hundred per community take milliseconds each). The result
    (case ids and figures) is cached per viewer for HOTSPOT_CACHE_SECONDS."""
    from django.core.cache import cache

    from jinlin.cases.models import Case

    key = f"jinlin:triage:hotspots:{user.pk}:{days}:{top}"
    spots = cache.get(key)
    if spots is None:
        spots = _find_hotspots(user, days=days, top=top, now=now or timezone.now())
        cache.set(key, spots, HOTSPOT_CACHE_SECONDS)
    wanted = {pk for spot in spots for pk in spot["ids"]}
    cases = Case.objects.filter(pk__in=wanted).select_related("community", "category").in_bulk()
    out = []
    for spot in spots:
        members = sorted((cases[pk] for pk in spot["ids"] if pk in cases), key=lambda c: c.created_at, reverse=True)
        out.append(
            spot | {"cases": members, "communities": sorted({c.community.name for c in members if c.community_id})}
        )
    return out


def case_hotspot_purity(*, days: int, now=None) -> dict:
    """Hotspots over every case of the last `days` days, found exactly as the dashboard finds them
    (per community, place names left out), and their purity by case title."""
    from jinlin.cases.models import Case
    from jinlin.triage.engine.hotspots import find_hotspots, purity

    now = now or timezone.now()
    rows = list(
        Case.objects.filter(created_at__gte=now - timedelta(days=days), merged_into__isnull=True).values_list(
            "pk", "title", "description", "community_id"
        )
    )
    by_place: dict = {}
    for row in rows:
        by_place.setdefault(row[3], []).append(row)
    names = _place_names(list(by_place))
    spots = []
    for community_id, members in by_place.items():
        spots += find_hotspots(
            [r[2] for r in members],
            [r[1] for r in members],
            ids=[r[0] for r in members],
            top=len(members),
            stop_phrases=names.get(community_id, []),
        )
    titles = {r[0]: r[1] for r in rows}
    return {"cases": len(rows), "hotspots": len(spots), "purity": purity(spots, titles)}


def _place_names(community_ids: list) -> dict:
    """community id → the names of the places in and above it (estates, buildings, grids, the
    community, its street and district), which hotspots leave out when comparing messages."""
    from jinlin.core.models import OrgUnit

    communities = OrgUnit.objects.filter(pk__in=[c for c in community_ids if c is not None])
    out: dict = {}
    for community in communities:
        below = OrgUnit.objects.filter(code__startswith=community.code).values_list("name", flat=True)
        out[community.pk] = [*below, *community.ancestors().values_list("name", flat=True)]
    return out


def _followers_per_case(since: datetime) -> dict[int, int]:
    """How many residents follow each case created since `since` (我也关注; one query)."""
    from django.db.models import Count

    from jinlin.cases.models import CaseFollow

    rows = CaseFollow.objects.filter(case__created_at__gte=since).values("case_id").annotate(n=Count("pk"))
    return {r["case_id"]: r["n"] for r in rows}


def _find_hotspots(user, *, days: int, top: int, now) -> list[dict]:
    from collections import defaultdict

    from jinlin.cases.selectors import cases_visible_to
    from jinlin.triage.engine.hotspots import find_hotspots

    rows = list(
        cases_visible_to(user)
        .filter(created_at__gte=now - timedelta(days=days), merged_into__isnull=True)
        .order_by("-created_at")
        .values_list("pk", "title", "description", "created_at", "community_id")[:HOTSPOT_MAX_CASES]
    )
    by_place = defaultdict(list)
    for row in rows:
        by_place[row[4]].append(row)
    names = _place_names(list(by_place))
    # 我也关注 is a repeat complaint: each follower weighs a case as one more report would.
    followers = _followers_per_case(now - timedelta(days=days))
    found = []
    for community_id, members in by_place.items():
        # Growth compares the recent half of the period with the half before it.
        found += find_hotspots(
            [r[2] for r in members],
            [r[1] for r in members],
            times=[r[3] for r in members],
            ids=[r[0] for r in members],
            weights=[followers.get(r[0], 0) for r in members],
            window_days=max(1, days // 2),
            # Keywords (jieba) are the costly part and are made for every hotspot returned;
            # a community's fourth problem rarely belongs among the district's top ten.
            top=min(top, PER_COMMUNITY),
            stop_phrases=names.get(community_id, []),
        )
    found.sort(key=lambda s: (-s.score, -s.size, min(s.ids)))
    return [
        {
            "ids": spot.ids,
            "size": spot.size,
            # 我也关注: residents who follow a case of the spot instead of reporting it again.
            "followers": sum(followers.get(i, 0) for i in spot.ids),
            "score": round(spot.score, 1),
            "recent": int(spot.recent or 0),
            "previous": int(spot.previous or 0),
            "growth": round(spot.growth, 2) if spot.growth is not None else None,
            "keywords": spot.keywords,
            "example": spot.example,
        }
        for spot in found[:top]
    ]
