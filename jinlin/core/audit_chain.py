"""The audit log's hash chain (等保 安全审计: records protected against change and deletion).

Every entry carries a sequence number, the previous entry's hash and its own hash: sha256 over a
canonical serialisation of its fields and the previous hash. Writers serialise on one row
(`AuditChainHead`, pk 1): the UPDATE that takes the next number locks it on PostgreSQL; on
SQLite every transaction already takes the write lock at BEGIN (IMMEDIATE). A changed row no
longer hashes to its stored hash; a deleted row leaves a gap in the sequence and a next entry
whose previous hash matches nothing.

Retention: `prune(before=…)` cuts only entries older than `AUDIT_RETENTION_DAYS` (≥ 183 days) and
records the last pruned entry's sequence and hash as the anchor the chain starts from, so the
rest stays verifiable. The canonical form below is frozen: changing it breaks every stored chain.
"""

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .db import audit_purge_allowed
from .models import AuditChainHead, AuditEntry

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "ip",
)
MIN_RETENTION_DAYS = 183  # six months


def _canonical_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name in ("before", "after"):
        # As the database gives it back (tuples become lists, keys become strings).
        return json.loads(json.dumps(value))
    if name == "ip":
        return ipaddress.ip_address(str(value)).compressed
    return value


def entry_hash(values: dict, prev_hash: str) -> str:
    """sha256 over the canonical JSON of the hashed fields and the previous hash."""
    body = {name: _canonical_value(name, values.get(name)) for name in HASHED_FIELDS}
    body["prev_hash"] = prev_hash
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _values(entry: Any) -> dict:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def head_for_update() -> AuditChainHead:
    """The chain head, locked until the caller's transaction ends (PostgreSQL); created if missing."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def append(entry: AuditEntry) -> AuditEntry:
    """Chain and insert an unsaved entry; the caller's transaction (or ours) holds the head.
    No savepoint of its own inside the caller's transaction (two statements less per audited
    action): a failure here fails the caller's write, as it must.

    Every audited write passes here, so the head is taken and advanced in plain SQL: one UPDATE
    takes the next sequence number, the previous hash and the row's lock on every database (the
    ORM's select_for_update and save cost more than the rest of the record: docs/performance.md
    §7a, session 8).
    """
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    # The table name is the model's own, quoted; every value is a parameter.
    take = f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash"  # noqa: S608
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(take)
        row = cursor.fetchone()
        if row is None:  # a new database: the head row is created once
            AuditChainHead.objects.get_or_create(pk=1)
            cursor.execute(take)
            row = cursor.fetchone()
        entry.seq, entry.prev_hash = row
        entry.hash = entry_hash(_values(entry), entry.prev_hash)
        entry.save()
        cursor.execute(f"UPDATE {table} SET last_hash = %s WHERE id = 1", [entry.hash])  # noqa: S608
    return entry


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    broken_id: int | None = None
    broken_seq: int | None = None


def verify(batch: int = 2000, tail: int | None = None) -> Verdict:
    """Walk the chain from the anchor; the first entry that is changed, missing or out of place.
    `tail`: check only the last `tail` entries, trusting the first one's link (the admin page)."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
    entries = AuditEntry.objects.order_by("seq")
    if tail is not None and head.last_seq - tail + 1 > expected_seq:
        expected_seq = head.last_seq - tail + 1
        start = AuditEntry.objects.filter(seq=expected_seq).first()
        if start is None:
            return Verdict(False, 0, f"entry seq {expected_seq} is missing (deleted)", None, expected_seq)
        expected_prev = start.prev_hash
        entries = entries.filter(seq__gte=expected_seq)
    checked = 0
    unchained = AuditEntry.objects.filter(seq__isnull=True).order_by("id").first()
    if unchained is not None:
        return Verdict(False, 0, f"entry id {unchained.id} is not in the chain (no sequence)", unchained.id)
    if AuditEntry.objects.filter(seq__lte=head.anchor_seq).exists():
        first = AuditEntry.objects.filter(seq__lte=head.anchor_seq).order_by("seq").first()
        assert first is not None
        return Verdict(False, 0, f"entry id {first.id} (seq {first.seq}) lies before the prune anchor", first.id)
    for entry in entries.iterator(chunk_size=batch):
        if entry.seq != expected_seq:
            return Verdict(
                False,
                checked,
                f"entry seq {expected_seq} is missing (deleted): the next entry is id {entry.id} (seq {entry.seq})",
                entry.id,
                expected_seq,
            )
        if entry.prev_hash != expected_prev:
            return Verdict(
                False,
                checked,
                f"entry id {entry.id} (seq {entry.seq}) does not follow the previous entry's hash",
                entry.id,
                entry.seq,
            )
        if entry_hash(_values(entry), entry.prev_hash) != entry.hash:
            return Verdict(
                False,
                checked,
                f"entry id {entry.id} (seq {entry.seq}) was changed: its fields no longer hash to its hash",
                entry.id,
                entry.seq,
            )
        checked += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    if expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
        return Verdict(
            False,
            checked,
            f"the chain ends at seq {expected_seq - 1} but the head records seq {head.last_seq}: "
            f"entries {expected_seq}–{head.last_seq} are missing (deleted)",
            None,
            expected_seq,
        )
    first_seq = head.last_seq - checked + 1
    return Verdict(True, checked, f"audit chain intact: {checked} entries from seq {first_seq}")


