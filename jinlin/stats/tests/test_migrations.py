"""The data step of migration 0004: a database whose AreaMonth rows were built before StreetMonth
existed gets the StreetMonth rows a rebuild would write, without `stats_refresh --full`."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("stats", "0003_areamonth_community_prefix")]
AFTER = [("stats", "0004_street_month")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_street_rollup_is_filled_from_the_community_rollup_already_there():
    apps = migrate(BEFORE)
    AreaMonth = apps.get_model("stats", "AreaMonth")
    march = date(2026, 3, 1)
    AreaMonth.objects.bulk_create(
        [
            AreaMonth(month=march, community_code="350102001001", category_id=1, intake=1, working_seconds=10),
            AreaMonth(month=march, community_code="350102001002", category_id=1, intake=2, working_seconds=20),
            AreaMonth(month=march, community_code="350102001002", category_id=None, intake=4),
            AreaMonth(month=march, community_code="350102002001", category_id=1, intake=8),
            # Placed only to the district, and unplaced: rows of their own.
            AreaMonth(month=march, community_code="350102", category_id=1, intake=16),
            AreaMonth(month=march, community_code="", category_id=1, intake=32),
        ]
    )
    try:
        StreetMonth = migrate(AFTER).get_model("stats", "StreetMonth")
        rows = {
            (r.street_code, r.category_id): (r.intake, r.working_seconds)
            for r in StreetMonth.objects.filter(month=march)
        }
        assert rows == {
            ("350102001", 1): (3, 30),
            ("350102001", None): (4, 0),
            ("350102002", 1): (8, 0),
            ("350102", 1): (16, 0),
            ("", 1): (32, 0),
        }
    finally:
        # Back to the latest state for the tests that follow (a later stats migration included).
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
