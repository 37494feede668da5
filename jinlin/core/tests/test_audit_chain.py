"""The audit log is hash-chained (等保 安全审计): `jinlin audit verify` finds a changed or deleted
row, parallel writers still make one valid chain (both databases), a prune keeps six months and
leaves a verifiable chain, and the auditor's export is itself audited."""

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from jinlin.core import audit_chain
from jinlin.core.audit import audit_record
from jinlin.core.db import audit_purge_allowed
from jinlin.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def _write(n: int, **kwargs) -> list[AuditEntry]:
    with transaction.atomic():
        return [audit_record(actor=None, action=f"test.{i}", after={"i": i, "名": "张三"}, **kwargs) for i in range(n)]


def _raw(sql: str, params=()):
    """What someone with the database's password can do, going around the triggers."""
    with audit_purge_allowed(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify_exit():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def test_each_entry_records_the_previous_entrys_hash():
    entries = _write(3)
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert [e.seq for e in entries[1:]] == [e.seq + 1 for e in entries[:-1]]
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (entries[-1].seq, entries[-1].hash)


def test_verify_exits_zero_on_an_intact_chain():
    _write(5)
    code, output = _verify_exit()
    assert code == 0, output
    assert "intact" in output


@pytest.mark.parametrize(
    "column,value", [("action", "tampered"), ("after", '{"i": 99}'), ("at", "2020-01-01 00:00:00")]
)
def test_verify_names_the_first_entry_changed_with_a_raw_update(column, value):
    entries = _write(5)
    victim = entries[2]
    _raw(f"UPDATE core_auditentry SET {column} = %s WHERE id = %s", [value, victim.id])
    code, output = _verify_exit()
    assert code == 1
    assert f"entry id {victim.id} " in output and "changed" in output


def test_verify_finds_a_row_deleted_from_the_middle():
    entries = _write(5)
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].id])
    code, output = _verify_exit()
    assert code == 1
    assert f"seq {entries[2].seq} is missing" in output


def test_verify_finds_the_last_rows_deleted():
    entries = _write(5)
    _raw("DELETE FROM core_auditentry WHERE seq >= %s", [entries[3].seq])
    code, output = _verify_exit()
    assert code == 1
    assert "missing" in output


def test_verify_finds_a_row_recomputed_to_hide_a_change():
    """Rewriting a row's own hash after changing it still breaks the next entry's link."""
    entries = _write(4)
    victim = entries[1]
    victim.action = "tampered"
    new_hash = audit_chain.entry_hash(audit_chain._values(victim), victim.prev_hash)
    _raw("UPDATE core_auditentry SET action = 'tampered', hash = %s WHERE id = %s", [new_hash, victim.id])
    code, output = _verify_exit()
    assert code == 1
    assert f"entry id {entries[2].id} " in output


@pytest.mark.django_db(transaction=True)
def test_parallel_audit_writes_make_one_valid_chain():
    errors, barrier = [], threading.Barrier(6)

    def worker(n):
        try:
            barrier.wait(timeout=10)
            for i in range(8):
                with transaction.atomic():
                    audit_record(actor=None, action=f"parallel.{n}.{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert AuditEntry.objects.filter(action__startswith="parallel.").count() == 48
    verdict = audit_chain.verify()
    assert verdict.ok, verdict.message
    assert verdict.checked == AuditEntry.objects.count()


def _age(entries, days):
    at = timezone.now() - timedelta(days=days)
    for e in entries:
        # Re-chain with the older time, as if written then (the test's own history).
        _raw("UPDATE core_auditentry SET at = %s WHERE id = %s", [at, e.id])


def _rechain():
    prev = ""
    with audit_purge_allowed(connection):
        for e in AuditEntry.objects.order_by("seq"):
            h = audit_chain.entry_hash(audit_chain._values(e), prev)
            _raw("UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s", [prev, h, e.id])
            prev = h
        AuditChainHead.objects.filter(pk=1).update(last_hash=prev)


def test_prune_refuses_to_cut_entries_younger_than_six_months():
    _write(3)
    with pytest.raises(CommandError, match="younger than 183 days"):
        call_command("audit", "prune", "--before", (timezone.now() - timedelta(days=100)).date().isoformat())
    assert AuditEntry.objects.count() == 3


def test_a_setting_below_six_months_does_not_shorten_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    assert audit_chain.retention_days() == 183


def test_prune_cuts_old_entries_and_the_chain_still_verifies_from_its_anchor():
    old = _write(4)
    _age(old, 400)
    young = _write(3)
    _rechain()
    call_command(
        "audit", "prune", "--before", (timezone.now() - timedelta(days=200)).date().isoformat(), stdout=io.StringIO()
    )
    assert not AuditEntry.objects.filter(id__in=[e.id for e in old]).exists()
    assert AuditEntry.objects.filter(id__in=[e.id for e in young]).count() == 3
    head = AuditChainHead.objects.get(pk=1)
    assert head.anchor_seq == old[-1].seq
    assert AuditEntry.objects.filter(action="audit.prune").exists()
    assert _verify_exit()[0] == 0
    # And the anchored chain still catches a deletion right after the anchor.
    _raw("DELETE FROM core_auditentry WHERE id = %s", [young[0].id])
    assert _verify_exit()[0] == 1


def test_prune_refuses_a_broken_chain():
    old = _write(3)
    _age(old, 400)
    _write(1)
    # Not re-chained: the aged rows no longer hash.
    with pytest.raises(CommandError, match="broken chain"):
        call_command("audit", "prune", "--before", (timezone.now() - timedelta(days=200)).date().isoformat())


def test_export_writes_the_range_as_jsonl_and_csv_and_is_itself_audited(tmp_path):
    _write(3)
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    until = (timezone.now() + timedelta(days=1)).date().isoformat()
    out = io.StringIO()
    call_command("audit", "export", "--since", since, "--until", until, "--format", "jsonl", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["action"] for r in rows] == ["test.0", "test.1", "test.2"]
    assert rows[1]["prev_hash"] == rows[0]["hash"] and rows[0]["after"]["名"] == "张三"
    exports = AuditEntry.objects.filter(action="audit.export")
    assert exports.count() == 1 and exports.get().after["entries"] == 3
    target = tmp_path / "audit.csv"
    call_command("audit", "export", "--since", since, "--format", "csv", "-o", str(target), stdout=io.StringIO())
    with open(target, encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["action"] for r in table][:4] == ["test.0", "test.1", "test.2", "audit.export"]
    assert AuditEntry.objects.filter(action="audit.export").count() == 2
    assert _verify_exit()[0] == 0


def test_an_empty_export_range_writes_nothing_but_is_audited():
    _write(2)
    out = io.StringIO()
    call_command("audit", "export", "--since", "2000-01-01", "--until", "2000-02-01", stdout=out)
    assert out.getvalue() == ""
    assert AuditEntry.objects.filter(action="audit.export").exists()


def test_a_tail_check_covers_only_the_latest_entries():
    entries = _write(6)
    _raw("UPDATE core_auditentry SET action = 'tampered' WHERE id = %s", [entries[1].id])
    assert audit_chain.verify(tail=3).ok
    assert audit_chain.verify(tail=3).checked == 3
    assert not audit_chain.verify(tail=5).ok
    assert not audit_chain.verify().ok