def retention_days() -> int:
    return max(int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)), MIN_RETENTION_DAYS)


def prune(*, before: datetime, now: datetime | None = None) -> int:
    """Delete the entries older than `before` (a prefix of the chain) and anchor the rest.
    Refuses a `before` inside the retention period and a chain that does not verify."""
    from .audit import audit_record

    now = now or timezone.now()
    oldest_allowed = now - timedelta(days=retention_days())
    if before > oldest_allowed:
        raise ValueError(
            f"refusing to prune entries younger than {retention_days()} days: "
            f"--before must be on or before {oldest_allowed:%Y-%m-%d}"
        )
    verdict = verify()
    if not verdict.ok:
        raise ValueError(f"refusing to prune a broken chain: {verdict.message}")
    with transaction.atomic():
        head = head_for_update()
        first_kept = AuditEntry.objects.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
        last_cut = (first_kept - 1) if first_kept is not None else head.last_seq
        anchor = AuditEntry.objects.filter(seq=last_cut).first()
        if anchor is None or last_cut <= head.anchor_seq:
            return 0
        with audit_purge_allowed(connection), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE seq <= %s", [last_cut])
            cut = cursor.rowcount
        head.refresh_from_db()
        head.anchor_seq, head.anchor_hash, head.pruned_before = last_cut, anchor.hash, before
        head.save(update_fields=["anchor_seq", "anchor_hash", "pruned_before"])
        audit_record(
            actor=None,
            action="audit.prune",
            object_type="core.auditentry",
            after={"before": before.isoformat(), "deleted": cut, "anchor_seq": anchor.seq, "anchor_hash": anchor.hash},
        )
    return cut


EXPORT_FIELDS: tuple[str, ...] = ("seq", "id", "at", "actor_id", "actor_label", "action", "object_type")
EXPORT_FIELDS += ("object_id", "object_repr", "before", "after", "ip", "prev_hash", "hash")


def export_rows(*, since: datetime | None, until: datetime | None) -> Iterator[dict]:
    entries = AuditEntry.objects.order_by("seq")
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    for entry in entries.iterator(chunk_size=2000):
        row = {name: getattr(entry, name) for name in EXPORT_FIELDS}
        row["at"] = _canonical_value("at", entry.at)
        yield row


def status() -> dict:
    """For the admin page and `jinlin status`: the head and the last verification."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    verdict = verify()
    return {
        "ok": verdict.ok,
        "message": verdict.message,
        "entries": verdict.checked,
        "last_seq": head.last_seq,
        "last_hash": head.last_hash,
        "anchor_seq": head.anchor_seq,
        "anchor_hash": head.anchor_hash,
        "pruned_before": head.pruned_before,
    }
