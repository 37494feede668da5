"""A generated street for the bench tests: the scale seed at a size that keeps the suite fast."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from jinlin.ops.scale import ScaleSpec, seed_scale

# A Monday morning; the history before it crosses the 2025 and 2026 holidays and 调休 weekends.
UNTIL = datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# One street, two communities, ten grids; about the cases of a quiet street in a year and a half.
TEST_SPEC = ScaleSpec("test", districts=1, streets=1, communities=2, residents=400, cases=1500, history_days=540)


@pytest.fixture
def street(db):
    """The test scale seeded into the test database; returns the seed's figures and `until`."""
    result = seed_scale(TEST_SPEC, seed=7, until=UNTIL)
    return SimpleNamespace(result=result, until=UNTIL)
