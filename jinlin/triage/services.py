"""The Django edge of the triage engine: train and store models, activate one, suggest.

The case app calls `suggest(text, title=…, kind=…, categories=…)` on intake; the engine itself
(`jinlin.triage.engine`) knows nothing of Django.
"""

import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from jinlin.core.audit import audit_record
from jinlin.core.models import User
from jinlin.core.services import require_admin

from .models import ModelKind, TriageModel

# The engine (NumPy, SciPy, scikit-learn, jieba: seconds of imports) is imported where a model
# is trained, loaded or a keyword rule built, not here: this module is imported when Django
# starts (through the admin), and every test worker, web worker and command would pay for it.

logger = logging.getLogger(__name__)

# How long a process trusts its cached model before checking which one is active; a model
# activated elsewhere (the worker, the CLI) is picked up within this time.
CACHE_SECONDS = 30.0


def train_from_rows(
    *,
    actor: User | None,
    rows: list[dict],
    kind: str = ModelKind.CATEGORY,
    source: str = "",
    activate: bool = True,
) -> TriageModel:
    """Train on rows {"text", "title" (optional), "label"} and store the model as the next
    version of its kind, active unless `activate=False`. Rows without a label are skipped.

    Training runs outside any transaction (it takes seconds to a minute and must not hold the
    database's write lock); only storing the result is atomic.
    """
    from .engine import classifier, store

    require_admin(actor, _("Only a platform administrator may train or activate triage models."))
    if kind not in ModelKind.values:
        raise ValueError(f"Unknown model kind {kind!r}.")
    labelled = [r for r in rows if (r.get("label") or "").strip()]
    model = classifier.train(
        [r.get("text") or "" for r in labelled],
        [r["label"].strip() for r in labelled],
        [r.get("title") or "" for r in labelled],
    )
    metrics = model.metadata | {"skipped_unlabelled": len(rows) - len(labelled)}
    blob = store.dumps(model, kind=kind, metadata=metrics)
    with transaction.atomic():
        # Two trainings finishing at the same moment would pick the same version; the unique
        # constraint on (kind, version) then refuses the second rather than storing a duplicate.
        latest = TriageModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"]
        record = TriageModel.objects.create(
            kind=kind,
            version=(latest or 0) + 1,
            created_by=actor if actor is not None and actor.pk else None,
            source=source[:200],
            metrics=metrics,
            size=len(blob),
            blob=blob,
        )
        audit_record(
            actor=actor,
            action="triage.model_train",
            obj=record,
            after={"kind": kind, "version": record.version, "n": metrics["n"], "source": record.source},
        )
        if activate:
            _activate(actor, record)
    return record


def activate(*, actor: User | None, model: TriageModel) -> TriageModel:
    """Make `model` the one suggestions use for its kind (rolling back is activating an older
    version)."""
    require_admin(actor, _("Only a platform administrator may train or activate triage models."))
    with transaction.atomic():
        _activate(actor, model)
    return model


def _activate(actor: User | None, model: TriageModel) -> None:
    previous = (
        TriageModel.objects.select_for_update().filter(kind=model.kind, is_active=True).exclude(pk=model.pk).first()
    )
    if previous is not None:
        TriageModel.objects.filter(pk=previous.pk).update(is_active=False)
    TriageModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    audit_record(
        actor=actor,
        action="triage.model_activate",
        obj=model,
        before={"active_version": previous.version if previous else None},
        after={"active_version": model.version},
    )
    _cache.pop(model.kind, None)


@dataclass
class _Cached:
    pk: int | None
    version: int | None
    model: object
    checked: float


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _active(kind: str) -> _Cached:
    """The active model of `kind`, loaded once per process and re-checked every CACHE_SECONDS
    (model None when no model is active)."""
    now = time.monotonic()
    cached = _cache.get(kind)
    if cached is not None and now - cached.checked < CACHE_SECONDS:
        return cached
    with _lock:
        active = TriageModel.objects.filter(kind=kind, is_active=True).values_list("pk", "version").first()
        pk, version = active if active else (None, None)
        if cached is not None and cached.pk == pk:
            cached.checked = now
            return cached
        model = None
        if pk is not None:
            from .engine import store

            blob = TriageModel.objects.filter(pk=pk).values_list("blob", flat=True).first()
            try:
                model, _header = store.loads(blob)  # type: ignore[arg-type]
            except store.ModelFormatError:
                # Written by another release: suggestions fall back to keyword rules until the
                # model is retrained, rather than failing every intake.
                logger.warning("Active %s model v%s cannot be loaded; retrain it.", kind, version, exc_info=True)
        _cache[kind] = _Cached(pk, version, model, now)
        return _cache[kind]


def active_model(kind: str = ModelKind.CATEGORY) -> Any:
    """The active classifier of `kind` (cached per process), None when there is none."""
    return _active(kind).model


@functools.lru_cache(maxsize=8)
def _keyword_rules(categories: tuple):
    from .engine.keywords import KeywordClassifier

    return KeywordClassifier({name: list(extra) for name, extra in categories})


def reset_cache() -> None:
    _cache.clear()


def suggest(
    text: str,
    *,
    title: str = "",
    kind: str = ModelKind.CATEGORY,
    categories: list[str] | dict[str, list[str]] | None = None,
    k: int = 3,
) -> dict:
    """Top-k suggestions for a message.

    {"source": "model" | "keywords" | "none", "version": int | None,
     "suggestions": [{"label", "probability"}, …], "auto_dispatch": bool, "threshold": float | None}

    With no active model, falls back to keyword rules built from `categories` (the deployment's
    category names); keyword suggestions never auto-dispatch. `auto_dispatch` is true when the
    top suggestion's calibrated probability reaches the model's threshold (chosen so that such
    dispatches were at least 95% correct in cross-validation).
    """
    active = _active(kind)
    model = active.model
    if model is not None:
        found = model.suggest(text, title, k=k)  # type: ignore[attr-defined]
        return {
            "source": "model",
            "version": active.version,
            "suggestions": [s.as_dict() for s in found],
            "auto_dispatch": bool(found) and model.auto_dispatchable(found[0]),  # type: ignore[attr-defined]
            "threshold": model.threshold,  # type: ignore[attr-defined]
        }
    if categories:
        extra = categories if isinstance(categories, dict) else dict.fromkeys(categories, ())
        rules = _keyword_rules(tuple((name, tuple(words)) for name, words in extra.items()))
        found = rules.suggest(text, title, k=k)
        return {
            "source": "keywords",
            "version": None,
            "suggestions": [s.as_dict() for s in found],
            "auto_dispatch": False,
            "threshold": None,
        }
    return {"source": "none", "version": None, "suggestions": [], "auto_dispatch": False, "threshold": None}
