"""Writing the audit log. Every service calls `audit_record` inside its own transaction, so a
write and its audit entry are committed together or not at all."""

from django.db import models

from .audit_chain import append
from .middleware import client_ip
from .models import AuditEntry, User


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """A JSON-safe summary of the named fields, for an entry's before/after."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    entry = AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.name if actor is not None and actor.pk else "system")[:120],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=before,
        after=after,
        ip=client_ip(),
    )
    # Hash-chained under the chain head's lock (core.audit_chain).
    return append(entry)
