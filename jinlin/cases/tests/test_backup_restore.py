"""`jinlin backup` / `jinlin restore` (等保 数据备份恢复): a backup restored into an empty database
holds every case, timeline entry and audit entry (with its chain hashes); a restore refuses a
database that holds data unless --force. SQLite always; PostgreSQL when the suite runs on it."""

import io
import shutil
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jinlin.cases.machine import Status
from jinlin.cases.models import Case, TimelineEntry
from jinlin.core import backup as backups
from jinlin.core.models import AuditEntry

from .flow import bring_to

pytestmark = pytest.mark.django_db(transaction=True)


def _source_rows():
    return {
        "cases_case": sorted(Case.objects.values_list("id", flat=True)),
        "cases_timelineentry": sorted(TimelineEntry.objects.values_list("id", flat=True)),
        "core_auditentry": sorted(AuditEntry.objects.values_list("id", "hash")),
    }


def _make_cases(org, people):
    bring_to(Status.CLOSED, org, people)
    bring_to(Status.DISPATCHED, org, people)
    bring_to(Status.SUBMITTED, org, people)


def _query_rows(fetch):
    return {
        "cases_case": sorted(r[0] for r in fetch("SELECT id FROM cases_case")),
        "cases_timelineentry": sorted(r[0] for r in fetch("SELECT id FROM cases_timelineentry")),
        "core_auditentry": sorted(tuple(r) for r in fetch("SELECT id, hash FROM core_auditentry")),
    }


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite backup")
def test_a_sqlite_backup_restored_into_an_empty_database_holds_every_case_timeline_and_audit_entry(
    org, people, tmp_path
):
    _make_cases(org, people)
    path = tmp_path / "backup.sqlite3"
    call_command("backup", str(path), stdout=io.StringIO())
    expected = _source_rows()
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "empty.sqlite3")}
    backups.restore(target, path)
    con = sqlite3.connect(target["NAME"])
    try:
        restored = _query_rows(lambda sql: con.execute(sql).fetchall())
    finally:
        con.close()
    assert restored["cases_case"] == expected["cases_case"] and len(expected["cases_case"]) == 3
    assert restored["cases_timelineentry"] == expected["cases_timelineentry"]
    # Every audit entry up to the backup (the backup's own entry is written after the copy).
    backup_entry = AuditEntry.objects.get(action="db.backup")
    assert restored["core_auditentry"] == [r for r in expected["core_auditentry"] if r[0] != backup_entry.id]
    # And the restored file is a database the platform opens (the append-only triggers came along).
    con = sqlite3.connect(target["NAME"])
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    con.close()
    assert "core_auditentry_no_delete" in triggers


def test_restore_refuses_a_database_that_holds_data_unless_forced(org, people, tmp_path):
    _make_cases(org, people)
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    path = tmp_path / "backup.bin"
    call_command("backup", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert Case.objects.count() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump / pg_restore")
def test_a_pg_dump_restored_into_an_empty_database_holds_every_case_timeline_and_audit_entry(org, people, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not installed")
    import psycopg

    _make_cases(org, people)
    path = tmp_path / "backup.dump"
    call_command("backup", str(path), stdout=io.StringIO())
    backup_entry = AuditEntry.objects.get(action="db.backup")
    expected = _source_rows()
    expected["core_auditentry"] = [r for r in expected["core_auditentry"] if r[0] != backup_entry.id]
    source = connection.settings_dict
    target = dict(source, NAME=f"{source['NAME']}_restore")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{target["NAME"]}"')
    try:
        backups.restore(target, path)
        params = {k: target[K] for k, K in (("host", "HOST"), ("port", "PORT"), ("user", "USER"))}
        with psycopg.connect(dbname=target["NAME"], **{k: v for k, v in params.items() if v}) as con:
            restored = _query_rows(lambda sql: con.execute(sql).fetchall())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')
    assert restored == expected
    assert len(expected["cases_case"]) == 3 and expected["cases_timelineentry"]
