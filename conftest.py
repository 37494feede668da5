"""Test-wide set-up shared by every app's tests."""

from django.core.management.commands import flush

from jinlin.core.db import audit_purge_allowed

_original_flush = flush.Command.handle


def _flush_with_audit_purge(self, **options):
    # Transactional tests (the browser tests' live server) empty the database between tests;
    # the audit log's append-only triggers refuse that unless the harness says so.
    from django.db import connections

    with audit_purge_allowed(connections[options.get("database", "default")]):
        return _original_flush(self, **options)


flush.Command.handle = _flush_with_audit_purge
