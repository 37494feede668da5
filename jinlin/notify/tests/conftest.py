"""Notify's tests use the small district of the case tests (org, people, categories)."""

from jinlin.cases.tests.conftest import _fast_passwords, categories, media, org, people  # noqa: F401
